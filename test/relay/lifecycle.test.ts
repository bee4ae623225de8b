// Routing, failure replies, and the actions a front end uses: snapshot, change events, probe,
// closeSession (with and without a peer that completes the handshake), restart.

import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { RelayCloseCode, startDemoProvider, type ClosedSessionRecord } from '../../src/core/relay/index';
import { Opcode } from './helpers/frames';
import { connectRaw } from './helpers/rawPeer';
import { ReplyLog, cleanup, closeEvent, openWs, relayForTest, sessionOf, until } from './helpers/wsPeers';

afterEach(cleanup);

test('requests are spread across providers and replies reach their own client even when ids collide', async () => {
  const relay = await relayForTest();
  const a = await startDemoProvider(relay.url, { answer: true });
  const b = await startDemoProvider(relay.url, { answer: true });
  await until(() => relay.sessions().length === 2, 'providers');
  const alice = await openWs(relay.clientUrl);
  const bob = await openWs(relay.clientUrl);
  const aliceReplies = new ReplyLog(alice);
  const bobReplies = new ReplyLog(bob);

  for (let i = 0; i < 10; i += 1) {
    alice.send(JSON.stringify({ id: i, params: `alice-${i}` }));
    bob.send(JSON.stringify({ id: i, params: `bob-${i}` }));
  }
  await aliceReplies.count(10);
  await bobReplies.count(10);
  const byId = (replies: ReplyLog): Record<string, unknown> => Object.fromEntries(replies.replies.map((r) => [String(r.id), r.result]));
  expect(byId(aliceReplies)).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), `alice-${i}`])));
  expect(byId(bobReplies)).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), `bob-${i}`])));
  // Round robin: the 20 requests split evenly.
  expect([a.received, b.received]).toEqual([10, 10]);
  expect(relay.snapshot().requests).toEqual({ inFlight: 0, completed: 20, failed: 0 });
});

