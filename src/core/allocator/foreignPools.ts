/**
 * Coexistence with other pools on the same machine.
 *
 * The origin's helper (and any other Flake Doctor pool with its own file) leases from the
 * same 127.0.0.x addresses without knowing about us. We cannot make it read our file, but we
 * can read its file and never lease an address it has leased: the live leases (and parked
 * addresses) in every foreign pool file are honoured. Foreign files are only read — never
 * locked, renamed or written — and a file caught mid-write is re-read until it parses or
 * stays quiet (see poolRead). Each read is synchronous: acquire() reads these files twice,
 * and a thread-pool round trip costs more than reading a few hundred bytes.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isSameProcessAlive, type ProcessTable } from '../process';
import { addressForIndex } from './config';
import { parsePoolFile } from './poolFile';
import { readPoolFileSettledSync, type Sleep, type StableReadOptions } from './poolRead';

/** The origin helper's default pool file name, in the temp directory. */
export const ORIGIN_POOL_FILE_NAME = 'harper-integration-test-loopback-pool.json';

/**
 * Where the origin's index 0 lies: its file records no range. Newer origin versions lease
 * from 127.0.0.2 (the default here), older ones from 127.0.0.1.
 */
export const DEFAULT_ORIGIN_START = 2;

/** `<temp dir>/harper-integration-test-loopback-pool.json`, as the origin helper names it. */
export function originDefaultPoolFile(env: NodeJS.ProcessEnv = process.env): string {
  // os.tmpdir() reads the real environment; an injected env (tests, harnesses) may differ.
  const dir = env === process.env ? tmpdir() : env.TMPDIR?.trim() || tmpdir();
  return join(dir, ORIGIN_POOL_FILE_NAME);
}

/**
 * The foreign pool files a pool honours: the given ones, plus the origin helper's default
 * file unless turned off, never the pool's own file, each once.
 */
export function effectiveForeignPoolFiles(ownPoolFile: string, foreign: readonly string[], honourOriginDefault: boolean, env: NodeJS.ProcessEnv): string[] {
  const own = resolve(ownPoolFile);
  for (const f of foreign) {
    if (resolve(f) === own) throw new Error(`pool file ${ownPoolFile} cannot also be one of its foreignPoolFiles`);
  }
  const all = honourOriginDefault ? [...foreign, originDefaultPoolFile(env)] : [...foreign];
  const seen = new Set<string>();
  return all.filter((f) => {
    const key = resolve(f);
    if (key === own || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface ForeignLease {
  address: string;
  file: string;
  /** The holder's pid; `null` for a parked address. */
  pid: number | null;
}

export interface ForeignLeases {
  /** By address. */
  leases: Map<string, ForeignLease>;
  /** Foreign files that could not be read (named, with why); their leases are unknown. */
  unreadable: string[];
  /** Foreign files their owner was rewriting at every read; their leases are unknown this time. */
  rewriting: string[];
}

/** Reads every foreign file and returns the addresses held there by a live holder, or parked. */
export async function readForeignLeases(
  files: readonly string[],
  originStart: number,
  facts: ProcessTable,
  /** How files caught mid-write are re-read (a bare sleep function, as before, is accepted too). */
  reread: Sleep | StableReadOptions = {},
): Promise<ForeignLeases> {
  const options = typeof reread === 'function' ? { sleep: reread } : reread;
  const leases = new Map<string, ForeignLease>();
  const unreadable: string[] = [];
  const rewriting: string[] = [];
  for (const file of files) {
    let content;
    try {
      const read = await readPoolFileSettledSync(file, options);
      if (read.text === null) continue; // absent: nothing leased there
      if (read.unsettled) {
        rewriting.push(file);
        continue;
      }
      content = parsePoolFile(read.text, file, originStart);
    } catch (err) {
      unreadable.push((err as Error).message);
      continue;
    }
    content.slots.forEach((slot, i) => {
      if (slot === null) return;
      const address = addressForIndex(content.start, i);
      if (leases.has(address)) return;
      if (slot.state === 'parked') leases.set(address, { address, file, pid: null });
      else if (isSameProcessAlive(facts, slot.pid, slot.startTime)) leases.set(address, { address, file, pid: slot.pid });
    });
  }
  return { leases, unreadable, rewriting };
}
