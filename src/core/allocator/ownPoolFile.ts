/**
 * What the pool may do with the content it finds at its *own* pool path, under its lock.
 *
 * The rule: never destroy a file that is not provably ours. Only a damaged file in our own
 * format is moved aside and reinitialised. An origin-format file, another tool's or another
 * version's file, an empty file (we never write one: our writes are atomic renames), or one
 * still changing while read is refused with an error that names it and says which pool file
 * to use instead. It is never renamed, rewritten or reinitialised.
 */
import { basename, dirname, join } from 'node:path';
import { isDamagedOwnPoolFile, parsePoolFile, PoolFileCorruptError, type PoolSlot } from './poolFile';
import type { StableText } from './poolRead';
import type { PoolConfig } from './config';

export class PoolFileRefusedError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly suggestion: string,
  ) {
    super(
      `pool file ${path} ${reason}; flake-doctor left it untouched — give LoopbackPool its own poolFile (for example ${suggestion}) and list ${path} in foreignPoolFiles so the leases in it are honoured`,
    );
    this.name = 'PoolFileRefusedError';
  }
}

/** A pool file path for our own use that is not `poolFile`: the default, else a sibling. */
export function alternativePoolFile(poolFile: string, defaultFile: string): string {
  if (defaultFile !== poolFile) return defaultFile;
  const sibling = join(dirname(poolFile), 'flake-doctor-loopback-pool.json');
  return sibling !== poolFile ? sibling : join(dirname(poolFile), `${basename(poolFile)}.flake-doctor.json`);
}

export type OwnPoolDecision = { kind: 'slots'; slots: PoolSlot[] } | { kind: 'reinitialise'; why: string };

/** Decides on settled content (see poolRead). Throws {@link PoolFileRefusedError} for a file that is not ours. */
export function decideOwnPoolFile(read: StableText, path: string, config: PoolConfig, suggestion: string): OwnPoolDecision {
  const { text } = read;
  if (text === null) return { kind: 'slots', slots: Array.from({ length: config.count }, () => null) };
  let content;
  try {
    content = parsePoolFile(text, path, config.start);
  } catch (err) {
    if (!(err instanceof PoolFileCorruptError)) throw err;
    if (read.unsettled) throw new PoolFileRefusedError(path, 'kept changing while it was read (another tool is rewriting it in place)', suggestion);
    if (isDamagedOwnPoolFile(text)) return { kind: 'reinitialise', why: err.message };
    const what =
      text.trim() === ''
        ? 'is empty (flake-doctor never leaves its pool file empty; an in-place writer does)'
        : `is not a flake-doctor pool file (${err.message.replace(/^pool file .* is corrupt: /, '')})`;
    throw new PoolFileRefusedError(path, what, suggestion);
  }
  if (content.format === 'origin') {
    throw new PoolFileRefusedError(
      path,
      "is in the origin helper's format (a JSON array of pids), which that helper rewrites in place and cannot read back from flake-doctor",
      suggestion,
    );
  }
  if (content.start !== config.start || content.count !== config.count) {
    throw new Error(
      `pool file ${path} covers 127.0.0.${content.start}–127.0.0.${content.start + content.count - 1} but this pool is configured for 127.0.0.${config.start}–127.0.0.${config.start + config.count - 1}; use another poolFile or the same range`,
    );
  }
  return { kind: 'slots', slots: content.slots };
}
