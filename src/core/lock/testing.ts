// Helpers for tests, the demo and end-to-end checks: plant lock files in known states. They
// write lock files directly (no mutex): never point them at a lock a live fleet is using.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatLockContent, type LockRecord } from './content';
import { newToken } from './files';
import { selfFacts, systemProcessFacts } from './processFacts';

/** Writes a lock record, defaulting every field to this process's own facts and now. */
export function writeLockForTesting(lockPath: string, fields: Partial<LockRecord> = {}): LockRecord {
  const self = selfFacts(systemProcessFacts);
  const record: LockRecord = {
    pid: self.pid,
    timestamp: Date.now(),
    token: newToken(),
    host: self.host,
    startTime: self.startTime,
    bootId: self.bootId,
    command: self.command,
    ...fields,
  };
  mkdirSync(dirname(lockPath), { recursive: true });
  writeFileSync(lockPath, formatLockContent(record));
  return record;
}

export interface DeadHolderLock {
  lockPath: string;
  /** The pid of the (now dead) holder. */
  pid: number;
  record: LockRecord;
}

/**
 * Plants a lock held by a process that really existed and is now dead: spawns a short-lived
 * Node child, records the child's own pid and start time as the holder, then kills the child
 * with SIGKILL and waits for it to be reaped. The lock is fresh (`ageMs` old, default 0), so
 * only dead-holder detection, not the age threshold, shows it as abandoned.
 */
export async function plantDeadHolderLock(lockPath: string, options: { ageMs?: number } = {}): Promise<DeadHolderLock> {
  const ageMs = options.ageMs ?? 0;
  if (!Number.isInteger(ageMs) || ageMs < 0) throw new RangeError(`ageMs must be a non-negative integer, got ${ageMs}`);
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)', 'flake-doctor-dead-holder'], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) {
    await once(child, 'error');
    throw new Error('could not start the dead-holder process');
  }
  const exited = once(child, 'exit');
  try {
    const record = writeLockForTesting(lockPath, {
      pid,
      timestamp: Date.now() - ageMs,
      startTime: systemProcessFacts.startTime(pid),
      command: `${process.execPath} (flake-doctor dead holder, pid ${pid})`,
    });
    return { lockPath, pid, record };
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}
