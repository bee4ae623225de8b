/**
 * Reading a pool file that another tool may be rewriting *in place*.
 *
 * The origin's helper updates its file with `writeFile` (truncate, then write) under a lock
 * of its own, so a reader can catch it empty or half-written. Judging such a read "corrupt"
 * erased a live foreign lease (the pool) and raised false "pool file unreadable" problems (the
 * view, `flake-doctor doctor`). Two identical reads are no proof: the file is empty (or holds
 * the same half) in *every* write cycle. So a read that does not parse is judged only when the
 * file has been quiet: its identity, size, mtime and ctime unchanged during the read and for
 * {@link POOL_QUIET_MS} — seen unchanged across that interval, or last modified that long ago.
 * A file that never gets quiet within {@link POOL_MAX_WAIT_MS} is reported as being rewritten
 * (`unsettled`), which is not a problem, rather than unreadable.
 */
import { closeSync, constants, fstatSync, openSync, promises as fsp, readSync, statSync, type BigIntStats } from 'node:fs';
import { fileKind, NotARegularFileError } from '../files/regularFile';
import { parsePoolFile } from './poolFile';

export type Sleep = (ms: number) => Promise<void>;

export const POOL_REREAD_INTERVAL_MS = 5;
/**
 * How long an unparsable file must stay unchanged before it is judged. The origin writes with
 * the asynchronous `writeFile`: between its truncation and its write the origin's event loop
 * may be busy with test code for a long while, so this is generous, and still leaves a corrupt
 * file reported within a second.
 */
export const POOL_QUIET_MS = 500;
/** A file that has not been quiet for {@link POOL_QUIET_MS} by then is "being rewritten". */
export const POOL_MAX_WAIT_MS = 900;
/** A bound on reads as well, for injected sleeps that take no time. */
export const POOL_MAX_READS = 400;

export const defaultSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export interface StableReadOptions {
  /** Waits between re-reads; tests inject it to complete a write at exactly that point. */
  sleep?: Sleep;
  /** Wall clock (ms), compared with file mtimes; tests inject it with `sleep`. Default `Date.now`. */
  now?: () => number;
  intervalMs?: number;
  quietMs?: number;
  maxWaitMs?: number;
  maxReads?: number;
}

export interface StableText {
  /** `null` when the file does not exist. */
  text: string | null;
  /** The file never stayed quiet while it did not parse: a writer is still at work ("being rewritten"). */
  unsettled: boolean;
}

/** One read of the file, with what identifies the state it was read in. */
export interface PoolFileObservation {
  text: string;
  /**
   * Device, inode, size, mtime and ctime after the read; `null` when they changed during the
   * read (a writer was at work: the text is no state the file was ever quietly in).
   */
  stamp: string | null;
  /** The file's mtime (ms since the epoch). */
  mtimeMs: number;
}

function parses(text: string): boolean {
  try {
    parsePoolFile(text, '');
    return true;
  } catch {
    return false;
  }
}

