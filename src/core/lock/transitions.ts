// The two lock transitions, each one critical section under the registry mutex:
// take (write our record over whatever is there, if the caller's rule allows it on a fresh
// re-read) and release (remove the lock only if it still carries our token).
import { formatLockContent, parseLockContent, type LockRecord } from './content';
import { createExclusive, newToken, readIfExists, readOrNull, unlinkIfExists, writeAtomically } from './files';
import { judgeLock, type LockJudgement } from './judge';
import { withRegistryMutex, type ReapEvent } from './mutex';
import type { MutexOperation, ResolvedOptions } from './options';
import { selfFacts } from './processFacts';

/** Reads and judges the lock without the mutex: a hint only, never a basis for a write. */
export function observeLock(lockPath: string, options: ResolvedOptions): LockJudgement {
  return judgeLock(readIfExists(lockPath), options.now(), options.staleMs, options.processFacts, () => options.localFileSystem(lockPath));
}

export type TakeOutcome<R> = { taken: true; reason: R; record: LockRecord; previous: LockJudgement } | { taken: false; current: LockJudgement };

/**
 * Under the mutex: re-reads and re-judges the lock, asks `mayTake` with that fresh judgement
 * (a reason to take, or `null`), and if it gives a reason writes our own record. The re-read
 * is the whole point: a judgement made before the mutex was taken may be out of date (another
 * waiter may have taken over since).
 */
export function takeLock<R>(
  lockPath: string,
  options: ResolvedOptions,
  operation: MutexOperation,
  mayTake: (current: LockJudgement) => R | null,
  reaped?: ReapEvent[],
): Promise<TakeOutcome<R>> {
  return withRegistryMutex(lockPath, options, operation, () => takeInsideMutex(lockPath, options, mayTake), reaped);
}

/** The body of `takeLock`; callers must hold the registry mutex. */
export function takeInsideMutex<R>(lockPath: string, options: ResolvedOptions, mayTake: (current: LockJudgement) => R | null): TakeOutcome<R> {
  const current = observeLock(lockPath, options);
  const reason = mayTake(current);
  if (reason === null) return { taken: false, current };
  const self = selfFacts(options.processFacts);
  const token = newToken();
  const record: LockRecord = {
    pid: self.pid,
    timestamp: options.now(),
    token,
    host: self.host,
    startTime: self.startTime,
    bootId: self.bootId,
    command: self.command,
  };
  const content = formatLockContent(record);
  // A free lock is created in place (one create: the cheapest write, and the uncontended
  // acquire is all about the number of file creations). A lock-free reader can catch the
  // file empty between the create and the write; it then judges it corrupt, goes to the
  // mutex we hold, and re-reads the complete content after we release it. Replacing an
  // existing lock (a takeover) goes through a temporary file and a rename, so a lock that
  // existed never looks empty to anyone.
  if (current.state !== 'free' || !createExclusive(lockPath, content)) writeAtomically(lockPath, content, token);
  return { taken: true, reason, record, previous: current };
}

/** Under the mutex: removes the lock only if it still carries `token`. Returns whether it did.
 * Anything else (lock gone, taken over by someone else, corrupt) is left untouched. */
export function releaseLock(lockPath: string, token: string, options: ResolvedOptions, operation: MutexOperation): Promise<boolean> {
  return withRegistryMutex(lockPath, options, operation, () => releaseInsideMutex(lockPath, token));
}

/** The body of `releaseLock`; callers must hold the registry mutex. */
export function releaseInsideMutex(lockPath: string, token: string): boolean {
  const content = readOrNull(lockPath);
  if (content === null) return false;
  const parsed = parseLockContent(content);
  if (!parsed.ok || parsed.record.token !== token) return false;
  return unlinkIfExists(lockPath);
}
