// Small statistics shared by every bench: robust figures for a shared, noisy machine (medians,
// percentiles, distribution-free intervals), nothing that assumes normal noise.

/** NaN for no values. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile; NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/**
 * A distribution-free ~95 % confidence interval for the median (order statistics of
 * Binomial(n, ½)); with few values it widens to the extremes rather than pretend.
 */
export function medianInterval(values: number[]): { lo: number; hi: number } {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const half = 0.98 * Math.sqrt(n);
  return { lo: s[Math.max(0, Math.floor(n / 2 - half) - 1)]!, hi: s[Math.min(n - 1, Math.ceil(n / 2 + 1 + half) - 1)]! };
}

/**
 * A ~95 % bootstrap interval of statistic(indices) over resampled rounds. A fixed-seed
 * generator, so two runs on the same figures print the same interval.
 */
export function bootstrapInterval(rounds: number, statistic: (indices: number[]) => number, resamples = 2000): { lo: number; hi: number } {
  let seed = 0x9e3779b9;
  const random = (): number => {
    // xorshift32: enough for resampling, and reproducible.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const indices = Array.from({ length: rounds }, () => Math.floor(random() * rounds));
    const v = statistic(indices);
    if (Number.isFinite(v)) values.push(v);
  }
  return { lo: percentile(values, 2.5), hi: percentile(values, 97.5) };
}
