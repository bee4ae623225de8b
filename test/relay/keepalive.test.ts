// Keepalive behaviour: the origin's stale-deadline regression, PONGs overtaking a backlog,
// half-open peers ended by the read deadline, heartbeats measuring round trips.

import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { RelayCloseCode, type ClosedSessionRecord } from '../../src/core/relay/index';
import { Opcode } from './helpers/frames';
import { connectRaw } from './helpers/rawPeer';
import { ReplyLog, cleanup, flushed, openWs, relayForTest, sessionOf, sleep, until } from './helpers/wsPeers';

afterEach(cleanup);

/** PING from the peer side; resolves with the PONG, rejects if the relay closes the session instead. */
function pong(ws: WebSocket, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onPong = (data: Buffer): void => {
      if (!data.equals(payload)) return;
      done();
      resolve(data);
    };
    const onClose = (code: number, reason: Buffer): void => {
      done();
      reject(new Error(`session closed (${code} ${reason.toString()}) instead of answering the PING`));
    };
    const done = (): void => {
      ws.off('pong', onPong);
      ws.off('close', onClose);
    };
    ws.on('pong', onPong);
    ws.on('close', onClose);
    ws.ping(payload);
  });
}

test('a PING after an idle gap longer than writeTimeoutMs still gets its PONG, twice, and the session survives', async () => {
  const writeTimeoutMs = 150;
  const relay = await relayForTest({ writeTimeoutMs, heartbeatIntervalMs: 0 });
  const client = await openWs(relay.clientUrl);
  const replies = new ReplyLog(client);
  const closes: ClosedSessionRecord[] = [];
  relay.on('sessionClosed', (record) => closes.push(record));

  // A data write first (the relay answers "no provider"), so a per-connection deadline — the
  // origin's bug — would have been set and then left to expire during the idle gap.
  client.send(JSON.stringify({ id: 1, method: 'echo' }));
  await replies.count(1);
  expect(replies.replies[0]?.error?.code).toBe('no_provider');

  for (const round of [1, 2]) {
    // Idle well past the write timeout: nothing is written in either direction.
    await sleep(writeTimeoutMs * 3);
    const payload = Buffer.from(`after-idle-${round}`);
    expect((await pong(client, payload)).toString()).toBe(`after-idle-${round}`);
    expect(sessionOf(relay, 'client')?.closing.state).toBe('open');
    expect(sessionOf(relay, 'client')?.writeDeadline.state).toBe('idle');
  }

  // Data still flows after both gaps, and nothing was closed.
  client.send(JSON.stringify({ id: 2, method: 'echo' }));
  await replies.count(2);
  expect(client.readyState).toBe(WebSocket.OPEN);
  expect(closes).toEqual([]);
});

