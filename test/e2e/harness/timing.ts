/**
 * Waits until `check` holds, checking every `everyMs`, and returns how long it took since
 * `since` (a `performance.now()` reading): the suite's way to measure how soon the workbench
 * shows something, to within one check interval. Throws with the last value when it times out.
 */
export async function msUntil(check: () => Promise<boolean>, since: number, timeoutMs: number, everyMs = 50): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return performance.now() - since;
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** "1.83 s", for the timings the suite prints. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
