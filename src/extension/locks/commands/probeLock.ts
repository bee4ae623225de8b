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
  if (lockProblems(snapshot).length) ctx.host.warn(line, details);
  else ctx.host.info(line, details);
  await ctx.model.refresh();
}
