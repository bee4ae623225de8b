import type { Problem } from '../problems/problemCenter';
import { BREAK_LOCK_COMMAND } from './commands/breakLock';
import { PROBE_LOCK_COMMAND } from './commands/probeLock';
import { REVEAL_LOCK_FILE_COMMAND } from './commands/revealLockFile';
import { holderStatus, lockProblems } from './lockFormat';
import type { LocksState } from './locksModel';

/**
 * Status-bar problems: stale locks, dead holders, corrupt locks and orphaned `.mutex`/`.reclaim`
 * files, each with Break and Reveal as fixes. A lock held by a live holder is not a problem.
 */
export function locksProblems(state: LocksState, label: (lockPath: string) => string, reveal: (lockPath: string) => Promise<void>): Problem[] {
  const problems: Problem[] = [];
  for (const s of state.locks) {
    const kinds = lockProblems(s);
    if (kinds.length === 0) continue;
    const who = s.holder ? ` (pid ${s.holder.pid}: ${holderStatus(s.holder)})` : '';
    problems.push({
      // Keyed by the kinds of trouble, not ages, so the list does not flicker as time passes.
      id: `locks:${s.lockPath}:${kinds.join('+')}`,
      source: 'locks',
      label: `${label(s.lockPath)}: ${kinds.join(', ')}`,
      detail: `${s.summary}${who}`,
      reveal: () => reveal(s.lockPath),
      fixes: [
        { label: '$(unlock) Break (safe takeover)…', command: BREAK_LOCK_COMMAND, args: [s.lockPath] },
        { label: '$(pulse) Probe', command: PROBE_LOCK_COMMAND, args: [s.lockPath] },
        { label: '$(go-to-file) Open lock file', command: REVEAL_LOCK_FILE_COMMAND, args: [s.lockPath] },
      ],
    });
  }
  for (const u of state.unreadable) {
    problems.push({ id: `locks:unreadable:${u.lockPath}`, source: 'locks', label: `${label(u.lockPath)}: cannot be inspected`, detail: u.message, fixes: [] });
  }
  return problems;
}
