// Who queues behind a restart lock, from the attached processes' snapshots. Pure (no `vscode`).
import { resolve } from 'node:path';
import { coarseAge, formatDuration, inlineCode } from '../common/format';
import type { AttachedProcess } from './bridgeModel';

export interface LockWaiter {
  pid: number;
  /** "pid 123 · test/restart.test.ts" */
  name: string;
  command: string;
  since: number;
}

export function lockWaiters(processes: readonly AttachedProcess[], lockPath: string, nameOf: (p: AttachedProcess) => string): LockWaiter[] {
  const wanted = resolve(lockPath);
  const out: LockWaiter[] = [];
  for (const p of processes) {
    for (const lock of p.snapshot?.locks ?? []) {
      if (lock.state === 'waiting' && lock.lockPath === wanted) out.push({ pid: p.entry.pid, name: nameOf(p), command: p.entry.command, since: lock.since });
    }
  }
  return out.sort((a, b) => a.since - b.since);
}

/** " · 2 waiting (longest 15 s)": appended to the lock row's description. */
export function waitersSuffix(waiters: readonly LockWaiter[], now: number): string {
  if (waiters.length === 0) return '';
  return ` · ${waiters.length} waiting (longest ${coarseAge(now - waiters[0].since)})`;
}

export function waitersMarkdown(waiters: readonly LockWaiter[], now: number): string {
  if (waiters.length === 0) return '';
  const rows = waiters.map((w) => `- ${w.name}, waiting ${formatDuration(now - w.since)}: ${inlineCode(w.command)}`);
  return `\n\n**Waiting for this lock** (attached processes):\n\n${rows.join('\n')}`;
}
