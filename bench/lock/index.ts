// Lock benchmark: flake-doctor's restart lock against proper-lockfile, measured in the same
// run. Prints figures and ratios; asserts nothing about speed.
//
//   npx tsx bench/lock/index.ts
//
// Environment: BENCH_ROUNDS, BENCH_CYCLES, BENCH_CONTENDED_ROUNDS, BENCH_SECONDS tune it;
// BENCH_DIR picks the directory the lock files live in (default: the OS temp dir). Both
// libraries are dominated by file creation/removal (metadata operations), so the disk and
// its other users matter: try BENCH_DIR=/dev/shm to see the CPU cost alone.
//
// 1. Uncontended: one process, acquire + release of a free lock, back to back. Each round
//    runs BENCH_CYCLES cycles of each library (order alternating per round); the figure is the
//    median over rounds of the mean cycle time. Rounds are short and paired so that both
//    libraries see the same background load (this is meant to run on shared CI machines); the
//    ratio printed is the median of the per-round ratios, with the ratio of medians beside it.
//    - flake-doctor: acquireLockFile(path) + release(): a lock-free look, the registry mutex
//      (open wx, write, unlink), a re-read, an atomic write (temp + rename), and for release
//      the mutex again, a read and an unlink. All synchronous fs calls.
//    - proper-lockfile: lock(path, { realpath: false, retries: 0 }) + release(): mkdir, an
//      mtime probe, a refresh timer, rmdir. Asynchronous fs calls (graceful-fs).
// 2. Contended: 4 processes each acquire/release in a loop for BENCH_SECONDS, with a tiny
//    critical section (an on-disk overlap check and one event-loop turn). Throughput is total
//    acquisitions per second; median over rounds. The 4 + 4 worker processes are started once
//    and idle on stdin between rounds; rounds alternate between the libraries, and the ratio
//    printed is the median of the per-round ratios. Equivalent retry settings: both libraries
//    re-try a busy lock at a fixed period of RETRY_MS — flake-doctor with pollIntervalMs =
//    RETRY_MS; proper-lockfile with retries { forever, factor 1, minTimeout = maxTimeout =
//    RETRY_MS, randomize false }. (flake-doctor's registry mutex, held for microseconds,
//    is re-tried every 1 ms.)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { lock as properLock } from 'proper-lockfile';
import { importBuilt } from '../built';
import type { WorkerArgs, WorkerResult } from './worker';
import { median } from '../stats';

// flake-doctor/lock as users get it: the built bundle (dist/lib/lock.mjs).
const lockModule = importBuilt<typeof import('../../src/core/lock/index')>('lock');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 41);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 100);
const CONTENDED_ROUNDS = Number(process.env.BENCH_CONTENDED_ROUNDS ?? 9);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const PROCESSES = 4;
const RETRY_MS = 5;

type Library = WorkerArgs['library'];
const LIBRARIES: Library[] = ['flake-doctor', 'proper-lockfile'];

async function cycle(library: Library, path: string): Promise<void> {
  if (library === 'flake-doctor') {
    const handle = await (await lockModule).acquireLockFile(path);
    await handle.release();
  } else {
    const release = await properLock(path, { realpath: false, retries: 0, stale: 10_000 });
    await release();
  }
}

