import { isSameProcessAlive, osProcessFacts, type ProcessTable } from '../process';
import { findConflictingPort } from './canary';

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface WaitOptions {
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Waits until a plain bind succeeds on every port at `address` (probe every 100 ms, as the
 * origin did). `true` when all freed within `timeoutMs`; `false` means "park, do not recycle".
 */
export async function waitForPortsFree(address: string, ports: readonly number[], timeoutMs: number, options: WaitOptions = {}): Promise<boolean> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 100;
  const deadline = now() + timeoutMs;
  for (;;) {
    if ((await findConflictingPort(address, ports)) === null) return true;
    if (now() >= deadline) return false;
    await sleep(interval);
  }
}

export interface StopTarget {
  pid: number;
  /** Start time seen when the user confirmed; a different live start time means pid reuse. */
  startTime: number | null;
}

export interface StopOptions {
  graceMs?: number;
  /** Signal the whole process group (teardown of an instance) rather than one process. */
  group?: boolean;
  facts?: ProcessTable;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Only processes of this uid are touched (default: the current user). */
  uid?: number;
}

export type StopOutcome =
  | { pid: number; result: 'not-running' }
  | { pid: number; result: 'refused'; reason: string }
  | { pid: number; result: 'terminated' | 'killed' }
  | { pid: number; result: 'survived'; reason: string };

/**
 * SIGTERM, a grace period, then SIGKILL. Refuses (does nothing) when the pid now names a
 * different process than the one confirmed, or belongs to another user.
 */
export async function stopProcess(target: StopTarget, options: StopOptions = {}): Promise<StopOutcome> {
  const facts = options.facts ?? osProcessFacts;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? 5000;
  const { pid } = target;
  if (!isSameProcessAlive(facts, pid, target.startTime)) {
    return facts.isAlive(pid) ? { pid, result: 'refused', reason: 'the pid now belongs to a different process (pid reuse)' } : { pid, result: 'not-running' };
  }
  const myUid = options.uid ?? process.getuid?.() ?? null;
  const owner = facts.uid(pid);
  if (myUid !== null && owner !== myUid) {
    return { pid, result: 'refused', reason: owner === null ? 'its owner cannot be determined' : `it belongs to uid ${owner}, not ${myUid}` };
  }
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(options.group ? -pid : pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  signal('SIGTERM');
  const deadline = now() + graceMs;
  while (now() < deadline) {
    if (!isSameProcessAlive(facts, pid, target.startTime)) return { pid, result: 'terminated' };
    await sleep(50);
  }
  signal('SIGKILL');
  const killDeadline = now() + 2000;
  while (now() < killDeadline) {
    if (!isSameProcessAlive(facts, pid, target.startTime)) return { pid, result: 'killed' };
    await sleep(20);
  }
  return { pid, result: 'survived', reason: 'still running 2 s after SIGKILL (uninterruptible sleep or a zombie)' };
}
