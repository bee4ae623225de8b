/**
 * Allocator benchmark. Prints medians and ratios measured in this run:
 *  - a LoopbackPool lease + release cycle (pool lock, pool file rewrite, the two-port canary)
 *    against get-port allocating one port (what a suite would use instead);
 *  - scanLoopbackListeners() against `ss -tlnpH` (iproute2), the command a user would run.
 * Goals: a lease cycle under 1 ms median; the scan within 1.5x of ss.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { LoopbackPool, scanLoopbackListeners } from '../../src/core/allocator/index';
import { median } from '../stats';

async function timeEach(n: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  for (let i = 0; i < Math.min(20, n); i++) await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

const pool = new LoopbackPool({
  start: 180,
  count: 8,
  probePorts: [39925, 39926],
  poolFile: join(mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'fd-bench-')), 'pool.json'),
});
const lease = median(await timeEach(500, async () => (await pool.acquire()).release()));
// The same cycle with the pool file on the temp directory's filesystem (ext4 on many
// hosts): creating the lock files there is what costs, hence the /dev/shm default.
const diskPool = new LoopbackPool({ start: 180, count: 8, probePorts: [39925, 39926], poolFile: join(mkdtempSync(join(tmpdir(), 'fd-bench-')), 'pool.json') });
const diskLease = median(await timeEach(300, async () => (await diskPool.acquire()).release()));
const gp = median(await timeEach(500, () => getPort()));
console.log(`lease+release cycle (2-port canary): median ${fmt(lease)}   goal < 1 ms: ${lease < 1 ? 'met' : 'NOT met'}`);
console.log(`  (same cycle, pool file in ${tmpdir()}: median ${fmt(diskLease)})`);
console.log(`get-port (one port):                 median ${fmt(gp)}   ratio lease/get-port = ${(lease / gp).toFixed(2)}x`);

const scan = median(await timeEach(200, () => scanLoopbackListeners()));
const ss = median(await timeEach(200, () => spawnSync('ss', ['-tlnpH'])));
console.log(`scanLoopbackListeners():             median ${fmt(scan)}`);
console.log(
  `ss -tlnpH (process):                 median ${fmt(ss)}   ratio scan/ss = ${(scan / ss).toFixed(2)}x (goal <= 1.5x: ${scan / ss <= 1.5 ? 'met' : 'NOT met'})`,
);
