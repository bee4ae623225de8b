import type { RestartLockSnapshot } from '../../core/lock';
import { orphanedFiles } from './orphanedFiles';

// What Break may act on, and whether the lock is still the one the user confirmed. Pure (no
// `vscode`, no text: what the confirmation says is in locksFormat.ts): unit-tested.

/** Something to break: a lock that exists, or orphaned companion files (the break reaps them). */
export function isBreakable(s: RestartLockSnapshot): boolean {
  return s.state !== 'free' || orphanedFiles(s).length > 0;
}

/** Whether `now` still shows the lock the user confirmed breaking (`shown`). */
export function sameLock(shown: RestartLockSnapshot, now: RestartLockSnapshot): boolean {
  if (shown.holder || now.holder) return shown.holder?.token === now.holder?.token;
  if (shown.state === 'corrupt') return now.state === 'corrupt' && now.rawContent === shown.rawContent;
  return now.state === shown.state;
}
