import { resolve } from 'node:path';
import { NotARegularFileError } from '../files/regularFile';
import { osProcessFacts, type ProcessTable } from '../process';
import { type PoolConfig } from './config';
import { DEFAULT_ORIGIN_START } from './foreignPools';
import { parsePoolFile } from './poolFile';
import { readPoolFileSettled, type StableReadOptions } from './poolRead';
import { scanLoopbackListeners, type LoopbackListener } from './scan';
import { buildLoopbackSnapshot, type LoopbackSnapshot, type PoolSource } from './snapshot';

/**
 * Reads one pool file for display: never modifies it, and reports (not hides) corruption.
 * A read caught in the middle of an in-place write (the origin helper truncates, then
 * writes) is re-read until it parses or the file stays quiet (see poolRead), so a healthy
 * foreign file is not shown as corrupt; one that never gets quiet is `rewriting`, not an error.
 */
export async function readPoolSource(file: string, originStart: number, options: StableReadOptions = {}): Promise<PoolSource> {
  let text: string;
  try {
    // Never readFile: on a FIFO it would wait for a writer forever.
    const read = await readPoolFileSettled(file, options);
    if (read.text === null) return { file, content: null, error: null };
    if (read.unsettled) return { file, content: null, error: null, rewriting: true };
    text = read.text;
  } catch (err) {
    if (err instanceof NotARegularFileError) return { file, content: null, error: err.message };
    return { file, content: null, error: `cannot read pool file ${file}: ${(err as Error).message}` };
  }
  try {
    return { file, content: parsePoolFile(text, file, originStart), error: null };
  } catch (err) {
    return { file, content: null, error: (err as Error).message };
  }
}

export interface InspectOptions {
  config: PoolConfig;
  poolFiles: string[];
  /** Other pools' files: shown with their holders (ours never leases what they hold). */
  foreignPoolFiles?: string[];
  /** Last octet of index 0 in origin-format files (they record no range). Default 2. */
  originStart?: number;
  facts?: ProcessTable;
  scan?: () => Promise<LoopbackListener[]>;
}

/** Reads the pool files and the socket table and builds the snapshot the views render. */
export async function inspectLoopback(options: InspectOptions): Promise<LoopbackSnapshot> {
  const originStart = options.originStart ?? DEFAULT_ORIGIN_START;
  const own = new Set(options.poolFiles.map((f) => resolve(f)));
  const foreign = [...new Set((options.foreignPoolFiles ?? []).filter((f) => !own.has(resolve(f))))];
  const pools = await Promise.all([
    ...options.poolFiles.map(async (f) => ({ ...(await readPoolSource(f, originStart)), role: 'own' as const })),
    ...foreign.map(async (f) => ({ ...(await readPoolSource(f, originStart)), role: 'foreign' as const })),
  ]);
  let listeners: LoopbackListener[] | null = null;
  let scanError: string | null = null;
  try {
    listeners = await (options.scan ?? scanLoopbackListeners)();
  } catch (err) {
    scanError = (err as Error).message;
  }
  return buildLoopbackSnapshot({ config: options.config, pools, listeners, scanError, facts: options.facts ?? osProcessFacts, now: Date.now() });
}
