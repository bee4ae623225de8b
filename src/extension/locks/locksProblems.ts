import { lockProblems as coreLockProblems } from '../../core/doctor/lockProblems';
import { viewProblem, type Problem } from '../problems/problem';
import { BREAK_LOCK_COMMAND, PROBE_LOCK_COMMAND, REVEAL_LOCK_FILE_COMMAND } from './commands/commandIds';
import { holderStatus } from './locksFormat';
import type { LocksState } from './locksModel';

/**
 * Status-bar problems — the doctor's own (stale locks, dead holders, corrupt locks, orphaned
 * `.mutex`/`.reclaim` files, locks that cannot be inspected), one per state, so the view, the
 * problem list and `flake-doctor doctor` agree — with Break, Probe and Open as fixes. A lock
 * held by a live holder is not a problem.
 */
export function locksProblems(state: LocksState, label: (lockPath: string) => string, reveal: (lockPath: string) => Promise<void>): Problem[] {
  const byPath = new Map(state.locks.map((s) => [s.lockPath, s]));
  return coreLockProblems(state.locks, state.unreadable).map((dp) => {
    // The subject of an orphaned companion is its file; the row (and the fixes) are its lock's.
    const lockPath = dp.state === 'orphaned-mutex' || dp.state === 'orphaned-reclaim' ? dp.subject.replace(/\.mutex(\.reclaim)?$/, '') : dp.subject;
    const s = byPath.get(lockPath);
    const detail =
      s && (dp.state === 'stale' || dp.state === 'dead-holder' || dp.state === 'corrupt')
        ? `${s.summary}${s.holder ? ` (pid ${s.holder.pid}: ${holderStatus(s.holder)})` : ''}`
        : dp.message.replace(`${dp.subject}: `, '');
    if (dp.state === 'lock-unreadable') return viewProblem(dp, { subject: label(lockPath), detail, fixes: [] });
    return viewProblem(dp, {
      subject: label(lockPath),
      detail,
      reveal: () => reveal(lockPath),
      fixes: [
        { label: '$(unlock) Break (safe takeover)…', command: BREAK_LOCK_COMMAND, args: [lockPath] },
        { label: '$(pulse) Probe', command: PROBE_LOCK_COMMAND, args: [lockPath] },
        { label: '$(go-to-file) Open Lock File', command: REVEAL_LOCK_FILE_COMMAND, args: [lockPath] },
      ],
    });
  });
}
