import { lockProblems, probeReportParts } from '../locksFormat';
import { resolveLock, type LockCommandContext } from './pickLock';
import { PROBE_LOCK_COMMAND } from './commandIds';

export { PROBE_LOCK_COMMAND };

/** Inspects a lock afresh (holder liveness, age, companion files) and reports it. Read-only. */
export async function probeLockCommand(ctx: LockCommandContext, arg: unknown): Promise<void> {
  const snapshot = await resolveLock(ctx, arg, 'Lock to probe');
  if (!snapshot) return;
  const { line, details } = probeReportParts(ctx.label(snapshot.lockPath), snapshot);
  ctx.log.info(details.replace(/\n+/g, '; '));
  // "Show Details" adds the report to the lock's details document.
  const report = { subject: { kind: 'lock' as const, subject: snapshot.lockPath }, text: details };
  if (lockProblems(snapshot).length) ctx.host.warn(line, report);
  else ctx.host.info(line, report);
  await ctx.model.refresh();
}
