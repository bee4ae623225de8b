// Problems of the Restart Locks view, from the lock core's snapshots: a stale lock, a dead
// holder, corrupt content, an orphaned `.mutex` or `.reclaim`, a lock that could not be
// inspected. A live holder's fresh lock is not a problem, however long it is held.

import type { RestartLockSnapshot } from '../lock/inspect';
import { problem, type DoctorProblem, type ProcessRef } from './problem';

export interface UnreadableLock {
  lockPath: string;
  message: string;
}

function holderRef(s: RestartLockSnapshot): ProcessRef | null {
  return s.holder ? { pid: s.holder.pid, command: s.holder.commandLine } : null;
}

/** One unit for durations in messages: "402 s", "5 s", "0.5 s". */
function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 100) / 10} s`;
}

export function lockProblems(snapshots: readonly RestartLockSnapshot[], unreadable: readonly UnreadableLock[] = []): DoctorProblem[] {
  const out: DoctorProblem[] = [];
  for (const s of snapshots) {
    if (s.state === 'stale' || s.state === 'dead-holder' || s.state === 'corrupt') {
      out.push(
        problem({
          id: `locks:${s.lockPath}:${s.state}`,
          area: 'locks',
          state: s.state,
          subject: s.lockPath,
          message: `${s.lockPath}: ${s.summary}`,
          culprit: s.state === 'corrupt' ? null : holderRef(s),
        }),
      );
    }
    for (const [kind, aux] of [
      ['mutex', s.mutex],
      ['reclaim', s.reclaim],
    ] as const) {
      if (!aux?.stale) continue;
      const holder = aux.holderPid === null ? 'no holder written' : `left by pid ${aux.holderPid} (${aux.holderRunning ? 'still running' : 'gone'})`;
      out.push(
        problem({
          id: `locks:${s.lockPath}:orphaned-${kind}`,
          area: 'locks',
          state: kind === 'mutex' ? 'orphaned-mutex' : 'orphaned-reclaim',
          subject: aux.path,
          message: `${aux.path}: orphaned .${kind}, ${seconds(aux.ageMs)} old (older than ${seconds(s.thresholds.mutexStaleMs)}), ${holder}`,
          culprit: aux.holderPid === null ? null : { pid: aux.holderPid, command: null },
        }),
      );
    }
  }
  for (const u of unreadable) {
    out.push(
      problem({
        id: `locks:unreadable:${u.lockPath}`,
        area: 'locks',
        state: 'lock-unreadable',
        subject: u.lockPath,
        message: `${u.lockPath}: cannot be inspected: ${u.message}`,
        culprit: null,
      }),
    );
  }
  return out;
}
