// One contending process of the lock benchmark. Args (JSON): which library, the lock path,
// the overlap-check file, how long a round lasts, the retry period. Prints `ready`; then for
// every `go` line on stdin it acquires/releases as fast as it can for `durationMs` and prints
// a JSON result line. Waiting on stdin costs no CPU, so idle workers do not disturb a round.
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { lock as properLock } from 'proper-lockfile';
import { importBuilt } from '../built';

// flake-doctor/lock as users get it: the built bundle (dist/lib/lock.mjs).
const lockModule = importBuilt<typeof import('../../src/core/lock/index')>('lock');

export interface WorkerArgs {
  library: 'flake-doctor' | 'proper-lockfile';
  lockPath: string;
  insideFile: string;
  durationMs: number;
  retryMs: number;
}

export interface WorkerResult {
  acquisitions: number;
  overlaps: number;
  elapsedMs: number;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

async function acquire(args: WorkerArgs): Promise<() => Promise<unknown>> {
  if (args.library === 'flake-doctor') {
    // Fixed-period polling: the lock's own model.
    const handle = await (await lockModule).acquireLockFile(args.lockPath, { pollIntervalMs: args.retryMs, mutexRetryMs: 1 });
    return () => handle.release();
  }
  // The same fixed period for proper-lockfile: retry forever, factor 1, min = max = retryMs,
  // no randomisation. realpath off (our lock does not resolve symlinks either); stale 10 s
  // (its mtime refresh then runs every 5 s, i.e. never during one short hold).
  return properLock(args.lockPath, {
    realpath: false,
    stale: 10_000,
    retries: { forever: true, retries: 1, factor: 1, minTimeout: args.retryMs, maxTimeout: args.retryMs, randomize: false },
  });
}

async function round(args: WorkerArgs): Promise<WorkerResult> {
  const started = performance.now();
  let acquisitions = 0;
  let overlaps = 0;
  while (performance.now() - started < args.durationMs) {
    const release = await acquire(args);
    acquisitions += 1;
    // Critical section: an on-disk overlap check (both libraries must pass it) and one
    // event-loop turn, so the holder does not release within the same tick it acquired.
    let mine = true;
    try {
      closeSync(openSync(args.insideFile, 'wx'));
    } catch {
      overlaps += 1;
      mine = false;
    }
    await tick();
    if (mine) unlinkSync(args.insideFile);
    await release();
  }
  return { acquisitions, overlaps, elapsedMs: performance.now() - started };
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]!) as WorkerArgs;
  const lines = createInterface({ input: process.stdin });
  process.stdout.write('ready\n');
  for await (const line of lines) {
    if (line !== 'go') break;
    process.stdout.write(`${JSON.stringify(await round(args))}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