async function uncontended(dir: string): Promise<{ medians: Record<Library, number>; pairedRatio: number }> {
  const paths: Record<Library, string> = { 'flake-doctor': join(dir, 'u-fd.lock'), 'proper-lockfile': join(dir, 'u-pl') };
  writeFileSync(paths['proper-lockfile'], '');
  for (const library of LIBRARIES) for (let i = 0; i < 100; i++) await cycle(library, paths[library]); // warm-up
  const samples: Record<Library, number[]> = { 'flake-doctor': [], 'proper-lockfile': [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? LIBRARIES : [...LIBRARIES].reverse();
    for (const library of order) {
      const started = performance.now();
      for (let i = 0; i < CYCLES; i++) await cycle(library, paths[library]);
      samples[library].push(((performance.now() - started) * 1000) / CYCLES);
    }
  }
  return {
    medians: { 'flake-doctor': median(samples['flake-doctor']), 'proper-lockfile': median(samples['proper-lockfile']) },
    pairedRatio: median(samples['flake-doctor'].map((ours, i) => ours / samples['proper-lockfile'][i]!)),
  };
}

interface ContendedRound {
  throughput: number;
  perProcess: number[];
  overlaps: number;
}

/** Four long-lived worker processes of one library; each `round()` runs them once. */
interface Team {
  round(): Promise<ContendedRound>;
  stop(): void;
}

async function startTeam(dir: string, library: Library): Promise<Team> {
  const base = join(dir, `c-${library}`);
  const lockPath = library === 'flake-doctor' ? `${base}.lock` : base;
  if (library === 'proper-lockfile') writeFileSync(lockPath, '');
  const args: WorkerArgs = { library, lockPath, insideFile: `${base}.inside`, durationMs: SECONDS * 1000, retryMs: RETRY_MS };
  const workers = Array.from({ length: PROCESSES }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'worker.ts'), JSON.stringify(args)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const queue: ((line: string) => void)[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => queue.shift()?.(line));
    const nextLine = () => new Promise<string>((resolve) => queue.push(resolve));
    return { child, nextLine };
  });
  await Promise.all(workers.map((w) => w.nextLine()));
  return {
    async round() {
      const results = workers.map((w) => w.nextLine().then((line) => JSON.parse(line) as WorkerResult));
      for (const w of workers) w.child.stdin!.write('go\n');
      const done = await Promise.all(results);
      const elapsed = Math.max(...done.map((d) => d.elapsedMs)) / 1000;
      const total = done.reduce((n, d) => n + d.acquisitions, 0);
      return { throughput: total / elapsed, perProcess: done.map((d) => d.acquisitions), overlaps: done.reduce((n, d) => n + d.overlaps, 0) };
    },
    stop() {
      for (const w of workers) w.child.stdin!.end();
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'flake-doctor-lock-bench-'));
  try {
    console.log(
      `lock benchmark in ${dir} (node ${process.version}, ${ROUNDS} rounds x ${CYCLES} cycles uncontended; ${CONTENDED_ROUNDS} rounds x ${SECONDS} s, ${PROCESSES} processes, retry ${RETRY_MS} ms contended)`,
    );
    const { medians: u, pairedRatio } = await uncontended(dir);
    console.log('\nuncontended acquire+release (median of per-round mean, µs per cycle)');
    for (const library of LIBRARIES) console.log(`  ${library.padEnd(16)} ${u[library].toFixed(1)} µs`);
    const ratioOfMedians = u['flake-doctor'] / u['proper-lockfile'];
    console.log(
      `  ratio flake-doctor / proper-lockfile = ${pairedRatio.toFixed(2)}x median of per-round ratios, ${ratioOfMedians.toFixed(2)}x of medians` +
        `  (goal: within 2x → ${pairedRatio <= 2 ? 'met' : 'NOT met'})`,
    );

    if (CONTENDED_ROUNDS === 0) return;
    const teams = { 'flake-doctor': await startTeam(dir, 'flake-doctor'), 'proper-lockfile': await startTeam(dir, 'proper-lockfile') };
    const rounds: Record<Library, ContendedRound[]> = { 'flake-doctor': [], 'proper-lockfile': [] };
    try {
      for (let round = 0; round < CONTENDED_ROUNDS; round++) {
        const order = round % 2 === 0 ? LIBRARIES : [...LIBRARIES].reverse();
        for (const library of order) rounds[library].push(await teams[library].round());
      }
    } finally {
      for (const team of Object.values(teams)) team.stop();
    }
    console.log(`\ncontended, ${PROCESSES} processes (median throughput over rounds, acquisitions/s)`);
    const medians = {} as Record<Library, number>;
    for (const library of LIBRARIES) {
      medians[library] = median(rounds[library].map((r) => r.throughput));
      const detail = rounds[library].map((r) => `${r.throughput.toFixed(0)} [${r.perProcess.join('/')}]`).join(', ');
      const overlaps = rounds[library].reduce((n, r) => n + r.overlaps, 0);
      console.log(`  ${library.padEnd(16)} ${medians[library].toFixed(0)} /s   rounds: ${detail}   overlaps: ${overlaps}`);
    }
    const pairedRatio2 = median(rounds['flake-doctor'].map((r, i) => r.throughput / rounds['proper-lockfile'][i]!.throughput));
    const cRatio = medians['flake-doctor'] / medians['proper-lockfile'];
    console.log(
      `  ratio flake-doctor / proper-lockfile = ${pairedRatio2.toFixed(2)}x median of per-round ratios, ${cRatio.toFixed(2)}x of medians` +
        `  (goal: at least 1x → ${pairedRatio2 >= 1 ? 'met' : 'NOT met'})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
