// A broker listener passes its tracker's per-call events on only to those who listen to it, and
// holds no subscription on the tracker while nobody does: with trackProcessCalls on, every
// external call of the process would otherwise have two snapshots built for nobody.
import { describe, expect, it } from 'vitest';
import { BrokerListener, CallTracker, type TrackerEvent } from '../../src/core/listener/index';
import { startSilentServer, useCleanups, waitFor } from './helpers';

/** A real tracker that counts the subscriptions held on it. */
class CountingTracker extends CallTracker {
  held = 0;
  override onDidChange(listener: (e: TrackerEvent) => void): { dispose(): void } {
    this.held++;
    const inner = super.onDidChange(listener);
    return {
      dispose: () => {
        this.held--;
        inner.dispose();
      },
    };
  }
}

const cleanups = useCleanups();

describe('BrokerListener events', () => {
  it('subscribes to its tracker only while someone listens, and still relays a call seen in that time', async () => {
    const tracker = new CountingTracker({ stallThresholdMs: 60_000 });
    cleanups.push(() => tracker.dispose());
    const listener = new BrokerListener({ brokerUrl: 'http://127.0.0.1:1', tracker });
    cleanups.push(() => listener.dispose());
    expect(tracker.held).toBe(0);

    const seen: string[] = [];
    const first = listener.onDidChange((e) => seen.push(e.type));
    const second = listener.onDidChange(() => undefined);
    expect(tracker.held).toBe(1);

    const server = await startSilentServer();
    cleanups.push(() => server.close());
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    fetch(`${server.url}/external`, { signal: controller.signal }).catch(() => undefined);
    await waitFor(() => seen.includes('call-started') || undefined, 'the external call relayed as an event');

    first.dispose();
    expect(tracker.held).toBe(1);
    second.dispose();
    expect(tracker.held).toBe(0);
    listener.onDidChange(() => undefined);
    expect(tracker.held).toBe(1);
    await listener.dispose();
    expect(tracker.held).toBe(0);
  });
});
