// A provider that stops reading: the relay's queue for it stays within its bounds, excess
// requests are refused at once with a backpressure error, the stuck session is ended with the
// write-timeout code, its clients' requests fail with a clear message, everyone else is fine.

import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { RelayCloseCode, startDemoProvider, type ClosedSessionRecord, type Relay } from '../../src/core/relay/index';
import { ReplyLog, cleanup, flushed, openWs, relayForTest, sessionOf, until } from './helpers/wsPeers';

afterEach(cleanup);

const HWM = 64 * 1024;
const MAX_PAYLOAD = 1024 * 1024;

/** Send requests until the relay's socket to the provider is stuck (write in flight, data queued). */
async function fillUntilStuck(relay: Relay, client: WebSocket, body: string, maxRequests: number): Promise<number> {
  let sent = 0;
  for (;;) {
    const provider = sessionOf(relay, 'provider');
    if (provider && provider.queue.frames > 0 && provider.writeDeadline.state !== 'idle') return sent;
    if (sent >= maxRequests) throw new Error('the provider never backed up');
    for (let i = 0; i < 8; i += 1) client.send(JSON.stringify({ id: sent++, params: body }));
    await flushed(client);
    await until(() => relay.snapshot().requests.inFlight + relay.snapshot().requests.failed >= sent, 'requests to reach the relay');
  }
}

test('a provider that stops reading: queue bounded in frames and bytes, excess refused at once', async () => {
  const queueLimit = 32;
  const queueByteLimit = 1024 * 1024;
  const relay = await relayForTest({ queueLimit, queueByteLimit, maxPayload: MAX_PAYLOAD, socketHighWaterMark: HWM, writeTimeoutMs: 60_000 });
  await startDemoProvider(relay.url, { answer: true, stopReading: true });
  await until(() => sessionOf(relay, 'provider'), 'provider session');
  const client = await openWs(relay.clientUrl, { maxPayload: MAX_PAYLOAD });
  const replies = new ReplyLog(client);

  const body = 'b'.repeat(48 * 1024);
  let sent = await fillUntilStuck(relay, client, body, 4000);
  // Offer far more than the bounds allow: another 16 MiB.
  for (let i = 0; i < 340; i += 1) client.send(JSON.stringify({ id: sent++, params: body }));
  await flushed(client);
  await until(() => relay.snapshot().requests.inFlight + relay.snapshot().requests.failed >= sent, 'every request to be accounted for');

  const provider = sessionOf(relay, 'provider');
  expect(provider?.queue.frames).toBeLessThanOrEqual(queueLimit);
  expect(provider?.queue.bytes).toBeLessThanOrEqual(queueByteLimit);
  // What sits in the socket is bounded by the high-water mark plus one frame.
  expect(provider?.bufferedAmount).toBeLessThanOrEqual(HWM + MAX_PAYLOAD);
  expect(provider?.writeDeadline.state).toBe('armed');
  expect(provider?.rejected.backpressure).toBeGreaterThan(0);

  // Every refused request got an immediate backpressure reply (nothing waits on a full queue).
  await replies.until((r) => r.length === relay.snapshot().requests.failed, 'backpressure replies');
  expect(replies.replies.length).toBeGreaterThan(0);
  expect(replies.replies.every((r) => r.error?.code === 'backpressure')).toBe(true);
  expect(replies.replies[0]?.error?.message).toMatch(/write queue is full/);

  // The client itself is unaffected and so is a newcomer: a second provider takes new work.
  await startDemoProvider(relay.url, { answer: true });
  await until(() => relay.sessions().filter((s) => s.role === 'provider').length === 2, 'second provider');
  const before = replies.replies.length;
  // Same size as the backlog's requests, so it cannot squeeze into the stuck queue's last bytes.
  client.send(JSON.stringify({ id: 'fresh', params: body }));
  const after = await replies.until((r) => r.some((x) => x.id === 'fresh'), 'reply from the healthy provider');
  expect(after.find((x) => x.id === 'fresh')?.result).toBe(body);
  expect(after.length).toBe(before + 1);
});

test('a stuck write closes the session with the write-timeout code; its requests fail clearly; others carry on', async () => {
  const writeTimeoutMs = 300;
  const relay = await relayForTest({ writeTimeoutMs, maxPayload: MAX_PAYLOAD, socketHighWaterMark: HWM });
  const closes: ClosedSessionRecord[] = [];
  relay.on('sessionClosed', (record) => closes.push(record));
  await startDemoProvider(relay.url, { answer: true, stopReading: true });
  const stuckId = (await until(() => sessionOf(relay, 'provider'), 'provider session')).id;
  const client = await openWs(relay.clientUrl, { maxPayload: MAX_PAYLOAD });
  const replies = new ReplyLog(client);
  const bystander = await openWs(relay.clientUrl);
  const bystanderReplies = new ReplyLog(bystander);

  const sent = await fillUntilStuck(relay, client, 'c'.repeat(256 * 1024), 2000);
  const closed = await until(() => closes.find((c) => c.id === stuckId), 'the stuck provider to be closed');
  expect(closed.code).toBe(RelayCloseCode.writeTimeout);
  expect(closed.reason).toMatch(new RegExp(`write timeout: .* not flushed to the socket within ${writeTimeoutMs} ms`));

  // Every request the stuck provider held fails back with the reason it went away.
  const gone = await replies.until((r) => r.length >= sent, 'a reply for every request');
  const failures = gone.filter((r) => r.error?.code === 'provider_gone');
  expect(failures.length).toBeGreaterThan(0);
  expect(failures[0]?.error?.message).toMatch(
    new RegExp(`provider ${stuckId} went away before replying \\(close ${RelayCloseCode.writeTimeout}: write timeout`),
  );
  expect(relay.snapshot().requests.inFlight).toBe(0);

  // Other sessions never noticed: both clients still open and served.
  expect(client.readyState).toBe(WebSocket.OPEN);
  expect(bystander.readyState).toBe(WebSocket.OPEN);
  bystander.send(JSON.stringify({ id: 'still-here' }));
  const bystanderReply = await bystanderReplies.count(1);
  expect(bystanderReply[0]?.error?.code).toBe('no_provider');
  const bystanderSession = relay.sessions().find((s) => s.role === 'client' && s.framesIn === 1);
  expect(await relay.probeSession(bystanderSession?.id ?? '')).toBeGreaterThanOrEqual(0);
  expect(closes.map((c) => c.id)).toEqual([stuckId]);
});
