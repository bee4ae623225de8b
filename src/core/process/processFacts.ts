import { readFileSync } from 'node:fs';
import { parseProcCmdline, parseProcStat, type ProcStat } from './procStat';

/**
 * The OS's process table, as the cores look pids up in it: whether a pid runs, its start
 * time, command line, owner and parent. Every core that records "who holds this" uses it, so
 * a reused pid, an `EPERM` from `kill(pid, 0)` and a missing `/proc` are handled the same way
 * everywhere. (The lock core judges its holders with `LockHolderFacts`, which adds the host
 * and boot a lock was taken on.)
 */
export interface ProcessTable {
  /** `true` when a process with this pid exists (including one we may not signal). */
  isAlive(pid: number): boolean;
  /** Start time in clock ticks since boot, or `null` where the platform does not expose it. */
  startTime(pid: number): number | null;
  commandLine(pid: number): string | null;
  /** Real uid of the process, or `null` when not visible. */
  uid(pid: number): number | null;
  parentPid(pid: number): number | null;
}

export function isValidPid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0;
}

function readStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export const osProcessFacts: ProcessTable = {
  isAlive(pid) {
    if (!isValidPid(pid)) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      // EPERM: the process exists but belongs to someone else. The origin read this as
      // "dead" and handed the holder's address to a second instance.
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  startTime(pid) {
    return isValidPid(pid) ? (readStat(pid)?.startTime ?? null) : null;
  },
  commandLine(pid) {
    if (!isValidPid(pid)) return null;
    try {
      const line = parseProcCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      if (line) return line;
      // Kernel threads and zombies have an empty cmdline; the comm name is still useful.
      const stat = readStat(pid);
      return stat ? `[${stat.comm}]` : null;
    } catch {
      return null;
    }
  },
  uid(pid) {
    if (!isValidPid(pid)) return null;
    try {
      const match = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) : null;
    } catch {
      return null;
    }
  },
  parentPid(pid) {
    return isValidPid(pid) ? (readStat(pid)?.ppid ?? null) : null;
  },
};

/**
 * Is the process that recorded (`pid`, `startTime`) still the one running under that pid?
 * A recorded start time that differs from the live one means the pid was reused by an
 * unrelated process, which must not be mistaken for the holder.
 */
export function isSameProcessAlive(facts: ProcessTable, pid: number, recordedStartTime: number | null | undefined): boolean {
  if (!facts.isAlive(pid)) return false;
  if (recordedStartTime === null || recordedStartTime === undefined) return true;
  const live = facts.startTime(pid);
  return live === null || live === recordedStartTime;
}

/** Whether `pid` is `ancestor` or one of its descendants (walks the parent chain). */
export function isDescendantOf(facts: ProcessTable, pid: number, ancestor: number): boolean {
  let current: number | null = pid;
  for (let hops = 0; current !== null && current > 1 && hops < 64; hops++) {
    if (current === ancestor) return true;
    current = facts.parentPid(current);
  }
  return false;
}
