import type { RestartLockSnapshot } from '../../core/lock';

// Which companion files of a lock were left behind by crashed processes, as the core's
// snapshot says (`stale`). Shared by what Break may act on (breakPolicy.ts) and what the rows
// say (locksFormat.ts), so neither depends on the other. No `vscode`, no text.

/** A lock's companion files: `<lock>.mutex` (every transition) and `<mutex>.reclaim` (reaping a stale mutex). */
export type AuxKind = 'mutex' | 'reclaim';

/** The `.mutex` / `.reclaim` files left by crashed processes. */
export function orphanedFiles(s: RestartLockSnapshot): AuxKind[] {
  const kinds: AuxKind[] = [];
  if (s.mutex?.stale) kinds.push('mutex');
  if (s.reclaim?.stale) kinds.push('reclaim');
  return kinds;
}
