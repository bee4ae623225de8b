// Reading a file that someone else may have replaced with something that is not a file.
//
// `readFileSync` on a FIFO blocks the whole process until a writer shows up (forever, for an
// abandoned FIFO), on a directory it throws a bare `EISDIR` that names nothing, and on a file
// with a huge tail it reads all of it. The cores read small files they share with other
// processes (pool files, lock files) inside critical sections, so every such read goes
// through here: opened non-blocking (a FIFO open then returns at once), checked to be a
// regular file before a byte is read, and optionally bounded.
import { closeSync, constants, fstatSync, openSync, promises as fsp, readSync, type BigIntStats, type Stats } from 'node:fs';

// O_NONBLOCK does not exist on Windows (where FIFOs are not files anyway).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const CHUNK = 64 * 1024;

export class NotARegularFileError extends Error {
  readonly code = 'ENOTREGULAR';
  constructor(
    readonly path: string,
    readonly kind: string,
    what: string,
  ) {
    super(`${what} ${path} is a ${kind}, not a regular file; nothing was read or changed — remove or rename it, or use another path`);
    this.name = 'NotARegularFileError';
  }
}

export function fileKind(stats: Stats | BigIntStats): string {
  if (stats.isFile()) return 'regular file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'FIFO (named pipe)';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  return 'special file';
}

export interface ReadOptions {
  /** Read at most this many bytes (default: the whole file). */
  maxBytes?: number;
  /** How the file is named in errors, e.g. "pool file". */
  what?: string;
}

export interface RegularFileText {
  text: string;
  /** More bytes follow `maxBytes`: the text is only the file's head. */
  truncated: boolean;
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}

function limitOf(options: ReadOptions): number {
  const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
  if (!(max >= 0)) throw new RangeError(`maxBytes must be a non-negative number (got ${max})`);
  return max;
}

/** An open that failed: a missing file is `null`; a directory a clear error; anything else as is. */
function missingOrThrow(path: string, error: unknown, options: ReadOptions): null {
  if (isCode(error, 'ENOENT')) return null;
  if (isCode(error, 'EISDIR')) throw new NotARegularFileError(path, 'directory', options.what ?? 'file');
  throw error;
}

/** What was read, cut to `limit` bytes (a read one byte past it tells that the file is longer). */
function textOf(chunks: Buffer[], total: number, limit: number): RegularFileText {
  const all = Buffer.concat(chunks, total);
  const truncated = total > limit;
  return { text: (truncated ? all.subarray(0, limit) : all).toString('utf8'), truncated };
}

/** The file's text, or `null` when it does not exist. Throws {@link NotARegularFileError}. */
export function readRegularFileSync(path: string, options: ReadOptions = {}): RegularFileText | null {
  const limit = limitOf(options);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    return missingOrThrow(path, error, options);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new NotARegularFileError(path, fileKind(stats), options.what ?? 'file');
    const chunks: Buffer[] = [];
    let total = 0;
    // Read to EOF rather than to the size seen by fstat: the file may grow meanwhile. One byte
    // past the limit tells a file of exactly `limit` bytes from a longer one.
    for (;;) {
      const want = Math.min(CHUNK, limit + 1 - total);
      if (want <= 0) break;
      const buffer = Buffer.allocUnsafe(want);
      const n = readSync(fd, buffer, 0, want, null);
      if (n === 0) break;
      chunks.push(n === want ? buffer : buffer.subarray(0, n));
      total += n;
      // A short read of a regular file is its end (as it stood): no second read to be told so.
      if (n < want) break;
    }
    return textOf(chunks, total, limit);
  } finally {
    closeSync(fd);
  }
}

/** Asynchronous {@link readRegularFileSync}, for readers outside critical sections (views). */
export async function readRegularFile(path: string, options: ReadOptions = {}): Promise<RegularFileText | null> {
  const limit = limitOf(options);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, OPEN_FLAGS);
  } catch (error) {
    return missingOrThrow(path, error, options);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotARegularFileError(path, fileKind(stats), options.what ?? 'file');
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(CHUNK, limit + 1 - total);
      if (want <= 0) break;
      const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(want), 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    return textOf(chunks, total, limit);
  } finally {
    await handle.close();
  }
}
