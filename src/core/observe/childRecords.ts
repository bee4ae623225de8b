// What an attached process leaves behind about the children it started, so a child that
// outlives it (an orphaned server) can still be traced to its starter: the starter's command
// line and the test that started each child are gone from /proc once the starter exits.
//
// One file per starter: `<bridge dir>/children/<pid>-<start identity>.json` (the same naming as
// the bridge sockets, so a reused pid never reads as the same starter), rewritten whole by
// rename on every child started. A subdirectory, so discovery's listing of sockets never sees
// them. Removed by the starter at exit when none of its children still runs, otherwise by the
// orphan detector once neither the starter nor anything it started runs.

import { mkdirSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestRef } from './testContext';

export const CHILD_RECORDS_VERSION = 1;
/** Children remembered per starter (oldest forgotten first): a suite may start thousands. */
export const MAX_RECORDED_CHILDREN = 64;
const RECORD_LIMIT_BYTES = 256 * 1024;

export interface RecordedChild {
  pid: number;
  /** Start time in clock ticks since boot (null without /proc): tells this child from a reused pid. */
  startTime: number | null;
  command: string;
  startedAt: number;
  test: TestRef | null;
}

export interface ChildRecordFile {
  version: typeof CHILD_RECORDS_VERSION;
  starter: { pid: number; start: string; command: string; cwd: string };
  children: RecordedChild[];
}

export function childRecordsDir(bridgeDir: string): string {
  return join(bridgeDir, 'children');
}

/**
 * `<pid>-<start>.json`, and `<pid>-<start>-t<threadId>.json` for a worker thread: each thread
 * observes (and at its exit cleans up) its own children, so threads of one process must not
 * share a file — a worker's rewrite or removal would drop the main thread's children.
 */
export function childRecordFileName(pid: number, start: string, threadId = 0): string {
  return threadId > 0 ? `${pid}-${start}-t${threadId}.json` : `${pid}-${start}.json`;
}

/** Writes the starter's record whole (tmp + rename: a reader never sees half a file). Throws on failure; the caller degrades. */
export function writeChildRecords(bridgeDir: string, record: ChildRecordFile, threadId = 0): string {
  const dir = childRecordsDir(bridgeDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, childRecordFileName(record.starter.pid, record.starter.start, threadId));
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}

export function removeFileQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already (the detector removed it, or the directory went away).
  }
}

function isRecordedChild(value: unknown): value is RecordedChild {
  const c = value as RecordedChild;
  return (
    typeof c === 'object' &&
    c !== null &&
    Number.isSafeInteger(c.pid) &&
    c.pid > 0 &&
    (c.startTime === null || typeof c.startTime === 'number') &&
    typeof c.command === 'string' &&
    typeof c.startedAt === 'number'
  );
}

/** Parses one record file; null for anything that is not one (a foreign or damaged file is ignored, never trusted). */
export function parseChildRecords(text: string): ChildRecordFile | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const r = value as ChildRecordFile;
  if (typeof r !== 'object' || r === null || r.version !== CHILD_RECORDS_VERSION) return null;
  const s = r.starter;
  if (typeof s !== 'object' || s === null || !Number.isSafeInteger(s.pid) || typeof s.start !== 'string' || typeof s.command !== 'string') return null;
  if (!Array.isArray(r.children)) return null;
  return {
    version: CHILD_RECORDS_VERSION,
    starter: { pid: s.pid, start: s.start, command: s.command, cwd: typeof s.cwd === 'string' ? s.cwd : '' },
    children: r.children.filter(isRecordedChild).map((c) => ({ ...c, test: isTestRef(c.test) ? c.test : null })),
  };
}

function isTestRef(value: unknown): value is TestRef {
  const t = value as TestRef;
  return typeof t === 'object' && t !== null && typeof t.file === 'string' && typeof t.name === 'string';
}

export interface LoadedChildRecords extends ChildRecordFile {
  path: string;
}

/** Every starter's record in the bridge directory (none when it has no `children` directory). */
export async function readChildRecords(bridgeDir: string): Promise<LoadedChildRecords[]> {
  const dir = childRecordsDir(bridgeDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out = await Promise.all(
    names
      .filter((n) => /^\d+-[0-9a-z]+(?:-t\d+)?\.json$/.test(n))
      .map(async (name): Promise<LoadedChildRecords | null> => {
        const path = join(dir, name);
        try {
          const text = await readFile(path, 'utf8');
          if (text.length > RECORD_LIMIT_BYTES) return null;
          const parsed = parseChildRecords(text);
          return parsed ? { ...parsed, path } : null;
        } catch {
          return null;
        }
      }),
  );
  return out.filter((r): r is LoadedChildRecords => r !== null);
}

export async function removeChildRecords(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch {
    // Another detector pass removed it first.
  }
}

/** For tests: the names in the records directory. */
export function listChildRecordNames(bridgeDir: string): string[] {
  try {
    return readdirSync(childRecordsDir(bridgeDir));
  } catch {
    return [];
  }
}