test("when a provider goes away its clients' in-flight requests fail with a clear error", async () => {
  const relay = await relayForTest();
  const silent = await startDemoProvider(relay.url, { answer: false });
  const providerId = (await until(() => sessionOf(relay, 'provider'), 'provider')).id;
  const client = await openWs(relay.clientUrl);
  const replies = new ReplyLog(client);
  for (const id of ['a', 'b', 'c']) client.send(JSON.stringify({ id, params: id }));
  await until(() => silent.received === 3, 'requests at the provider');
  expect(sessionOf(relay, 'client')?.inFlightRequests).toBe(3);

  await silent.close();
  const failed = await replies.count(3);
  expect(failed.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  for (const reply of failed) {
    expect(reply.error?.code).toBe('provider_gone');
    expect(reply.error?.message).toBe(`provider ${providerId} went away before replying (close 1000: demo provider done)`);
  }
  client.send(JSON.stringify({ id: 'd' }));
  expect((await replies.count(4))[3]?.error?.code).toBe('no_provider');
});

test('a request without a reply fails with request_timeout', async () => {
  const relay = await relayForTest({ requestTimeoutMs: 200 });
  await startDemoProvider(relay.url, { answer: false });
  await until(() => sessionOf(relay, 'provider'), 'provider');
  const client = await openWs(relay.clientUrl);
  const replies = new ReplyLog(client);
  client.send(JSON.stringify({ id: 'slow' }));
  const [reply] = await replies.count(1);
  expect(reply?.id).toBe('slow');
  expect(reply?.error?.code).toBe('request_timeout');
  expect(reply?.error?.message).toMatch(/did not reply within 200 ms/);
});

test('snapshot is JSON-serialisable, change events fire, probe reports a round trip', async () => {
  const relay = await relayForTest({ changeCoalesceMs: 5 });
  let changes = 0;
  const opened: string[] = [];
  relay.on('change', () => (changes += 1));
  relay.on('sessionOpened', (s) => opened.push(s.id));
  const client = await openWs(relay.clientUrl);
  await until(() => changes > 0, 'a change event');
  const snapshot = relay.snapshot();
  expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  expect(snapshot.state).toBe('listening');
  const [session] = snapshot.sessions;
  expect(opened).toEqual([session?.id]);
  expect(session).toMatchObject({
    role: 'client',
    remoteAddress: '127.0.0.1',
    remotePort: client.readyState === WebSocket.OPEN ? expect.any(Number) : null,
    queue: { frames: 0, bytes: 0, controlFrames: 0 },
    writeDeadline: { state: 'idle', inFlight: 0 },
    closing: { state: 'open' },
  });
  const rtt = await relay.probeSession(session?.id ?? '');
  expect(rtt).toBeGreaterThanOrEqual(0);
  expect(sessionOf(relay, 'client')?.lastPong?.rttMs).toBe(rtt);
  await expect(relay.probeSession('nope')).rejects.toThrow(/no session nope/);
});

test('probe of a peer that never answers rejects after probeTimeoutMs', async () => {
  const relay = await relayForTest({ probeTimeoutMs: 200 });
  const mute = await connectRaw(relay.clientUrl);
  const session = await until(() => sessionOf(relay, 'client'), 'session');
  await expect(relay.probeSession(session.id)).rejects.toThrow(/no PONG within 200 ms/);
  expect(mute.frames.some((f) => f.opcode === Opcode.ping)).toBe(true);
});

test('closeSession completes the handshake with a cooperating peer and the session disappears', async () => {
  const relay = await relayForTest();
  const client = await openWs(relay.clientUrl);
  const session = await until(() => sessionOf(relay, 'client'), 'session');
  const closed = closeEvent(client);
  const records: ClosedSessionRecord[] = [];
  relay.on('sessionClosed', (r) => records.push(r));
  await relay.closeSession(session.id, 4000, 'broken by operator');
  expect(await closed).toEqual({ code: 4000, reason: 'broken by operator' });
  expect(relay.sessions()).toEqual([]);
  expect(records).toMatchObject([{ id: session.id, code: 4000, reason: 'broken by operator' }]);
  await expect(relay.closeSession(session.id)).rejects.toThrow(/no session/);
  await expect(relay.closeSession('x', 1005)).rejects.toThrow(/invalid close code/);
});

test('closeSession destroys the socket after closeDrainMs when the peer never answers the Close', async () => {
  const relay = await relayForTest({ closeDrainMs: 100 });
  const mute = await connectRaw(relay.clientUrl);
  mute.pause(); // it will never read our Close, let alone echo it
  const session = await until(() => sessionOf(relay, 'client'), 'session');
  const closing = relay.closeSession(session.id, 4000, 'go');
  expect(sessionOf(relay, 'client')?.closing).toMatchObject({ state: 'closing', code: 4000, reason: 'go', initiatedBy: 'relay' });
  await closing;
  expect(relay.sessions()).toEqual([]);
  expect(relay.snapshot().recentlyClosed[0]).toMatchObject({ id: session.id, code: 4000, reason: 'go' });
  mute.resume();
  await mute.waitFor(() => mute.ended, 'the raw socket to be destroyed');
});

test('restart closes every session with 1012 and serves again on the same port', async () => {
  const relay = await relayForTest();
  const port = relay.port;
  await startDemoProvider(relay.url, { answer: true });
  const clients = [await openWs(relay.clientUrl), await openWs(relay.clientUrl)];
  await until(() => relay.sessions().length === 3, 'sessions');
  const closes = clients.map((c) => closeEvent(c));

  await relay.restart();
  for (const close of await Promise.all(closes)) expect(close).toEqual({ code: 1012, reason: 'service restart' });
  expect(relay.sessions()).toEqual([]);
  expect(relay.port).toBe(port);
  expect(relay.snapshot()).toMatchObject({ state: 'listening', restarts: 1 });
  expect(relay.snapshot().recentlyClosed.map((r) => r.code)).toEqual([1012, 1012, 1012]);

  await startDemoProvider(relay.url, { answer: true });
  await until(() => sessionOf(relay, 'provider'), 'provider after restart');
  const again = await openWs(relay.clientUrl);
  const replies = new ReplyLog(again);
  again.send(JSON.stringify({ id: 1, params: 'after restart' }));
  expect((await replies.count(1))[0]).toEqual({ id: 1, result: 'after restart' });
});

test('close() ends every session with 1001 and stops listening', async () => {
  const relay = await relayForTest();
  const client = await openWs(relay.clientUrl);
  const closed = closeEvent(client);
  await relay.close();
  expect(await closed).toEqual({ code: RelayCloseCode.goingAway, reason: 'relay shutting down' });
  expect(relay.snapshot().state).toBe('closed');
  await expect(openWs(relay.clientUrl)).rejects.toThrow();
});
