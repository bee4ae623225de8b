/**
 * Reading a pool file that another tool may be rewriting *in place*.
 *
 * The origin's helper updates its file with `writeFile` (truncate, then write) under a lock
 * of its own, so a reader can catch it empty or half-written. Judging such a read "corrupt"
 * and reinitialising the file erased a live foreign lease. So a read that does not parse is
 * read again, until two consecutive reads agree (the writer has finished, or the content
 * really is what it is) or a bound is reached; only then is anything judged.
 */
import { readRegularFile } from '../files/regularFile';
import { parsePoolFile } from './poolFile';

export type Sleep = (ms: number) => Promise<void>;

export const POOL_REREAD_INTERVAL_MS = 5;
/** An in-place write of a few hundred bytes takes microseconds; 20 reads 5 ms apart give a
 * descheduled writer 100 ms to finish before the content is judged as it stands. */
export const POOL_MAX_READS = 20;

export const defaultSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export interface StableReadOptions {
  /** Waits between re-reads; tests inject it to complete a write at exactly that point. */
  sleep?: Sleep;
  intervalMs?: number;
  maxReads?: number;
}

export interface StableText {
  /** `null` when the file does not exist. */
  text: string | null;
  /** The last two reads differed when the bound was reached: a writer is still at work. */
  unsettled: boolean;
}

function parses(text: string): boolean {
  try {
    parsePoolFile(text, '');
    return true;
  } catch {
    return false;
  }
}

/**
 * Re-reads `read()` until it parses, until two consecutive reads are identical, or
 * `maxReads` reads. A read that parses is complete: no strict prefix of a JSON document
 * is one, and our own writes are atomic renames.
 */
export async function readSettled(read: () => Promise<string | null> | string | null, options: StableReadOptions = {}): Promise<StableText> {
  const sleep = options.sleep ?? defaultSleep;
  const interval = options.intervalMs ?? POOL_REREAD_INTERVAL_MS;
  const maxReads = Math.max(2, options.maxReads ?? POOL_MAX_READS);
  let previous = await read();
  if (previous === null || parses(previous)) return { text: previous, unsettled: false };
  for (let reads = 1; reads < maxReads; reads++) {
    await sleep(interval);
    const next = await read();
    if (next === null || parses(next) || next === previous) return { text: next, unsettled: false };
    previous = next;
  }
  return { text: previous, unsettled: true };
}

/** {@link readSettled} on a file, through the regular-file reader (never blocks on a FIFO). */
export function readPoolFileSettled(path: string, options: StableReadOptions = {}): Promise<StableText> {
  return readSettled(async () => (await readRegularFile(path, { what: 'pool file' }))?.text ?? null, options);
}
