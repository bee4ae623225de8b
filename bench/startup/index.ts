// Start-up cost of the preloaded register module, as auto-attach puts it into every Node process
// of a terminal (smart mode), against the same process without it, in the same run. Measures
// the BUILT bundles (run `npm run build` first): what users get.
//
//   npm run build && npm run bench startup      (BENCH_RUNS, BENCH_BASELINE tune it)
//
// Cases, each without the preload, with an empty one (the floor of any preload), and with the
// register module (`--require dist/lib/bridge-register.cjs`, the way the extension's
// bootloader loads it, and `--import dist/lib/bridge-register.mjs`):
//  1. a script that lives a few milliseconds (goal: ≤ +10 ms median);
//  2. a tool smart mode leaves alone, `tsc --version` through node_modules/.bin as a terminal
//     runs it (goal: no measurable change);
//  3. a script that lives 200 ms, long enough to publish: what being listed costs.
// Per mode: wall time from spawn() to exit (median), and the process's own CPU time and its
// age at exit, read inside it by a probe preloaded in every mode (process.cpuUsage(), µs) —
// CPU is the steadier figure on a shared machine. Ratios and differences against no preload
// are taken round by round (modes in rotating order), then their median.
// BENCH_BASELINE=<checkout with a built dist> adds that checkout's register as a mode.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from '../stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 31);
const ROOT = join(__dirname, '..', '..');
const BASELINE = process.env.BENCH_BASELINE ?? '';

interface Mode {
  name: string;
  /** Node flags that load the register module; none for the reference. */
  flags: string[];
}

interface Sample {
  wallMs: number;
  cpuMs: number;
  exitAtMs: number;
}

function registerOf(checkout: string, ext: 'cjs' | 'mjs'): string {
  const path = join(checkout, 'dist/lib', `bridge-register.${ext}`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` in ${checkout} first (this bench measures the built bundle)`);
  return path;
}

const work = mkdtempSync(join(tmpdir(), 'fd-startup-'));
const bridgeDir = join(work, 'bridge');
mkdirSync(bridgeDir, { mode: 0o700 });
// The probe: loaded first in every mode, so the figures it reports include the register's load.
const probe = join(work, 'probe.cjs');
const report = join(work, 'probe.json');
writeFileSync(
  probe,
  `process.on('exit', () => { const c = process.cpuUsage(); require('node:fs').writeFileSync(process.env.BENCH_PROBE_OUT, JSON.stringify({ cpuMs: (c.user + c.system) / 1000, exitAtMs: performance.now() })); });\n`,
);
const shortScript = join(work, 'short.mjs');
writeFileSync(shortScript, 'setTimeout(() => {}, 3);\n');
const longerScript = join(work, 'longer.mjs');
writeFileSync(longerScript, 'setTimeout(() => {}, 200);\n');
const tsc = join(ROOT, 'node_modules/.bin/tsc');
const emptyPreload = join(work, 'empty.cjs');
writeFileSync(emptyPreload, '');

function runOnce(mode: Mode, args: string[]): Promise<Sample> {
  rmSync(report, { force: true });
  const started = performance.now();
  const child = spawn(process.execPath, ['--require', probe, ...mode.flags, ...args], {
    cwd: work,
    stdio: 'ignore',
    env: { ...process.env, NODE_OPTIONS: '', FLAKE_DOCTOR_BRIDGE_MODE: 'smart', FLAKE_DOCTOR_BRIDGE_DIR: bridgeDir, BENCH_PROBE_OUT: report },
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`${mode.name}: ${args.join(' ')} exited with ${code}`));
      const inside = JSON.parse(readFileSync(report, 'utf8')) as { cpuMs: number; exitAtMs: number };
      resolve({ wallMs, ...inside });
    });
  });
}

async function measure(title: string, args: string[], modes: Mode[]): Promise<void> {
  const samples = modes.map((): Sample[] => []);
  // Warm-up, one unmeasured run of each mode: the file cache, and the register module's code
  // cache (written once, by the first attached process after an install or update; that run
  // pays about 1–2 ms more, every later one reads it).
  for (const mode of modes) await runOnce(mode, args);
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < modes.length; k++) {
      const i = (round + k) % modes.length;
      samples[i]!.push(await runOnce(modes[i]!, args));
    }
  }
  console.log(`\n${title}  (${RUNS} rounds)`);
  console.log('  mode                       wall ms  cpu ms  exit at ms   Δwall ms  Δcpu ms   wall ×   cpu ×');
  const ref = samples[0]!;
  modes.forEach((mode, i) => {
    const s = samples[i]!;
    const col = (v: number, width: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '').padStart(width);
    const pairs = (f: (a: Sample, b: Sample) => number): number => median(s.map((x, r) => f(x, ref[r]!)));
    const line = [
      `  ${mode.name.padEnd(24)}`,
      col(median(s.map((x) => x.wallMs)), 9),
      col(median(s.map((x) => x.cpuMs)), 8),
      col(median(s.map((x) => x.exitAtMs)), 12),
      i === 0
        ? ''
        : col(
            pairs((a, b) => a.wallMs - b.wallMs),
            11,
          ),
      i === 0
        ? ''
        : col(
            pairs((a, b) => a.cpuMs - b.cpuMs),
            9,
          ),
      i === 0
        ? ''
        : col(
            pairs((a, b) => a.wallMs / b.wallMs),
            8,
            3,
          ),
      i === 0
        ? ''
        : col(
            pairs((a, b) => a.cpuMs / b.cpuMs),
            8,
            3,
          ),
    ];
    console.log(line.join(''));
  });
}

async function main(): Promise<void> {
  const modes: Mode[] = [
    { name: 'no preload', flags: [] },
    // The floor: what preloading any file costs, whatever it holds.
    { name: '--require empty.cjs', flags: ['--require', emptyPreload] },
    { name: '--require register.cjs', flags: ['--require', registerOf(ROOT, 'cjs')] },
    { name: '--import register.mjs', flags: ['--import', registerOf(ROOT, 'mjs')] },
  ];
  if (BASELINE) modes.push({ name: 'baseline --require', flags: ['--require', registerOf(BASELINE, 'cjs')] });
  console.log(`node ${process.version}; FLAKE_DOCTOR_BRIDGE_MODE=smart; medians; Δ and × against no preload, round by round`);
  await measure('1. a script that lives a few ms (setTimeout 3 ms)', [shortScript], modes);
  await measure('2. a tool smart mode leaves alone: node_modules/.bin/tsc --version', [tsc, '--version'], modes);
  await measure('3. a script that lives 200 ms (published, nobody connected)', [longerScript], modes);
}

main()
  .catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
