import { resolveLock, type LockCommandContext } from './pickLock';
import { COPY_HOLDER_PID_COMMAND } from './commandIds';

export { COPY_HOLDER_PID_COMMAND };

/** Copies the holder pid of the clicked lock, as it is now (not as the row last showed it). */
export async function copyHolderPidCommand(ctx: LockCommandContext, arg: unknown): Promise<void> {
  const snapshot = await resolveLock(ctx, arg, 'Lock whose holder pid to copy', (s) => s.holder !== null);
  if (!snapshot) return;
  if (!snapshot.holder) {
    ctx.host.info(`Flake Doctor: ${ctx.label(snapshot.lockPath)} has no holder now (${snapshot.summary}).`);
    return;
  }
  await ctx.host.copy(String(snapshot.holder.pid));
  ctx.host.info(`Copied pid ${snapshot.holder.pid}`);
}
