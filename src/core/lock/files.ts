// The few file operations the lock uses, all synchronous on purpose: the registry mutex is
// held only across these calls, and with no `await` inside a critical section nothing else in
// this process can run (or stall us) while the mutex is held, which keeps the hold to
// microseconds and far below the mutex's stale threshold.
import { closeSync, openSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, type Stats } from 'node:fs';
import { fileKind, NotARegularFileError, readRegularFileSync } from '../files/regularFile';
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

/**
 * Lock and mutex content is a few short lines (our longest, with a 200-character command
 * line, is well under 1 KiB). Only this much is ever read: a lock file with a valid head and
 * a huge tail once took seconds to read *inside the mutex*, long enough for a waiter to judge
 * a live holder's mutex stale and reap it.
 */
export const LOCK_READ_LIMIT_BYTES = 4096;

/** How each file is named in errors. */
export type LockFileRole = 'lock file' | 'lock mutex' | 'lock mutex reclaim';

export interface LockText {
  /** Whole lines only when truncated (a line cut at the limit is dropped). */
  text: string;
  /** The file is longer than the limit: `text` is its head. */
  truncated: boolean;
}

/** Bounded read of a lock or mutex file; `null` if absent. Throws `NotARegularFileError`
 * naming the path for a directory, FIFO or other non-file in the way (never blocks on one). */
export function readHead(path: string, role: LockFileRole): LockText | null {
  const read = readRegularFileSync(path, { maxBytes: LOCK_READ_LIMIT_BYTES, what: role });
  if (read === null || !read.truncated) return read;
  return { text: read.text.slice(0, read.text.lastIndexOf('\n') + 1), truncated: true };
}

/** Reads a file that is often absent (the lock itself): checking existence without an
 * exception first is several times cheaper than letting the open throw ENOENT. */
export function readIfExists(path: string, role: LockFileRole = 'lock file'): string | null {
  if (statSync(path, { throwIfNoEntry: false }) === undefined) return null;
  return readOrNull(path, role);
}

/** Reads (the head of) a file that is usually present; `null` if it is not. */
export function readOrNull(path: string, role: LockFileRole = 'lock file'): string | null {
  return readHead(path, role)?.text ?? null;
}

export function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return null;
    throw error;
  }
}

/** `stat` of a mutex or reclaim file that must be a regular file: `create('wx')` reports a
 * directory in the way as EEXIST, and waiting for it to age out, then failing to unlink it
 * with a bare EISDIR, told the user nothing. */
export function statRegularOrNull(path: string, role: LockFileRole): Stats | null {
  const stats = statOrNull(path);
  if (stats !== null && !stats.isFile()) throw new NotARegularFileError(path, fileKind(stats), role);
  return stats;
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
export function unlinkIfContent(path: string, content: string, role: LockFileRole = 'lock mutex'): boolean {
  const read = readHead(path, role);
  if (read === null || read.truncated || read.text !== content) return false;
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
