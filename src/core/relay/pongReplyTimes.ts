// How long the relay took to answer each PING: from the moment `ws` handed it the parsed PING
// to the moment its PONG went to the socket. This is the part of a PONG round trip the relay
// controls; the rest is bytes the kernel already held ahead of the PING, which no user-space
// writer can overtake. Kept permanently (not as bench-only instrumentation) because it is the
// figure that shows whether the writer ever lets data frames delay a reactive PONG.
//
// A fixed ring of the latest samples: one clock read per PING and per PONG, no allocation.

export interface PongReplySummary {
  /** PONGs answered since the session opened. */
  count: number;
  /** Over the latest samples (at most RING_SIZE): median, 99th percentile and maximum, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const RING_SIZE = 512;

export class PongReplyTimes {
  private readonly ring = new Float64Array(RING_SIZE);
  private count = 0;

  record(ms: number): void {
    this.ring[this.count % RING_SIZE] = ms;
    this.count += 1;
  }

  /** null until the first PONG. */
  summary(): PongReplySummary | null {
    if (this.count === 0) return null;
    const n = Math.min(this.count, RING_SIZE);
    const sorted = this.ring.slice(0, n).sort();
    const at = (q: number): number => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] as number;
    return { count: this.count, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[n - 1] as number };
  }
}
