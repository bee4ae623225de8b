import { breakRestartLock, type BreakReport } from '../../../core/lock';
import { formatDuration } from '../../common/format';
import { requireTrust } from '../../common/host';
import { isBreakable, sameLock } from '../breakPolicy';
import { breakDetail, STATE_LABEL } from '../locksFormat';
import { resolveLock, type LockCommandContext } from './pickLock';
import { BREAK_LOCK_COMMAND } from './commandIds';

export { BREAK_LOCK_COMMAND };
export const KEEP_LOCK = 'Keep the Lock';
export const FORCE_BREAK = 'Force Break';

function describe(label: string, report: BreakReport): string {
  const reaped = report.reaped.map((r) => `reaped ${r.kind === 'stale-mutex' ? 'stale .mutex' : 'orphaned .reclaim'} (${formatDuration(r.ageMs)} old)`);
  return `Break ${label}: ${[report.message, ...reaped].join('; ')}`;
}

/**
 * Breaks a lock after a modal naming its holder (pid, command line, age). Safe takeover only:
 * `expectedToken` pins the break to the holder shown, the core re-judges under the mutex, and
 * a live holder's fresh lock is refused. Only then, after a second, explicit confirmation, is
 * a forced break of that same holder attempted.
 */
export async function breakLockCommand(ctx: LockCommandContext, arg: unknown): Promise<void> {
  if (!requireTrust(ctx.host, 'Break lock')) return;
  const shown = await resolveLock(ctx, arg, 'Lock to break', isBreakable);
  if (!shown) return;
  const { model, host, log } = ctx;
  const label = ctx.label(shown.lockPath);
  if (!isBreakable(shown)) {
    host.info(`Flake Doctor: ${label} is free; there is nothing to break.`);
    await model.refresh();
    return;
  }
  const title = shown.holder
    ? `Break the restart lock ${label} held by pid ${shown.holder.pid}?`
    : `Break the ${STATE_LABEL[shown.state]} restart lock ${label}?`;
  if (!(await host.confirm(title, breakDetail(shown, Date.now()), 'Break Lock'))) {
    log.info(`Break ${label}: cancelled by the user`);
    return;
  }
  // The modal may have been open for a while: break only the lock the user saw.
  const current = await model.inspect(shown.lockPath);
  if (!sameLock(shown, current)) {
    const message = `Break ${label}: not broken, the lock changed while you were deciding (${current.summary})`;
    log.info(message);
    host.warn(message);
    await model.refresh();
    return;
  }
  const { staleMs, mutexStaleMs } = model.currentSettings;
  const expectedToken = shown.holder?.token;
  let report = await breakRestartLock(shown.lockPath, { expectedToken, staleMs, mutexStaleMs });
  log.info(describe(label, report));
  const liveHolderRefused =
    report.outcome === 'refused' && report.judgedState === 'held' && expectedToken !== undefined && report.previous?.token === expectedToken;
  if (liveHolderRefused && shown.holder) {
    const h = shown.holder;
    // The safe answer is the modal's first, focused button: Enter twice never forces a break.
    const answer = await host.ask(
      `Force the break? pid ${h.pid} is running and its lock is fresh.`,
      [
        `Command line: ${h.commandLine ?? 'not known'}`,
        '',
        `Forcing removes the lock while pid ${h.pid} may still be restarting. Another process can then take the lock and two restarts run at once — the failure this lock exists to prevent. Force only if you know pid ${h.pid} is stuck.`,
        '',
        'Only this holder is affected: if the lock has another holder by now, nothing is removed.',
      ].join('\n'),
      [KEEP_LOCK, FORCE_BREAK],
    );
    if (answer !== FORCE_BREAK) {
      log.info(`Break ${label}: forced break declined by the user`);
      host.info(describe(label, report));
      await model.refresh();
      return;
    }
    report = await breakRestartLock(shown.lockPath, { force: true, expectedToken, staleMs, mutexStaleMs });
    log.info(describe(label, report));
  }
  const after = await model.inspect(shown.lockPath);
  await model.refresh();
  // A break clears an orphaned `.reclaim`; if one is still there (say, re-created meanwhile), say so rather than imply it is gone.
  const leftover = after.reclaim?.stale ? '; an orphaned .reclaim is still present' : '';
  if (report.outcome === 'refused') host.warn(describe(label, report) + leftover);
  else host.info(describe(label, report) + leftover);
}
