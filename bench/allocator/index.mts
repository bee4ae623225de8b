/**
 * Allocator benchmark, through the BUILT bundle (dist/lib/allocator.mjs: what users run; `npm run
 * bench` builds it first, see bench/built.ts). Prints medians and ratios measured in this run:
 *  - a LoopbackPool lease + release cycle (pool lock, pool file rewrite, the two-port canary,
 *    the foreign pool files read before and after the canary) with the pool file in /dev/shm and
 *    in the temp directory, without foreign pool files, as configured by default (the origin
 *    helper's default file honoured) and with two foreign pool files present — against get-port
 *    allocating one port, measured in the same run;
 *  - scanLoopbackListeners() against `ss -tlnpH` (iproute2), the command a user would run;
 *  - readers against a pool file rewritten in place every few ms (rewrites.mts): false
 *    "unreadable" reports in 10,000 reads (goal 0), and how soon a truly corrupt file is reported
 *    (goal < 1 s).
 * Goals: lease cycle ≤ 0.5 ms median (default configuration, /dev/shm); scan within 1.5x of ss.
 * BENCH_BASELINE=<another checkout> measures that checkout's bundle alongside, round by round.
 * BENCH_CYCLES (default 600) and BENCH_REWRITE_READS (default 10000) tune it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { median } from '../stats';
import { resolve } from 'node:path';
import { importBuilt } from '../built';
import type { AllocatorBundle } from './rewrites';
import { corruptReported, poolReads, startWriter, viewReads, type RewriteCounts } from './rewrites';

const CYCLES = Number(process.env.BENCH_CYCLES ?? 600);
const REWRITE_READS = Number(process.env.BENCH_REWRITE_READS ?? 10_000);
const ROUNDS = 6;

const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : '';
const lib = await importBuilt<AllocatorBundle>('allocator');
const base = BASELINE ? await importBuilt<AllocatorBundle>('allocator', BASELINE) : null;
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

async function timeEach(n: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

type Foreign = 'none' | 'default' | 'present';
const FOREIGN_LABEL: Record<Foreign, string> = {
  none: 'without foreign pool files',
  default: "default (origin's default file honoured)",
  present: 'two foreign pool files present',
};

/** A pool in a fresh directory under `root`; `present` adds an origin-format and a Flake Doctor-format foreign file holding leases. */
function makePool(bundle: AllocatorBundle, root: string, foreign: Foreign) {
  const dir = mkdtempSync(join(root, 'fd-bench-'));
  const options: ConstructorParameters<AllocatorBundle['LoopbackPool']>[0] = {
    start: 180,
    count: 8,
    probePorts: [39925, 39926],
    poolFile: join(dir, 'pool.json'),
  };
  if (foreign === 'none') options.honourOriginDefaultFile = false;
  if (foreign === 'present') {
    const origin = join(dir, 'origin.json');
    const other = join(dir, 'other.json');
    writeFileSync(origin, JSON.stringify([process.pid, null, null, null, null, null, null, null]));
    const parked = { state: 'parked', parkedAt: 1, reason: 'bench', pid: null } as const;
    writeFileSync(other, bundle.serializePoolFile({ start: 180, count: 8, slots: [null, parked, null, null, null, null, null, null] }));
    options.foreignPoolFiles = [origin, other];
    options.originStart = 180;
  }
  return new bundle.LoopbackPool(options);
}

