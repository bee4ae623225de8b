// How the processes that run tests hand their findings to the reporter of the run: the
// reporter (jest's main process, node --test's parent) makes a directory and names it, with
// its own pid, in the environment before the test processes start; each test process appends
// one JSON line per failure and per file end to a file of its own there, and the reporter
// reads them all when the run is over. A file, not the runner's messages: jest's results and
// node:test's events carry no field for it, and a process killed mid-write loses only its line.
//
// Only the reporter's own children (jest workers, node --test's file processes) and the
// reporter's process itself (jest --runInBand) write: a grandchild inherits the environment
// too (a server a test spawns), but its parent is another pid, so it stays silent.

import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FailureCulprit } from './culprits';
import type { Leftover } from './leftovers';

import { RUN_DIR_ENV, RUN_PID_ENV } from './runChannelEnv';

export { RUN_DIR_ENV, RUN_PID_ENV };

export interface FailureRecord {
  type: 'failure';
  file: string;
  test: string;
  pid: number;
  /** The test's own errors, without the Flake Doctor section. */
  errors: string[];
  culprits: FailureCulprit[];
}

export interface FileEndRecord {
  type: 'file-end';
  file: string;
  pid: number;
  leftovers: Leftover[];
}

export type RunRecord = FailureRecord | FileEndRecord;

/**
 * Called by the reporter: names the directory to the test processes it starts. The first
 * record makes it (a reporter loaded but never run leaves nothing behind).
 */
export function openRunChannel(env: NodeJS.ProcessEnv = process.env): string {
  const dir = join(tmpdir(), `flake-doctor-run-${process.pid}-${randomBytes(6).toString('hex')}`);
  env[RUN_DIR_ENV] = dir;
  env[RUN_PID_ENV] = String(process.pid);
  return dir;
}

/** The channel this test process writes to, or null when no reporter of ours runs it. */
export function runChannelDir(env: NodeJS.ProcessEnv = process.env, pid = process.pid, ppid = process.ppid): string | null {
  const dir = env[RUN_DIR_ENV];
  const owner = Number(env[RUN_PID_ENV]);
  if (!dir || !Number.isInteger(owner)) return null;
  return owner === pid || owner === ppid ? dir : null;
}

export function writeRunRecord(dir: string, record: RunRecord): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  appendFileSync(join(dir, `${process.pid}.ndjson`), `${JSON.stringify(record)}\n`);
}

/** Every record of the run; a line that is not a record (a torn write) is skipped. */
export function readRunRecords(dir: string): RunRecord[] {
  const out: RunRecord[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.ndjson'));
  } catch {
    return out; // no test process wrote: the directory was never made
  }
  for (const name of names.sort()) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as RunRecord;
        if (r.type === 'failure' || r.type === 'file-end') out.push(r);
      } catch {
        // a line cut short by a killed process
      }
    }
  }
  return out;
}

export function closeRunChannel(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
