// Judging a lock: given its content, a clock reading, the stale threshold and process facts,
// what state is it in? No fs access here; acquire, break and inspect all judge through this
// one function so the view never disagrees with the algorithm.
import { parseLockContent, type LockRecord } from './content';
import type { LockHolderFacts } from './processFacts';

export type LockState = 'free' | 'held' | 'stale' | 'dead-holder' | 'corrupt';

/**
 * - `alive`: the recorded process instance is running (or we cannot tell it is not).
 * - `dead`: no process has the recorded pid on this host.
 * - `pid-reused`: the pid runs, but with another start time: it is a different process.
 * - `rebooted`: the lock was written during an earlier boot of this host.
 * - `other-host`: written on another host; we cannot check its processes.
 * - `unverifiable`: origin-format content (no host recorded) on a file system that is not
 *   known to be local, so a pid check could be about another machine's process; only the age
 *   threshold applies. (On a local file system it is judged as a local holder instead.)
 */
export type HolderLiveness = 'alive' | 'dead' | 'pid-reused' | 'rebooted' | 'other-host' | 'unverifiable';

export interface HolderAssessment {
  liveness: HolderLiveness;
  /** Whether the pid exists on this host (`null` when that question is meaningless). */
  pidRunning: boolean | null;
  /** Origin-format content (no host) judged as a holder on this machine, because the lock is
   * on a local file system, which only this machine's processes can have written. */
  assumedLocal: boolean;
}

export interface LockJudgement {
  state: LockState;
  /** Parsed content; `null` when free or corrupt. */
  record: LockRecord | null;
  corruptReason: string | null;
  /** Now minus the recorded timestamp (never negative); `null` when free or corrupt. */
  ageMs: number | null;
  holder: HolderAssessment | null;
}

export function isProvablyDead(liveness: HolderLiveness): boolean {
  return liveness === 'dead' || liveness === 'pid-reused' || liveness === 'rebooted';
}

/**
 * `originIsLocal` answers whether the lock file is on a local file system; it is asked only
 * for origin-format content (no host recorded). Without it such content stays unverifiable.
 */
export function assessHolder(record: LockRecord, facts: LockHolderFacts, originIsLocal?: () => boolean): HolderAssessment {
  if (record.host === null) {
    const running = facts.probePid(record.pid) === 'running';
    if (originIsLocal?.()) {
      // Written by a process of this machine. No start time or boot id was recorded, so a
      // running pid counts as the holder (PID reuse is undetectable here, as in the origin).
      return running ? { liveness: 'alive', pidRunning: true, assumedLocal: true } : { liveness: 'dead', pidRunning: false, assumedLocal: true };
    }
    return { liveness: 'unverifiable', pidRunning: running, assumedLocal: false };
  }
  if (record.host !== facts.hostname()) return { liveness: 'other-host', pidRunning: null, assumedLocal: false };
  const bootId = facts.bootId();
  if (record.bootId !== null && bootId !== null && record.bootId !== bootId) {
    return { liveness: 'rebooted', pidRunning: null, assumedLocal: false };
  }
  if (facts.probePid(record.pid) === 'not-running') return { liveness: 'dead', pidRunning: false, assumedLocal: false };
  if (record.startTime !== null) {
    const current = facts.startTime(record.pid);
    // An unreadable start time (the process just exited, or /proc is restricted) proves
    // nothing, so it counts as alive: only a *different* start time proves reuse.
    if (current !== null && current !== record.startTime) return { liveness: 'pid-reused', pidRunning: true, assumedLocal: false };
  }
  return { liveness: 'alive', pidRunning: true, assumedLocal: false };
}

/**
 * Judges lock content (`null` = no lock file). Order matters: corrupt before stale (no age
 * to judge), stale before dead holder (age alone suffices, as in the origin), dead holder
 * before held.
 */
export function judgeLock(content: string | null, now: number, staleMs: number, facts: LockHolderFacts, originIsLocal?: () => boolean): LockJudgement {
  if (content === null) return { state: 'free', record: null, corruptReason: null, ageMs: null, holder: null };
  const parsed = parseLockContent(content);
  if (!parsed.ok) return { state: 'corrupt', record: null, corruptReason: parsed.reason, ageMs: null, holder: null };
  const record = parsed.record;
  // A timestamp further ahead than the stale threshold can never age into staleness within
  // any sensible wait, and no holder sharing our clock can have written it: treat it as
  // corrupt rather than let it block the lock until the maximum wait. Smaller leads are
  // clock jitter between processes and count as age 0.
  if (record.timestamp - now > staleMs) {
    return {
      state: 'corrupt',
      record,
      corruptReason: `timestamp ${record.timestamp} is ${record.timestamp - now} ms in the future`,
      ageMs: null,
      holder: null,
    };
  }
  const ageMs = Math.max(0, now - record.timestamp);
  const holder = assessHolder(record, facts, originIsLocal);
  let state: LockState;
  if (ageMs > staleMs) state = 'stale';
  else if (isProvablyDead(holder.liveness)) state = 'dead-holder';
  else state = 'held';
  return { state, record, corruptReason: null, ageMs, holder };
}
