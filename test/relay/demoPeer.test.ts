// The demo's stuck provider must stay a fault until the user fixes it: it withholds PONGs (so
// the relay flags missed PONGs), yet sees the relay's Close when its read deadline cuts it off,
// so the demo can reconnect it, stuck again. A peer that stopped reading never saw the Close.
import { afterEach, describe, expect, it } from 'vitest';
import { RelayCloseCode, startDemoProvider, startRelay, type Relay } from '../../src/core/relay';

let relay: Relay | null = null;
afterEach(async () => {
  await relay?.close();
  relay = null;
});

describe('demo provider that ignores heartbeats', () => {
  it('misses PONGs, and notices when the read deadline closes it', async () => {
    relay = await startRelay({
      host: '127.0.0.1',
      port: 0,
      writeTimeoutMs: 1000,
      queueLimit: 64,
      heartbeatIntervalMs: 100,
      readTimeoutMs: 1500,
      closeDrainMs: 100,
    });
    const peer = await startDemoProvider(relay.url, { answer: false, ignorePings: true });
    const closed = new Promise<number>((r) => peer.ws.once('close', (code) => r(code)));
    await expect.poll(() => relay!.sessions()[0]?.missedPongs ?? 0, { timeout: 5000 }).toBeGreaterThan(0);
    // A half-open peer is cut off (4502, or 1006 when the socket goes first): either way it sees it.
    expect([RelayCloseCode.readTimeout, 1006]).toContain(await closed);
  });
});
