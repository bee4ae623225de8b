// A real process that stops at a chosen point of the lock protocol, prints `at-point`, and
// blocks there (synchronously, so nothing moves on) until the test kills it with SIGKILL.
import { writeSync } from 'node:fs';
import { acquireLockFile, type LockHooks, type LockOptions } from '../../../src/core/lock/index';

type Point = 'after-mutex-create' | 'holding-mutex' | 'holding-reclaim' | 'holding-lock';

interface Args {
  lockPath: string;
  point: Point;
  options: Pick<LockOptions, 'staleMs' | 'maxWaitMs' | 'pollIntervalMs' | 'mutexStaleMs' | 'mutexRetryMs'>;
}

function stopHere(): never {
  // Synchronous write: the line must be out before this thread blocks.
  writeSync(1, 'at-point\n');
  // Block this thread: no timers, no event loop; only SIGKILL ends it, or (if the test that
  // started us is gone) the parent check below.
  const parent = process.ppid;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    Atomics.wait(cell, 0, 0, 200);
    if (process.ppid !== parent) process.exit(3);
  }
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]!) as Args;
  const hooks: LockHooks = {};
  if (args.point === 'after-mutex-create') hooks.afterMutexCreate = stopHere;
  if (args.point === 'holding-mutex') hooks.whileMutexHeld = stopHere;
  if (args.point === 'holding-reclaim') hooks.whileReclaimHeld = stopHere;
  await acquireLockFile(args.lockPath, { ...args.options, hooks });
  if (args.point === 'holding-lock') stopHere();
  process.stderr.write(`never stopped at ${args.point}\n`);
  process.exit(2);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
