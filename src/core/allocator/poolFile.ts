/**
 * The pool file: pure parsing and serialisation.
 *
 * Two formats are read:
 *  - the origin helper's: a JSON array, one entry per address, a pid or `null`;
 *  - ours: `{ format, version, start, count, slots }` where a leased slot also records the
 *    holder's process start time and a lease token, so a reused pid is not taken for the
 *    holder and a release can only remove the lease it created.
 * Only our format is ever written.
 */
export const POOL_FILE_FORMAT = 'flake-doctor-loopback-pool';
export const POOL_FILE_VERSION = 1;

export interface LeasedSlot {
  state: 'leased';
  pid: number;
  /** Clock ticks since boot (`/proc/<pid>/stat`), `null` where unknown (origin files, non-Linux). */
  startTime: number | null;
  /** `null` only for leases read from an origin-format file. */
  token: string | null;
  leasedAt: number | null;
}

export interface ParkedSlot {
  state: 'parked';
  parkedAt: number;
  /** Why the address was parked (which ports did not free). */
  reason: string;
  /** The lease holder at the time of parking, for the record. */
  pid: number | null;
}

export type PoolSlot = null | LeasedSlot | ParkedSlot;

export interface PoolFileContent {
  format: 'flake-doctor' | 'origin';
  start: number;
  count: number;
  slots: PoolSlot[];
}

export class PoolFileCorruptError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`pool file ${path} is corrupt: ${detail}`);
    this.name = 'PoolFileCorruptError';
  }
}

function isPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isNullableNumber(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isFinite(value));
}

function parseSlot(raw: unknown, at: number): PoolSlot {
  if (raw === null) return null;
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    const slot = raw as Record<string, unknown>;
    if (
      slot.state === 'leased' &&
      isPid(slot.pid) &&
      isNullableNumber(slot.startTime) &&
      (slot.token === null || typeof slot.token === 'string') &&
      isNullableNumber(slot.leasedAt)
    ) {
      return { state: 'leased', pid: slot.pid, startTime: slot.startTime, token: slot.token as string | null, leasedAt: slot.leasedAt };
    }
    if (slot.state === 'parked' && typeof slot.parkedAt === 'number' && typeof slot.reason === 'string' && (slot.pid === null || isPid(slot.pid))) {
      return { state: 'parked', parkedAt: slot.parkedAt, reason: slot.reason, pid: slot.pid as number | null };
    }
  }
  throw new Error(`slot ${at} is not a valid entry: ${JSON.stringify(raw)}`);
}

/**
 * Parses either format. `origin` files carry no range; `originStart` says where their
 * index 0 lies (the origin's default is 2). Throws {@link PoolFileCorruptError}.
 */
export function parsePoolFile(text: string, path: string, originStart = 2): PoolFileContent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PoolFileCorruptError(path, text.trim() === '' ? 'the file is empty' : `not JSON (${(err as Error).message})`);
  }
  if (Array.isArray(raw)) {
    const slots = raw.map((entry, i): PoolSlot => {
      if (entry === null) return null;
      if (isPid(entry)) return { state: 'leased', pid: entry, startTime: null, token: null, leasedAt: null };
      throw new PoolFileCorruptError(path, `entry ${i} is neither a pid nor null: ${JSON.stringify(entry)}`);
    });
    return { format: 'origin', start: originStart, count: slots.length, slots };
  }
  if (typeof raw !== 'object' || raw === null) throw new PoolFileCorruptError(path, 'expected an array or an object');
  const obj = raw as Record<string, unknown>;
  if (obj.format !== POOL_FILE_FORMAT) throw new PoolFileCorruptError(path, `unknown format ${JSON.stringify(obj.format)}`);
  if (obj.version !== POOL_FILE_VERSION) throw new PoolFileCorruptError(path, `unsupported version ${JSON.stringify(obj.version)}`);
  const { start, count, slots } = obj;
  if (typeof start !== 'number' || !Number.isInteger(start) || typeof count !== 'number' || !Number.isInteger(count)) {
    throw new PoolFileCorruptError(path, 'start and count must be integers');
  }
  if (!Array.isArray(slots) || slots.length !== count) throw new PoolFileCorruptError(path, `expected ${count} slots`);
  try {
    return { format: 'flake-doctor', start, count, slots: slots.map(parseSlot) };
  } catch (err) {
    throw new PoolFileCorruptError(path, (err as Error).message);
  }
}

export function serializePoolFile(content: { start: number; count: number; slots: PoolSlot[] }): string {
  return `${JSON.stringify({ format: POOL_FILE_FORMAT, version: POOL_FILE_VERSION, start: content.start, count: content.count, slots: content.slots }, null, 1)}\n`;
}

export function emptySlots(count: number): PoolSlot[] {
  return Array.from({ length: count }, () => null);
}

// Our serializer writes `format` first, so even a truncated file of ours starts like this.
const OWN_HEAD = new RegExp(`^\\s*\\{\\s*"format"\\s*:\\s*"${POOL_FILE_FORMAT}"`);

/**
 * Whether text that does not parse is provably a *damaged file of ours* (and so ours to
 * reinitialise): it starts with our format marker and is not another version's file. Empty
 * text, an array (the origin's format), other JSON or garbage are not provably ours.
 */
export function isDamagedOwnPoolFile(text: string): boolean {
  if (!OWN_HEAD.test(text)) return false;
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    // Complete JSON with our marker: damaged only if it is our version (a newer flake-doctor's
    // file is its own, not ours to overwrite).
    return raw.version === POOL_FILE_VERSION;
  } catch {
    return true;
  }
}