const roots = [existsSync('/dev/shm') ? '/dev/shm' : null, tmpdir()].filter((r): r is string => r !== null);
const cases = roots.flatMap((root) => (['none', 'default', 'present'] as const).map((foreign) => ({ root, foreign })));
const bundles = base ? ([['now', lib] as const, ['baseline', base] as const] as const) : ([['now', lib] as const] as const);
const samples = new Map<string, number[]>();
const pools = new Map<string, { acquire(): Promise<{ release(): Promise<void> }> }>();
for (const c of cases) for (const [name, b] of bundles) pools.set(`${name} ${c.root} ${c.foreign}`, makePool(b, c.root, c.foreign));
for (const pool of pools.values()) for (let i = 0; i < 30; i++) await (await pool.acquire()).release(); // warm-up
let getPortSamples: number[] = [];
// Round by round, every case and get-port in turn, so a busy moment of the machine is shared.
for (let round = 0; round < ROUNDS; round++) {
  for (const [key, pool] of pools)
    samples.set(key, [...(samples.get(key) ?? []), ...(await timeEach(CYCLES / ROUNDS, async () => (await pool.acquire()).release()))]);
  getPortSamples = [...getPortSamples, ...(await timeEach(CYCLES / ROUNDS, () => getPort()))];
}
const gp = median(getPortSamples);
const originDefault = lib.originDefaultPoolFile();
console.log(`lease+release cycle (2-port canary), built bundle, median of ${CYCLES}${base ? `; baseline: ${BASELINE}` : ''}`);
console.log(`  (the origin's default file ${originDefault} ${existsSync(originDefault) ? 'exists' : 'is absent'} on this machine)`);
for (const root of roots) {
  for (const foreign of ['none', 'default', 'present'] as const) {
    const now = median(samples.get(`now ${root} ${foreign}`)!);
    const was = base ? median(samples.get(`baseline ${root} ${foreign}`)!) : null;
    console.log(
      `  ${root.padEnd(9)} ${FOREIGN_LABEL[foreign].padEnd(42)} ${fmt(now)}   ${(now / gp).toFixed(1)}x get-port${was !== null ? `   baseline ${fmt(was)} (${(was / now).toFixed(1)}x slower)` : ''}`,
    );
  }
}
const headline = median(samples.get(`now ${roots[0]} default`)!);
console.log(`get-port (one port): median ${fmt(gp)}`);
console.log(`goal ≤ 0.5 ms (default configuration, ${roots[0]}): ${fmt(headline)} — ${headline <= 0.5 ? 'met' : 'NOT met'}`);

const scan = median(await timeEach(200, () => lib.scanLoopbackListeners()));
const ss = median(await timeEach(200, () => spawnSync('ss', ['-tlnpH'])));
console.log(`scanLoopbackListeners(): median ${fmt(scan)}`);
console.log(`ss -tlnpH (process):     median ${fmt(ss)}   ratio scan/ss = ${(scan / ss).toFixed(2)}x (goal <= 1.5x: ${scan / ss <= 1.5 ? 'met' : 'NOT met'})`);

const describeCounts = (what: string, c: RewriteCounts) =>
  `  ${what.padEnd(44)} ${c.unreadable} unreadable, ${c.rewriting} "being rewritten", ${c.whole} whole, of ${c.reads}${c.examples.length ? `\n    e.g. ${c.examples[0]}` : ''}`;
console.log(`pool file rewritten in place every 1–4 ms by another process (truncate, write half, write the rest):`);
for (const [name, b] of bundles) {
  const writer = await startWriter();
  try {
    const view = await viewReads(b, writer.file, REWRITE_READS);
    const pool = await poolReads(b, writer.file, REWRITE_READS);
    console.log(describeCounts(`${name}: view / doctor (readPoolSource)`, view));
    console.log(describeCounts(`${name}: pool (readForeignLeases)`, pool));
    if (name === 'now') console.log(`  goal 0 false reports in ${REWRITE_READS} reads each: ${view.unreadable + pool.unreadable === 0 ? 'met' : 'NOT met'}`);
  } finally {
    writer.stop();
  }
  const corrupt = await corruptReported(b);
  console.log(
    `  ${name}: a corrupt file reported after ${fmt(corrupt.fresh)} (written just now) / ${fmt(corrupt.old)} (a minute old)${corrupt.freshError && corrupt.oldError ? '' : ' — NOT reported'}${name === 'now' ? `; goal < 1 s: ${corrupt.fresh < 1000 && corrupt.freshError ? 'met' : 'NOT met'}` : ''}`,
  );
}
