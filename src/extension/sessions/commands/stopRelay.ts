import type { Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { SessionsModel } from '../sessionsModel';
import { STOP_RELAY_COMMAND } from './commandIds';

export { STOP_RELAY_COMMAND };

/**
 * Stops the embedded relay; with live sessions it asks first (they are closed with 1001
 * "going away"). Not trust-gated: stopping our own listener only ever reduces exposure.
 */
export async function stopRelayCommand(model: SessionsModel, host: Host, log: Log): Promise<void> {
  const state = model.refresh();
  if (!state.relay) {
    await model.stop();
    return;
  }
  const n = state.sessions.length;
  if (n > 0) {
    const ok = await host.confirm(
      `Stop the WebSocket relay at ${state.relay.url}?`,
      `${n} session${n === 1 ? '' : 's'} will be closed with 1001 "relay shutting down".`,
      'Stop Relay',
    );
    if (!ok) return;
  }
  await model.stop();
  log.info(`WebSocket relay at ${state.relay.url} stopped (${n} session${n === 1 ? '' : 's'} closed)`);
}
