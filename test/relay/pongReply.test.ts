// The relay's own PING-read → PONG-write time: recorded for every PONG it answers, summarised
// over a ring of the latest samples, published in the session snapshot (bench/relay prints it
// beside the kernel-held part of a PONG round trip).

import { afterEach, expect, test } from 'vitest';
import type { WebSocket } from 'ws';
import { PongReplyTimes } from '../../src/core/relay/index';
import { cleanup, openWs, relayForTest, sessionOf, until } from './helpers/wsPeers';

afterEach(cleanup);

test('PongReplyTimes: null before the first PONG, then count, median, p99 and max of the latest samples', () => {
  const times = new PongReplyTimes();
  expect(times.summary()).toBeNull();
  for (let i = 1; i <= 100; i += 1) times.record(i / 10);
  expect(times.summary()).toEqual({ count: 100, p50Ms: 5, p99Ms: 9.9, maxMs: 10 });
});

test('PongReplyTimes: the ring keeps the latest 512 samples, so an old outlier ages out while the count goes on', () => {
  const times = new PongReplyTimes();
  times.record(250);
  for (let i = 0; i < 512; i += 1) times.record(0.2);
  expect(times.summary()).toEqual({ count: 513, p50Ms: 0.2, p99Ms: 0.2, maxMs: 0.2 });
});

function pingOnce(ws: WebSocket, payload: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const onPong = (data: Buffer): void => {
      if (!data.equals(payload)) return;
      ws.off('pong', onPong);
      resolve();
    };
    ws.on('pong', onPong);
    ws.ping(payload);
  });
}

test("a real session's snapshot counts every PONG the relay answered and how long each took to leave", async () => {
  const relay = await relayForTest({ heartbeatIntervalMs: 0 });
  const client = await openWs(relay.clientUrl);
  await until(() => sessionOf(relay, 'client') !== undefined, 'the client session');
  expect(sessionOf(relay, 'client')?.pongReply).toBeNull();
  for (let i = 0; i < 20; i += 1) await pingOnce(client, Buffer.from(`p${i}`));
  const reply = sessionOf(relay, 'client')?.pongReply;
  expect(reply?.count).toBe(20);
  // Durations, not speeds: ordered and non-negative (no bound on how fast this machine is).
  expect(reply?.p50Ms).toBeGreaterThanOrEqual(0);
  expect(reply?.p99Ms).toBeGreaterThanOrEqual(reply?.p50Ms ?? Infinity);
  expect(reply?.maxMs).toBeGreaterThanOrEqual(reply?.p99Ms ?? Infinity);
});
