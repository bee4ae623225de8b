import type { RestartLockSnapshot } from '../../../core/lock';
import { subjectOf } from '../../common/commandArg';
import type { Host } from '../../common/host';
import type { Log } from '../../common/log';
import { lockDescription, lockProblems } from '../locksFormat';
import type { LocksModel } from '../locksModel';

/** What every lock command needs, passed in by the feature. */
export interface LockCommandContext {
  model: LocksModel;
  host: Host;
  log: Log;
  /** The name the view shows for a lock path. */
  label(lockPath: string): string;
}

/**
 * The lock a command acts on: the clicked row (a lock or one of its files), a lock path (from
 * the status-bar problem list or another extension), or — from the palette — the user's pick.
 * Always answered with a fresh inspection, so an action never names a holder by stale facts.
 * A path the view does not list is refused: commands only ever touch files the user can see.
 */
export async function resolveLock(
  ctx: LockCommandContext,
  arg: unknown,
  placeHolder: string,
  filter: (s: RestartLockSnapshot) => boolean = () => true,
): Promise<RestartLockSnapshot | undefined> {
  const path = subjectOf(arg);
  if (path !== undefined) {
    if (!ctx.model.lockPaths().includes(path)) {
      ctx.host.warn(`Flake Doctor: ${path} is not a lock file listed in the Restart Locks view.`);
      return undefined;
    }
    return ctx.model.inspect(path);
  }
  const state = await ctx.model.refresh();
  const candidates = state.locks.filter(filter);
  if (candidates.length === 0) {
    ctx.host.info('Flake Doctor: no restart lock fits this action right now.');
    return undefined;
  }
  const now = Date.now();
  const picked = await ctx.host.pick(
    candidates.map((s) => ({ label: ctx.label(s.lockPath), description: lockDescription(s, now), detail: lockProblems(s).join('; ') || undefined, value: s })),
    { placeHolder },
  );
  return picked ? ctx.model.inspect(picked.lockPath) : undefined;
}
