import { stopProcess } from '../../../core/allocator';
import { osProcessFacts } from '../../../core/process';
import { subjectOf } from '../../common/commandArg';
import { requireTrust, type Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { ServerRow } from '../serverRows';
import { STOP_SERVER_COMMAND } from './commandIds';

export { STOP_SERVER_COMMAND };

/**
 * Break on an orphaned server (or the holder of a failed listen): after a modal naming the pid,
 * its command line and what started it, SIGTERM, then SIGKILL after the grace period. Only the
 * current user's processes, never VS Code itself, and never a pid since reused by another
 * process (stopProcess checks the recorded start time).
 */
export async function stopServerCommand(rows: () => readonly ServerRow[], graceMs: number, host: Host, log: Log, arg: unknown): Promise<void> {
  if (!requireTrust(host, 'Break')) return;
  const subject = subjectOf(arg);
  const row = rows().find((r) => r.subject === subject && r.stop !== null);
  if (!row || !row.stop) {
    host.warn(`Flake Doctor: no orphaned server or address holder to stop on ${subject ?? 'that row'} (it may have exited already).`);
    return;
  }
  const { pid, startTime, command } = row.stop;
  const myUid = process.getuid?.() ?? null;
  const owner = osProcessFacts.uid(pid);
  const refusal =
    pid === process.pid || pid === process.ppid
      ? 'this is VS Code itself'
      : myUid !== null && owner !== myUid
        ? owner === null
          ? 'its owner cannot be determined'
          : `it belongs to uid ${owner}`
        : null;
  if (refusal) {
    host.warn(`Flake Doctor: pid ${pid} on ${row.subject} is left alone: ${refusal}.`);
    return;
  }
  const detail = [
    `pid ${pid}: ${command ?? 'command line not visible'}`,
    ...row.facts.slice(1),
    '',
    `It gets SIGTERM, then SIGKILL if still running after ${graceMs / 1000} s.`,
  ].join('\n');
  const ok = await host.confirm(`Stop pid ${pid} listening on ${row.subject}?`, detail, 'Stop Process');
  if (!ok) {
    log.info(`Break ${row.subject}: cancelled by the user`);
    return;
  }
  const outcome = await host.withProgress(`Stopping pid ${pid} on ${row.subject}…`, () => stopProcess({ pid, startTime }, { graceMs }));
  const said =
    outcome.result === 'terminated'
      ? `pid ${pid} stopped (SIGTERM)`
      : outcome.result === 'killed'
        ? `pid ${pid} killed (SIGKILL after the grace period)`
        : outcome.result === 'not-running'
          ? `pid ${pid} had already exited`
          : `pid ${pid} left alone: ${'reason' in outcome ? outcome.reason : outcome.result}`;
  log.info(`Break ${row.subject}: ${said}`);
  if (outcome.result === 'refused' || outcome.result === 'survived') host.warn(`Break ${row.subject}: ${said}`);
  else host.info(`Break ${row.subject}: ${said}`);
}
