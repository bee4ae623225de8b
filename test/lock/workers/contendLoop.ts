// The contender loop, shared by the contender worker process and in-process survivors. Each
// critical section checks for overlap ON DISK: it creates `<dir>/inside` with open('wx'),
// which fails if any other process is inside too, and checks that the lock file still
// carries its own token when it leaves (a live owner's lock must never be removed or taken
// over). Waits for `<dir>/go` before starting, so all contenders start together.
import { closeSync, existsSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLockFile, parseLockContent, type LockOptions } from '../../../src/core/lock/index';

export interface Args {
  lockPath: string;
  dir: string;
  iterations: number;
  options: Pick<LockOptions, 'staleMs' | 'maxWaitMs' | 'pollIntervalMs' | 'mutexStaleMs' | 'mutexRetryMs'>;
}

export interface ContenderSummary {
  pid: number;
  acquired: number;
  overlaps: number;
  lostLock: number;
  releaseNoop: number;
  how: Record<string, number>;
  ms: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function lockToken(lockPath: string): string | null {
  try {
    const parsed = parseLockContent(readFileSync(lockPath, 'utf8'));
    return parsed.ok ? parsed.record.token : null;
  } catch {
    return null;
  }
}

export async function runContender(args: Args, onReady: () => void = () => {}): Promise<ContenderSummary> {
  const inside = join(args.dir, 'inside');
  onReady();
  while (!existsSync(join(args.dir, 'go'))) await sleep(5);
  const t0 = Date.now();
  let acquired = 0;
  let overlaps = 0;
  let lostLock = 0;
  let releaseNoop = 0;
  const how: Record<string, number> = {};
  for (let i = 0; i < args.iterations; i++) {
    const handle = await acquireLockFile(args.lockPath, args.options);
    acquired += 1;
    how[handle.acquisition.how] = (how[handle.acquisition.how] ?? 0) + 1;
    let mine = true;
    try {
      closeSync(openSync(inside, 'wx'));
    } catch {
      overlaps += 1;
      mine = false;
    }
    // Stay inside across a timer and a few event-loop turns, so others poll meanwhile.
    await sleep(1);
    if (lockToken(args.lockPath) !== handle.token) lostLock += 1;
    if (mine) unlinkSync(inside);
    if (!(await handle.release())) releaseNoop += 1;
  }
  return { pid: process.pid, acquired, overlaps, lostLock, releaseNoop, how, ms: Date.now() - t0 };
}
