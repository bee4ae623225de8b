// The registry mutex `<lock>.mutex`: every lock transition (acquire, release, takeover,
// break) runs inside it, so the decision "the lock is free/stale" and the write that acts on
// it cannot be separated by another process's transition. That separation was the origin's
// bug: two breakers each judged the lock stale and each took it over.
//
// The mutex is created with open('wx') and holds `pid\ntoken\n`. Its staleness is judged by
// the file's mtime, not its content, because a creator that crashes between creating and
// writing it leaves an empty file. A stale mutex is reaped under a second exclusive file,
// `<mutex>.reclaim`, and re-checked while that is held, so two reapers cannot both remove it
// (the second would otherwise remove a fresh mutex created after the first reap).
import { formatMutexContent } from './content';
import { createExclusive, newToken, statRegularOrNull, unlinkIfContent, unlinkIfExists, type LockFileRole } from './files';
import type { MutexOperation, ResolvedOptions } from './options';

export function mutexPath(lockPath: string): string {
  return `${lockPath}.mutex`;
}

export function reclaimPath(lockPath: string): string {
  return `${mutexPath(lockPath)}.reclaim`;
}

/** Something the mutex had to clean up before it could be taken; reported by `break`. */
export interface ReapEvent {
  kind: 'stale-mutex' | 'orphaned-reclaim';
  path: string;
  ageMs: number;
}

/**
 * Runs `section` while holding the registry mutex and returns its result. `section` must be
 * synchronous (see files.ts for why). Waits for a busy mutex with `sleepFn(mutexRetryMs)`.
 */
export async function withRegistryMutex<T>(
  lockPath: string,
  options: ResolvedOptions,
  operation: MutexOperation,
  section: () => T,
  reaped: ReapEvent[] = [],
): Promise<T> {
  const path = mutexPath(lockPath);
  const content = formatMutexContent(process.pid, newToken());
  for (;;) {
    if (createExclusive(path, content, options.hooks.afterMutexCreate)) {
      try {
        options.hooks.whileMutexHeld?.(operation);
        return section();
      } finally {
        unlinkIfContent(path, content);
      }
    }
    if (!reapIfStale(lockPath, options, reaped)) {
      options.signal?.throwIfAborted();
      await options.sleepFn(options.mutexRetryMs);
    }
  }
}

/**
 * Called when the mutex exists. Returns true if it is worth retrying at once (the mutex was
 * reaped or vanished), false if the caller should wait.
 */
function reapIfStale(lockPath: string, options: ResolvedOptions, reaped: ReapEvent[]): boolean {
  const path = mutexPath(lockPath);
  const seen = statRegularOrNull(path, 'lock mutex');
  if (seen === null) return true;
  if (options.now() - seen.mtimeMs <= options.mutexStaleMs) return false;

  const reclaim = reclaimPath(lockPath);
  const reclaimContent = formatMutexContent(process.pid, newToken());
  if (!createExclusive(reclaim, reclaimContent)) {
    // Another reaper is at work, or one crashed while reaping (the origin's orphaned
    // `.reclaim`, which blocked every later reap forever). The reclaim is held for
    // microseconds too, so one older than the mutex threshold is an orphan: clear it, but
    // only the very file we judged (same inode), then retry.
    return clearIfStale(reclaim, 'lock mutex reclaim', options, 'orphaned-reclaim', reaped);
  }
  try {
    options.hooks.whileReclaimHeld?.();
    // Re-check under the reclaim: the mutex may have been released and re-created (fresh)
    // since we looked. Only the same, still-stale file is removed.
    const now = statRegularOrNull(path, 'lock mutex');
    if (now !== null && now.ino === seen.ino && now.dev === seen.dev && options.now() - now.mtimeMs > options.mutexStaleMs) {
      if (unlinkIfExists(path)) reaped.push({ kind: 'stale-mutex', path, ageMs: Math.round(options.now() - now.mtimeMs) });
    }
  } finally {
    unlinkIfContent(reclaim, reclaimContent, 'lock mutex reclaim');
  }
  return true;
}

// The orphan check is not itself locked (that would need a lock for the lock's lock). The
// window left is between this stat and the unlink, during which the orphan would have to be
// removed by another clearer AND a new reclaim created. That needs a crash that is already
// mutexStaleMs old plus two clearers interleaving within a few syscalls, and even then the
// second reaper's same-inode re-check of the mutex still protects a fresh mutex unless a
// third process creates one inside that same few-syscall window.
function clearIfStale(path: string, role: LockFileRole, options: ResolvedOptions, kind: ReapEvent['kind'], reaped: ReapEvent[]): boolean {
  const seen = statRegularOrNull(path, role);
  if (seen === null) return true;
  const ageMs = options.now() - seen.mtimeMs;
  if (ageMs <= options.mutexStaleMs) return false;
  if (unlinkIfExists(path)) reaped.push({ kind, path, ageMs: Math.round(ageMs) });
  return true;
}

/**
 * Called by a break while it holds the registry mutex: a `.reclaim` older than the mutex
 * threshold is an orphan of a reaper that crashed. Reaping only looks at `.reclaim` when a
 * stale mutex needs reaping, so without this an orphan left beside a healthy mutex would stay
 * (and stay flagged) forever. While we hold a fresh mutex no live reaper can be working on
 * it, and a reaper of an earlier mutex holds its `.reclaim` for microseconds, so an old one
 * is never live.
 */
export function clearOrphanedReclaimWhileHoldingMutex(lockPath: string, options: ResolvedOptions, reaped: ReapEvent[]): void {
  clearIfStale(reclaimPath(lockPath), 'lock mutex reclaim', options, 'orphaned-reclaim', reaped);
}