test('a PONG overtakes megabytes queued for the same peer (control frames go first)', async () => {
  const relay = await relayForTest({ queueLimit: 100_000, queueByteLimit: 256 * 1024 * 1024, maxPayload: 1024 * 1024, writeTimeoutMs: 60_000 });
  const provider = await connectRaw(relay.providerUrl);
  provider.pause(); // stop reading: the kernel buffers fill, then the relay's queue
  await until(() => sessionOf(relay, 'provider'), 'provider session');
  const client = await openWs(relay.clientUrl, { maxPayload: 1024 * 1024 });

  // Offer data until the relay holds at least 4 MiB in its own queue for the provider (how
  // much the kernel absorbs first differs between machines, so fill adaptively).
  const body = 'z'.repeat(128 * 1024);
  let sent = 0;
  while ((sessionOf(relay, 'provider')?.queue.bytes ?? 0) < 4 * 1024 * 1024) {
    if (sent >= 2000) throw new Error('the relay never queued 4 MiB for a peer that does not read');
    for (let i = 0; i < 16; i += 1) client.send(JSON.stringify({ id: sent++, params: body }));
    await flushed(client);
    await until(() => relay.snapshot().requests.inFlight === sent, 'requests to reach the relay');
  }

  // The provider PINGs; the relay reads it (reading is independent of the stuck write side)
  // and queues the PONG in the control lane.
  provider.send(Opcode.ping, 'under-load');
  await until(() => sessionOf(relay, 'provider')?.lastInbound?.kind === 'ping', 'the relay to read the PING');
  const queuedAtPing = sessionOf(relay, 'provider')?.queue.bytes ?? 0;
  expect(queuedAtPing).toBeGreaterThanOrEqual(4 * 1024 * 1024);

  provider.resume();
  const dataFrames = (): number => provider.frames.filter((f) => f.opcode === Opcode.text).length;
  await provider.waitFor(() => dataFrames() >= sent, 'the whole backlog', 60_000);
  expect(provider.parseError).toBeNull();

  const pongIndex = provider.frames.findIndex((f) => f.opcode === Opcode.pong);
  expect(pongIndex).toBeGreaterThanOrEqual(0);
  expect(provider.frames[pongIndex]?.payload.toString()).toBe('under-load');
  expect(provider.frames.filter((f) => f.opcode === Opcode.pong)).toHaveLength(1);
  // Everything that was still in the relay's queue when the PING arrived is behind the PONG.
  const dataBytesAfterPong = provider.frames
    .slice(pongIndex + 1)
    .filter((f) => f.opcode === Opcode.text)
    .reduce((sum, f) => sum + f.payload.length, 0);
  expect(dataBytesAfterPong).toBeGreaterThanOrEqual(queuedAtPing * 0.9);
}, 90_000);

test('a half-open peer is terminated after the read deadline; a healthy one is kept', async () => {
  const relay = await relayForTest({ heartbeatIntervalMs: 100, readTimeoutMs: 1000 });
  const healthy = await openWs(relay.clientUrl); // ws answers the relay's PINGs itself
  const halfOpen = await connectRaw(relay.clientUrl);
  halfOpen.pause(); // never reads, never writes: as good as a peer that vanished
  const halfOpenId = await until(() => relay.sessions().find((s) => s.remotePort === halfOpen.socket.localPort)?.id, 'session');

  const closed = await new Promise<ClosedSessionRecord>((resolve) => {
    relay.on('sessionClosed', (record) => {
      if (record.id === halfOpenId) resolve(record);
    });
  });
  expect(closed.code).toBe(RelayCloseCode.readTimeout);
  expect(closed.reason).toMatch(/read timeout.*half-open/);
  expect(relay.snapshot().recentlyClosed[0]?.code).toBe(RelayCloseCode.readTimeout);

  // The healthy peer answered every heartbeat and is still there.
  expect(healthy.readyState).toBe(WebSocket.OPEN);
  const session = sessionOf(relay, 'client');
  expect(session?.closing.state).toBe('open');
  expect(session?.lastPong).not.toBeNull();
  expect(await relay.probeSession(session?.id ?? '')).toBeGreaterThanOrEqual(0);
});

test('heartbeats measure the PONG round trip and count missed PONGs', async () => {
  const relay = await relayForTest({ heartbeatIntervalMs: 50, readTimeoutMs: 60_000 });
  await openWs(relay.clientUrl);
  const mute = await connectRaw(relay.clientUrl);
  mute.pause();
  const muteId = await until(() => relay.sessions().find((s) => s.remotePort === mute.socket.localPort)?.id, 'session');

  const answered = await until(() => relay.sessions().find((s) => s.id !== muteId && s.lastPong !== null), 'a heartbeat PONG');
  expect(answered.lastPong?.rttMs).toBeGreaterThanOrEqual(0);
  expect(answered.missedPongs).toBe(0);
  const silent = await until(() => relay.sessions().find((s) => s.id === muteId && s.missedPongs >= 2), 'missed PONGs');
  expect(silent.lastPong).toBeNull();
});
