// Slow handshakes (slowloris): a peer that opens a TCP connection and dribbles its upgrade
// request, or never finishes it, used to hold a socket (and `close()`) until Node's own
// headersTimeout, ~60–90 s later. The relay now bounds the handshake itself on its injected
// clock, so the test decides when the deadline passes instead of waiting for it.

import { connect, type Socket } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { Relay } from '../../src/core/relay/index';
import { ManualScheduler } from './helpers/manualScheduler';
import { cleanup, openWs, until } from './helpers/wsPeers';

const relays: Relay[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(relays.splice(0).map((r) => r.close()));
  await cleanup();
});

async function relayOnManualClock(handshakeTimeoutMs: number): Promise<{ relay: Relay; clock: ManualScheduler }> {
  const clock = new ManualScheduler();
  const relay = new Relay({ host: '127.0.0.1', port: 0, heartbeatIntervalMs: 0, handshakeTimeoutMs }, clock);
  relays.push(relay);
  await relay.listen();
  return { relay, clock };
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

test('an upgrade request that never completes is cut at handshakeTimeoutMs and counted', async () => {
  const { relay, clock } = await relayOnManualClock(3000);
  const slow = connect(relay.port, '127.0.0.1');
  sockets.push(slow);
  slow.on('error', () => undefined);
  // Half a request line and one header: the relay must not wait for the rest forever.
  slow.write('GET /client HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  await until(() => relay.snapshot().handshakes.pending === 1, 'the relay to see the pending handshake');

  clock.advance(2999);
  expect(slow.destroyed).toBe(false);
  expect(relay.snapshot().handshakes).toEqual({ pending: 1, timedOut: 0, timeoutMs: 3000 });

  const gone = closed(slow);
  clock.advance(1);
  await gone;
  expect(relay.snapshot().handshakes).toEqual({ pending: 0, timedOut: 1, timeoutMs: 3000 });
});

test('a handshake that completes in time is not cut later, and close() does not wait for a dribbling peer', async () => {
  const { relay, clock } = await relayOnManualClock(3000);
  const ws = await openWs(relay.clientUrl);
  await until(() => relay.sessions().length === 1, 'the client session');
  clock.advance(10_000);
  expect(ws.readyState).toBe(ws.OPEN);
  expect(relay.snapshot().handshakes.timedOut).toBe(0);

  const slow = connect(relay.port, '127.0.0.1');
  sockets.push(slow);
  slow.on('error', () => undefined);
  slow.write('GET /provider HTTP/1.1\r\n');
  await until(() => relay.snapshot().handshakes.pending === 1, 'the pending handshake');
  const gone = closed(slow);
  await relay.close();
  await gone;
});

test('handshakeTimeoutMs must be a positive number of ms', () => {
  expect(() => new Relay({ handshakeTimeoutMs: 0 })).toThrow(/handshakeTimeoutMs/);
  expect(() => new Relay({ handshakeTimeoutMs: Number.NaN })).toThrow(/handshakeTimeoutMs/);
});
