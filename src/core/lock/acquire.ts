// Acquiring the lock: the origin's algorithm (poll; take a free, stale or unparseable lock
// under the registry mutex; after the maximum wait take even a fresh one), plus takeover of a
// lock whose holder is provably dead (see README for why that is safe).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { announceLockWait } from './announce';
import type { LockRecord } from './content';
import type { LockJudgement, LockState } from './judge';
import { resolveOptions, type LockOptions, type ResolvedOptions, type SleepFn } from './options';
import { observeLock, releaseLock, takeLock } from './transitions';

/** How a lock came to be ours. JSON-serialisable. */
export interface Acquisition {
  /** What the lock was when we took it: `free`, or the reason a takeover was allowed. */
  how: 'free' | 'stale' | 'dead-holder' | 'corrupt' | 'max-wait';
  /** The record we replaced, if there was a parseable one. */
  previous: LockRecord | null;
  waitedMs: number;
}

export interface LockHandle {
  readonly lockPath: string;
  readonly token: string;
  readonly acquiredAt: number;
  readonly acquisition: Acquisition;
  /** Releases the lock if it is still ours (token- and mutex-gated). Resolves to whether a
   * lock was removed; a second call, or a call after someone took the lock over, is a no-op. */
  release(): Promise<boolean>;
}

export function restartLockPath(home: string): string {
  return join(home, 'fleet', 'restart.lock');
}

/** Acquires `<home>/fleet/restart.lock` (creating `<home>/fleet` if needed). */
export async function acquireRestartLock(home: string, sleepFn?: SleepFn, options?: LockOptions): Promise<LockHandle> {
  const lockPath = restartLockPath(home);
  const resolved = resolveOptions(sleepFn === undefined ? options : { ...options, sleepFn });
  mkdirSync(dirname(lockPath), { recursive: true });
  return announceLockWait(lockPath, () => acquireResolved(lockPath, resolved));
}

/** Acquires an arbitrary lock file with the same algorithm. Its directory must exist. */
export async function acquireLockFile(lockPath: string, options?: LockOptions): Promise<LockHandle> {
  return announceLockWait(lockPath, () => acquireResolved(lockPath, resolveOptions(options)));
}

function takeoverReason(judgement: LockJudgement, waitedMs: number, maxWaitMs: number): Acquisition['how'] | null {
  const state: LockState = judgement.state;
  if (state !== 'held') return state;
  return waitedMs >= maxWaitMs ? 'max-wait' : null;
}

async function acquireResolved(lockPath: string, options: ResolvedOptions): Promise<LockHandle> {
  const startedAt = options.now();
  for (;;) {
    options.signal?.throwIfAborted();
    // Lock-free look first: while a live holder has the lock, waiters only read the file and
    // never touch the mutex, so they cannot slow down the holder's release.
    const hint = observeLock(lockPath, options);
    if (takeoverReason(hint, options.now() - startedAt, options.maxWaitMs) !== null) {
      await options.hooks.beforeTransition?.(hint.state);
      const outcome = await takeLock(lockPath, options, 'acquire', (current) => takeoverReason(current, options.now() - startedAt, options.maxWaitMs));
      if (outcome.taken) {
        const acquisition: Acquisition = { how: outcome.reason, previous: outcome.previous.record, waitedMs: outcome.record.timestamp - startedAt };
        return makeHandle(lockPath, outcome.record, acquisition, options);
      }
    }
    await options.sleepFn(options.pollIntervalMs);
  }
}

function makeHandle(lockPath: string, record: LockRecord, acquisition: Acquisition, options: ResolvedOptions): LockHandle {
  let released = false;
  return {
    lockPath,
    token: record.token,
    acquiredAt: record.timestamp,
    acquisition,
    async release() {
      if (released) return false;
      // The acquire's abort signal must not cancel a release: drop it. Two concurrent calls
      // are harmless: the second finds no lock with our token.
      const removed = await releaseLock(lockPath, record.token, { ...options, signal: undefined }, 'release');
      released = true;
      return removed;
    },
  };
}
