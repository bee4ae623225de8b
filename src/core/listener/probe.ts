// Probe: time one lightweight request to the broker. Any HTTP answer proves the broker is
// reachable and answering; the probe is itself a bounded, tracked call, so probing a stalling
// broker shows up as a stalled call rather than a frozen command.

import { boundedCall, createBrokerDispatcher } from './call';
import type { CallTracker } from './tracker';
import type { NowFn, ProbeResult } from './types';

export interface ProbeOptions {
  timeoutMs?: number;
  tracker?: CallTracker | undefined;
  signal?: AbortSignal;
  now?: NowFn;
}

export async function probeBroker(url: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const now = options.now ?? Date.now;
  // A dispatcher of its own: a probe must not queue behind (or share a socket with) the
  // listener's possibly-stalled connections — that would measure the wrong thing.
  const dispatcher = createBrokerDispatcher();
  const started = performance.now();
  const at = now();
  try {
    const res = await boundedCall(
      {
        name: 'probe',
        kind: 'control-plane',
        method: 'GET',
        url,
        timeoutMs: options.timeoutMs ?? 5_000,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      { dispatcher, tracker: options.tracker, now },
    );
    return { url, ok: res.status < 500, status: res.status, latencyMs: performance.now() - started, error: null, at };
  } catch (err) {
    return { url, ok: false, status: null, latencyMs: performance.now() - started, error: (err as Error).message, at };
  } finally {
    void dispatcher.destroy().catch(() => undefined);
  }
}
