import type { Host } from '../../common/host';
import type { Log } from '../../common/log';
import { formatRtt, remoteOf } from '../sessionsFormat';
import type { SessionsModel } from '../sessionsModel';
import { resolveSession } from './pickSession';
import { PROBE_SESSION_COMMAND } from './commandIds';

export { PROBE_SESSION_COMMAND };

/**
 * Sends a PING now, through the session's own queue (so it measures what the peer
 * experiences, queue included), and reports the PONG round trip.
 */
export async function probeSessionCommand(model: SessionsModel, host: Host, log: Log, arg: unknown): Promise<void> {
  const target = await resolveSession(model, host, arg, 'Session to PING');
  if (!target) return;
  const s = target.session;
  const who = `${s.id} (${s.role}, ${remoteOf(s)})`;
  try {
    const rttMs = await host.withProgress(`PING ${s.id}…`, () => model.probe(s.id));
    const message = `Probe ${who}: PONG in ${formatRtt(rttMs)}`;
    log.info(message);
    host.info(message);
  } catch (err) {
    const message = `Probe ${who}: ${(err as Error).message}`;
    log.warn(message);
    host.warn(message);
  }
  model.refresh();
}