function stampOf(s: BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

function observation(text: string, before: BigIntStats, after: BigIntStats): PoolFileObservation {
  const stamp = stampOf(after);
  return { text, stamp: stampOf(before) === stamp ? stamp : null, mtimeMs: Number(after.mtimeMs) };
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}

function missingOrThrow(path: string, error: unknown): null {
  if (isCode(error, 'ENOENT')) return null;
  if (isCode(error, 'EISDIR')) throw new NotARegularFileError(path, 'directory', 'pool file');
  throw error;
}

// Opened non-blocking: a FIFO at the path opens at once and is then refused by the fstat.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const MAX_POOL_FILE_BYTES = 1 << 20;

/**
 * One synchronous read of a pool file: `null` when absent. Synchronous on purpose: a pool file
 * is a few hundred bytes, and five syscalls on the main thread cost less than one round trip
 * through libuv's thread pool. Throws {@link NotARegularFileError} for a FIFO, directory, ….
 */
export function observePoolFileSync(path: string): PoolFileObservation | null {
  // A stat by path first: an absent file (the origin's default file, usually) costs one syscall
  // and no exception, where a failed open builds an Error with a stack, twice per lease. A
  // file replaced between this stat and the open gets a different stamp after the read: it
  // counts as changed during the read, never as a quiet state.
  let before: BigIntStats | undefined;
  try {
    before = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (error) {
    return missingOrThrow(path, error);
  }
  if (before === undefined) return null;
  if (!before.isFile()) throw new NotARegularFileError(path, fileKind(before), 'pool file');
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    return missingOrThrow(path, error);
  }
  try {
    let text = '';
    let readError: unknown = null;
    try {
      text = readToEnd(fd, Number(before.size), path);
    } catch (error) {
      readError = error;
    }
    // Something other than a file swapped in after the stat (a FIFO reads as empty here:
    // opened non-blocking) is named as such, whatever the read made of it.
    const after = fstatSync(fd, { bigint: true });
    if (!after.isFile()) throw new NotARegularFileError(path, fileKind(after), 'pool file');
    if (readError) throw readError;
    return observation(text, before, after);
  } finally {
    closeSync(fd);
  }
}

/** One read sized by the stat (plus room for a file that grew) usually reaches EOF; a short read of a regular file is EOF. */
function readToEnd(fd: number, size: number, path: string): string {
  let buffer = Buffer.allocUnsafe(Math.min(MAX_POOL_FILE_BYTES, size + 256));
  let total = 0;
  for (;;) {
    if (total === buffer.length) {
      if (buffer.length >= MAX_POOL_FILE_BYTES) throw new Error(`pool file ${path} is larger than ${MAX_POOL_FILE_BYTES} bytes`);
      buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
    }
    const n = readSync(fd, buffer, total, buffer.length - total, null);
    total += n;
    if (n === 0 || total < buffer.length) return buffer.toString('utf8', 0, total);
  }
}

/** {@link observePoolFileSync} through the thread pool, for readers that must never block the main thread (the view). */
export async function observePoolFile(path: string): Promise<PoolFileObservation | null> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, OPEN_FLAGS);
  } catch (error) {
    return missingOrThrow(path, error);
  }
  try {
    const before = await handle.stat({ bigint: true });
    if (!before.isFile()) throw new NotARegularFileError(path, fileKind(before), 'pool file');
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(64 * 1024, MAX_POOL_FILE_BYTES + 1 - total);
      if (want <= 0) throw new Error(`pool file ${path} is larger than ${MAX_POOL_FILE_BYTES} bytes`);
      const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(want), 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    return observation(Buffer.concat(chunks, total).toString('utf8'), before, await handle.stat({ bigint: true }));
  } finally {
    await handle.close();
  }
}

/**
 * Observes the file until a read parses (complete: no strict prefix of a JSON array or object
 * is one, and our own writes are atomic renames), or the unparsable content is *settled*: read
 * without change, with the file's stamp unchanged for `quietMs` — observed across that interval,
 * or its mtime that old. Anything else is re-read every `intervalMs`, up to `maxWaitMs` (or
 * `maxReads`), and then returned as `unsettled` (being rewritten).
 */
export async function readSettled(
  observe: () => Promise<PoolFileObservation | null> | PoolFileObservation | null,
  options: StableReadOptions = {},
): Promise<StableText> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? POOL_REREAD_INTERVAL_MS;
  const quiet = options.quietMs ?? POOL_QUIET_MS;
  const maxWait = options.maxWaitMs ?? POOL_MAX_WAIT_MS;
  const maxReads = options.maxReads ?? POOL_MAX_READS;
  let current = await observe();
  if (current === null || parses(current.text)) return { text: current?.text ?? null, unsettled: false };
  const startedAt = now();
  // When `current`'s state was first seen: the start of the interval it has been quiet for.
  let seenSince = startedAt;
  for (let reads = 1; ; reads++) {
    const at = now();
    if (current.stamp !== null && (at - seenSince >= quiet || at - current.mtimeMs >= quiet)) return { text: current.text, unsettled: false };
    if (reads >= maxReads || at - startedAt >= maxWait) return { text: current.text, unsettled: true };
    await sleep(interval);
    const next: PoolFileObservation | null = await observe();
    if (next === null || parses(next.text)) return { text: next?.text ?? null, unsettled: false };
    const unchanged = next.stamp !== null && next.stamp === current.stamp && next.text === current.text;
    if (!unchanged) seenSince = now();
    current = next;
  }
}

/** {@link readSettled} on a file, read asynchronously (never blocks on a FIFO). */
export function readPoolFileSettled(path: string, options: StableReadOptions = {}): Promise<StableText> {
  return readSettled(() => observePoolFile(path), options);
}

/** {@link readSettled} on a file, each read synchronous (the pool's hot path; see {@link observePoolFileSync}). */
export function readPoolFileSettledSync(path: string, options: StableReadOptions = {}): Promise<StableText> {
  return readSettled(() => observePoolFileSync(path), options);
}
