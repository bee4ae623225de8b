import { stopProcess, type AddressEntry, type StopOutcome } from '../../../core/allocator';
import { osProcessFacts } from '../../../core/process';
import { requireTrust, type Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { LoopbackModel } from '../loopbackModel';
import { BREAK_ADDRESS_COMMAND } from './commandIds';
import { resolveAddress } from './pickAddress';

export { BREAK_ADDRESS_COMMAND };

interface Target {
  pid: number;
  startTime: number | null;
  command: string | null;
  ports: number[];
  refusal: string | null;
}

/** The processes that "Break" would stop, with why any of them will be left alone. */
export function breakTargets(entry: AddressEntry, selfPids: readonly number[], myUid: number | null): Target[] {
  const targets = new Map<number, Target>();
  for (const p of entry.ports) {
    if (p.pid === null) continue;
    const t = targets.get(p.pid) ?? { pid: p.pid, startTime: p.startTime, command: p.command, ports: [], refusal: null };
    t.ports.push(p.port);
    targets.set(p.pid, t);
  }
  for (const t of targets.values()) {
    const uid = osProcessFacts.uid(t.pid);
    if (selfPids.includes(t.pid)) t.refusal = 'this is VS Code itself';
    else if (myUid !== null && uid !== myUid) t.refusal = uid === null ? 'its owner cannot be determined' : `it belongs to uid ${uid}`;
  }
  return [...targets.values()];
}

function describe(outcome: StopOutcome): string {
  switch (outcome.result) {
    case 'terminated':
      return `pid ${outcome.pid} stopped (SIGTERM)`;
    case 'killed':
      return `pid ${outcome.pid} killed (SIGKILL after the grace period)`;
    case 'not-running':
      return `pid ${outcome.pid} had already exited`;
    default:
      return `pid ${outcome.pid} left alone: ${outcome.reason}`;
  }
}

/**
 * Stops the processes holding ports on an address, after a modal that names each pid and
 * command line. Only the current user's processes are touched; a pid that has since been
 * reused by another process is refused (start time check in stopProcess).
 */
export async function breakAddressCommand(model: LoopbackModel, host: Host, log: Log, arg: unknown): Promise<void> {
  if (!requireTrust(host, 'Break')) return;
  const entry = await resolveAddress(model, host, arg, 'Address whose holders to stop', (a) => a.ports.some((p) => p.pid !== null));
  if (!entry) return;
  const targets = breakTargets(entry, [process.pid, process.ppid], process.getuid?.() ?? null);
  const stoppable = targets.filter((t) => t.refusal === null);
  const hidden = entry.ports.filter((p) => p.pid === null).map((p) => p.port);
  if (stoppable.length === 0) {
    const why = [...targets.map((t) => `pid ${t.pid}: ${t.refusal}`), ...(hidden.length ? [`ports ${hidden.join(', ')}: holder not visible`] : [])];
    host.warn(`Flake Doctor: nothing on ${entry.address} can be stopped. ${why.join('; ') || 'No process holds a port there.'}`);
    return;
  }
  const grace = model.currentSettings.breakGraceMs;
  const detail = [
    ...stoppable.map((t) => `pid ${t.pid} (ports ${t.ports.join(', ')}): ${t.command ?? 'command line not visible'}`),
    ...targets.filter((t) => t.refusal).map((t) => `not touched — pid ${t.pid}: ${t.refusal}`),
    '',
    `Each gets SIGTERM, then SIGKILL if still running after ${grace / 1000} s.`,
  ].join('\n');
  const ok = await host.confirm(
    `Stop ${stoppable.length} process${stoppable.length === 1 ? '' : 'es'} holding ports on ${entry.address}?`,
    detail,
    'Stop Processes',
  );
  if (!ok) {
    log.info(`Break ${entry.address}: cancelled by the user`);
    return;
  }
  const outcomes = await host.withProgress(`Stopping holders on ${entry.address}…`, () =>
    Promise.all(stoppable.map((t) => stopProcess({ pid: t.pid, startTime: t.startTime }, { graceMs: grace }))),
  );
  for (const o of outcomes) log.info(`Break ${entry.address}: ${describe(o)}`);
  await model.refresh();
  const failed = outcomes.filter((o) => o.result === 'refused' || o.result === 'survived');
  const message = `Break ${entry.address}: ${outcomes.map(describe).join('; ')}`;
  if (failed.length) host.warn(message);
  else host.info(message);
}
