// Facts about processes that a lock decision depends on: is a pid running, when did it start,
// which boot is this, what is its command line. Wrapped in an interface so tests can inject
// them (a pid that "is alive with another start time" is the PID-reuse case) and so the
// decisions themselves stay pure.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseProcCmdline, parseProcStat } from '../process';

export { parseProcCmdline };

export type PidProbe = 'running' | 'not-running';

/** What judging a lock's holder needs to know: does its pid run, did it start when the lock
 * says, is this the host and boot it was taken on, and (for the inspector) its command line. */
export interface LockHolderFacts {
  /** Whether a process with this pid exists. A process of another user counts as running:
   * `kill(pid, 0)` failing with EPERM proves the pid exists (the allocator origin's gap was
   * treating EPERM as dead). */
  probePid(pid: number): PidProbe;
  /** The process's start time (opaque, comparable only for equality), or `null` if unknown. */
  startTime(pid: number): string | null;
  /** This machine's boot id, or `null` if unknown. */
  bootId(): string | null;
  hostname(): string;
  /** Best-effort command line of a running process, or `null`. Only the inspector calls it. */
  commandLine(pid: number): string | null;
}

/**
 * Extracts the start time (field 22, clock ticks since boot) from `/proc/<pid>/stat` text.
 * Field 2 is the command name in parentheses and may itself contain spaces and parentheses,
 * so fields are counted from the LAST ')'.
 */
export function parseProcStatStartTime(stat: string): string | null {
  // One parser for /proc/<pid>/stat across the cores (src/core/process); the lock records
  // the start time as an opaque string.
  const parsed = parseProcStat(stat);
  return parsed === null ? null : String(parsed.startTime);
}

let cachedBootId: string | null | undefined;

/** The real facts of this machine. Linux reads /proc; elsewhere start time and boot id are
 * unknown (`null`), which leaves PID reuse undetectable there, as in the origin. */
export const systemProcessFacts: LockHolderFacts = {
  probePid(pid) {
    try {
      process.kill(pid, 0);
      return 'running';
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'not-running' : 'running';
    }
  },
  startTime(pid) {
    try {
      return parseProcStatStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return null;
    }
  },
  bootId() {
    if (cachedBootId === undefined) {
      try {
        cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
      } catch {
        cachedBootId = null;
      }
    }
    return cachedBootId;
  },
  hostname: () => hostname(),
  commandLine(pid) {
    try {
      return parseProcCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      // No /proc (macOS): ask ps. Only the inspector gets here, never the lock's hot path.
      if (process.platform === 'linux') return null;
      try {
        const out = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', timeout: 2_000 });
        return out.trim() || null;
      } catch {
        return null;
      }
    }
  },
};

/** What this process records about itself in a lock it takes. */
export interface SelfFacts {
  pid: number;
  host: string;
  startTime: string | null;
  bootId: string | null;
  command: string;
}

// Our own facts never change while we run; reading /proc once per facts object keeps the
// uncontended acquire cheap.
const selfCache = new WeakMap<LockHolderFacts, SelfFacts>();

export function selfFacts(facts: LockHolderFacts): SelfFacts {
  let self = selfCache.get(facts);
  if (self === undefined) {
    self = {
      pid: process.pid,
      host: facts.hostname(),
      startTime: facts.startTime(process.pid),
      bootId: facts.bootId(),
      command: process.argv.join(' '),
    };
    selfCache.set(facts, self);
  }
  return self;
}
