// The few file operations the lock uses, all synchronous on purpose: the registry mutex is
// held only across these calls, and with no `await` inside a critical section nothing else in
// this process can run (or stall us) while the mutex is held, which keeps the hold to
// microseconds and far below the mutex's stale threshold.
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';

// Tokens must be unique, not secret: a random per-process prefix (so two processes, or a
// reused pid, never collide) plus a counter. One getrandom call per process instead of one
// per token, which was a measurable share of an uncontended acquire.
const tokenPrefix = randomBytes(12).toString('hex');
let tokenCounter = 0;

export function newToken(): string {
  tokenCounter += 1;
  return `${tokenPrefix}${tokenCounter.toString(36)}`;
}

/** Reads a file that is often absent (the lock itself): checking existence without an
 * exception first is several times cheaper than letting readFileSync throw ENOENT. */
export function readIfExists(path: string): string | null {
  if (statSync(path, { throwIfNoEntry: false }) === undefined) return null;
  return readOrNull(path);
}

/** Reads a file that is usually present; `null` if it is not. */
export function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return null;
    throw error;
  }
}

export function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return null;
    throw error;
  }
}

/** Removes a file; an already-missing file is not an error (someone else cleaned it up). */
export function unlinkIfExists(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return false;
    throw error;
  }
}

/**
 * Creates `path` exclusively (`open('wx')`) and writes `content` into it. Returns false if it
 * already exists. `afterCreate` runs between creation and the write (the crash window in which
 * the file exists empty). If the write fails, the creator removes the file itself: nobody else
 * could tell an unwritten file from a crashed creator's before its mtime ages out.
 */
export function createExclusive(path: string, content: string, afterCreate?: () => void): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw error;
  }
  try {
    afterCreate?.();
    writeSync(fd, content);
  } catch (error) {
    closeSync(fd);
    unlinkIfExists(path);
    throw error;
  }
  closeSync(fd);
  return true;
}

/** Removes `path` only if its content is exactly `content`: a mutex reaped from under a slow
 * holder and re-created by someone else must not be removed by the slow holder. */
export function unlinkIfContent(path: string, content: string): boolean {
  if (readOrNull(path) !== content) return false;
  return unlinkIfExists(path);
}

/**
 * Replaces an existing lock file's content atomically (write a private temporary file, then
 * rename over it), so a lock that exists never looks empty or half-written to lock-free
 * readers (waiters' fast path, the inspector) while it is taken over.
 */
export function writeAtomically(path: string, content: string, token: string): void {
  const temporary = `${path}.${token}.tmp`;
  writeFileSync(temporary, content, { flag: 'wx' });
  try {
    renameSync(temporary, path);
  } catch (error) {
    unlinkIfExists(temporary);
    throw error;
  }
}

export function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}
