import type { RestartLockSnapshot } from '../../core/lock';
import { formatAge, holderAge, holderStatus, orphanedFiles, STATE_LABEL } from './locksFormat';

// What Break may act on and what it tells the user first. Pure (no `vscode`): unit-tested.

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

/** The modal's facts: who holds the lock, since when, and what the break will do. */
export function breakDetail(s: RestartLockSnapshot, now: number): string {
  const lines: string[] = [];
  const h = s.holder;
  if (h) {
    lines.push(`State: ${STATE_LABEL[s.state]}. Holder pid ${h.pid}: ${holderStatus(h)}.`);
    lines.push(`Command line: ${h.commandLine ?? 'not known'}`);
    const age = holderAge(h, now);
    lines.push(`Age: ${age === null ? 'unknown' : formatAge(age)} (taken ${new Date(h.timestamp).toISOString()})`);
    lines.push(`Token: ${h.token}`);
  } else {
    lines.push(`State: ${STATE_LABEL[s.state]}${s.corruptReason ? ` (${s.corruptReason})` : ''}.`);
    if (s.rawContent !== null) lines.push(`Content: ${JSON.stringify(s.rawContent.slice(0, 120))}`);
  }
  for (const kind of orphanedFiles(s)) {
    const aux = kind === 'mutex' ? s.mutex : s.reclaim;
    lines.push(`Orphaned .${kind}${aux?.holderPid != null ? ` of pid ${aux.holderPid}` : ''}, ${formatAge(aux?.ageMs ?? 0)} old.`);
  }
  if (s.state === 'held') lines.push('', 'The holder is running and its lock is fresh: a safe break will be refused, and you will be asked again before forcing it.');
  lines.push(
    '',
    'The lock is taken over and removed within one hold of its registry mutex, as a waiting process would; if another process has taken the lock since it was shown, nothing is removed.',
  );
  return lines.join('\n');
}
