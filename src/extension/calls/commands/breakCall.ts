import { requireTrust, type Host } from '../../common/host';
import type { Log } from '../../common/log';
import { exactAgeAgainstDeadline } from '../callsFormat';
import type { CallsModel } from '../callsModel';
import { BREAK_CALL_COMMAND } from './commandIds';
import { resolveInFlightCall } from './pickCall';

export { BREAK_CALL_COMMAND };

/**
 * Aborts one call in flight after a modal naming it (name, method, URL, age against its
 * deadline). The listener treats a user abort as "retry now": an aborted long poll or job
 * acquisition is simply made again; any other call restarts the run at once, without backoff.
 */
export async function breakCallCommand(model: CallsModel, host: Host, log: Log, arg: unknown): Promise<void> {
  if (!requireTrust(host, 'Break broker call')) return;
  const call = await resolveInFlightCall(model, host, arg, 'Call to abort');
  if (!call) return;
  const who = `${call.name} (${call.method} ${call.url})`;
  const external = call.kind === 'external';
  const detail = [
    `In flight for ${exactAgeAgainstDeadline(call, Date.now())}${call.stalled ? ', stalled' : ''}; ${call.phase === 'awaiting-headers' ? 'no answer yet' : 'the body is incomplete'}.`,
    external
      ? 'This call was made by other code in this process; it gets an abort error.'
      : call.kind === 'long-poll' || call.name === 'acquireJobs'
        ? 'The listener makes the call again at once, keeping its session.'
        : 'The listener starts a new run at once (new token and session).',
  ].join('\n');
  const ok = await host.confirm(`Abort broker call ${who}?`, detail, 'Abort Call');
  if (!ok) {
    log.info(`Break ${call.name} (${call.id}): cancelled by the user`);
    return;
  }
  const aborted = model.abortCall(call.id);
  const message = aborted
    ? `Break ${who}: aborted after ${exactAgeAgainstDeadline(call, Date.now())}${external ? '' : '; the listener retries'}`
    : `Break ${who}: it had already ended, or cannot be aborted yet (an external call gets its abort handle once it has a connection)`;
  if (aborted) log.info(message);
  else log.warn(message);
  host.info(message);
}
