// The bounded call against peers that misbehave at the TCP level. These are the origin's
// failure in its purest form: without the whole-call deadline every one of them hangs.
import { afterEach, describe, expect, it } from 'vitest';
import {
  boundedCall,
  CallAbortedError,
  CallTracker,
  createBrokerDispatcher,
  DeadlineExceededError,
  startFakeBroker,
  TransportError,
  type FakeBroker,
} from '../../src/core/listener/index';
import { type RawServer, startSilentServer, startTrickleServer, useCleanups } from './helpers';

const DEADLINE = 300;
// Generous: 2 shared cores, a fresh CI machine. The point is "bounded", not "fast".
const MARGIN = 1_500;

const cleanups = useCleanups();

function dispatcher(): ReturnType<typeof createBrokerDispatcher> {
  const d = createBrokerDispatcher();
  cleanups.push(() => d.destroy());
  return d;
}

/** Takes a thunk, so the clock starts before the call does (its synchronous part included). */
async function timed<T>(start: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const t0 = performance.now();
  try {
    await start();
    return { ms: performance.now() - t0, error: null };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}

describe('boundedCall', () => {
  it('gives up on a raw TCP server that accepts and never writes, at its deadline', async () => {
    const server: RawServer = await startSilentServer();
    cleanups.push(() => server.close());
    const { ms, error } = await timed(() =>
      boundedCall(
        { name: 'createSession', kind: 'control-plane', method: 'POST', url: `${server.url}/sessions`, body: '{}', timeoutMs: DEADLINE },
        { dispatcher: dispatcher() },
      ),
    );
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(server.connections()).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(DEADLINE - 20);
    expect(ms).toBeLessThan(DEADLINE + MARGIN);
  });

  it('gives up on headers followed by a trickled body: the deadline covers the body', async () => {
    // One byte every 50 ms keeps undici's per-chunk bodyTimeout forever happy; only a
    // whole-call deadline ends this.
    const server = await startTrickleServer(50);
    cleanups.push(() => server.close());
    const tracker = new CallTracker({ observeProcess: false });
    cleanups.push(() => tracker.dispose());
    const { ms, error } = await timed(() =>
      boundedCall(
        { name: 'getMessage', kind: 'control-plane', method: 'GET', url: `${server.url}/m`, timeoutMs: DEADLINE },
        { dispatcher: dispatcher(), tracker },
      ),
    );
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(ms).toBeLessThan(DEADLINE + MARGIN);
    const [call] = tracker.recent();
    // The headers arrived (status 200): this was a body stall, not a header stall.
    expect(call).toMatchObject({ name: 'getMessage', status: 200, outcome: 'deadline', stalled: true });
  });

  describe('against the fake broker', () => {
    let broker: FakeBroker;
    afterEach(() => broker.close());

    it('turns a 200 with a truncated body into a retriable TransportError', async () => {
      broker = await startFakeBroker({ faults: { probe: { kind: 'truncated' } } });
      const { error, ms } = await timed(() =>
        boundedCall({ name: 'probe', kind: 'control-plane', method: 'GET', url: broker.url, timeoutMs: 5_000 }, { dispatcher: dispatcher() }),
      );
      expect(error).toBeInstanceOf(TransportError);
      expect(ms).toBeLessThan(5_000);
    });

    it('answers slowly but within the deadline: not aborted', async () => {
      broker = await startFakeBroker({ faults: { probe: { kind: 'slow', delayMs: 100 } } });
      const res = await boundedCall({ name: 'probe', kind: 'control-plane', method: 'GET', url: broker.url, timeoutMs: 3_000 }, { dispatcher: dispatcher() });
      expect(res.status).toBe(200);
    });

    it('an outer abort (stop) ends a stalled call at once with its reason', async () => {
      broker = await startFakeBroker({ faults: { probe: { kind: 'stall' } } });
      const outer = new AbortController();
      setTimeout(() => outer.abort(new CallAbortedError('probe', 'stop', false)), 50);
      const { error, ms } = await timed(() =>
        boundedCall(
          { name: 'probe', kind: 'control-plane', method: 'GET', url: broker.url, timeoutMs: 60_000, signal: outer.signal },
          { dispatcher: dispatcher() },
        ),
      );
      expect(error).toBeInstanceOf(CallAbortedError);
      expect(ms).toBeLessThan(MARGIN);
    });

    it('tracker.abort(id) breaks one call in flight', async () => {
      broker = await startFakeBroker({ faults: { probe: { kind: 'stall' } } });
      const tracker = new CallTracker({ observeProcess: false });
      cleanups.push(() => tracker.dispose());
      const call = boundedCall(
        { name: 'probe', kind: 'control-plane', method: 'GET', url: broker.url, timeoutMs: 60_000 },
        { dispatcher: dispatcher(), tracker },
      );
      const [inFlight] = tracker.calls();
      expect(inFlight?.name).toBe('probe');
      expect(tracker.abort(inFlight?.id ?? '')).toBe(true);
      const { error } = await timed(() => call);
      expect(error).toBeInstanceOf(CallAbortedError);
      expect((error as CallAbortedError).byUser).toBe(true);
      expect(tracker.calls()).toEqual([]);
      expect(tracker.recent()[0]?.outcome).toBe('aborted');
    });
  });
});
