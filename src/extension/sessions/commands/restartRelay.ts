import { requireTrust, type Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { SessionsModel } from '../sessionsModel';
import { RESTART_RELAY_COMMAND } from './commandIds';

export { RESTART_RELAY_COMMAND };

/** Closes every session with 1012 "service restart" and binds the same port again, after confirming. */
export async function restartRelayCommand(model: SessionsModel, host: Host, log: Log): Promise<void> {
  if (!requireTrust(host, 'Restart relay')) return;
  const state = model.refresh();
  if (!state.relay) {
    host.info('Flake Doctor: the WebSocket relay is not running; use Start Relay.');
    return;
  }
  const n = state.sessions.length;
  const ok = await host.confirm(
    `Restart the WebSocket relay at ${state.relay.url}?`,
    `${n} session${n === 1 ? '' : 's'} will be closed with 1012 "service restart"; the relay then listens on the same port again and peers may reconnect.`,
    'Restart Relay',
  );
  if (!ok) {
    log.info('Restart relay: cancelled by the user');
    return;
  }
  await host.withProgress('Restarting the WebSocket relay…', () => model.restart());
  const message = `Restarted the WebSocket relay at ${state.relay.url}: ${n} session${n === 1 ? '' : 's'} closed with 1012`;
  log.info(message);
  host.info(message);
}
