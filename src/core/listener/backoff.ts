// Exponential backoff with jitter, as a pure function so tests can pin `random`.
// Equal jitter (half fixed, half random) keeps a floor under every delay: restarts of many
// listeners still spread out, yet a test can assert "waited at least base/2".

export interface BackoffPolicy {
  /** Delay before the first restart, before jitter. */
  baseMs: number;
  /** Cap on the exponential growth, before jitter. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };

/** Delay for the given 0-based attempt; `random` returns a value in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  const half = exp / 2;
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(half + half * r);
}
