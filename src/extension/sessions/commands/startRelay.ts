import type { Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { SessionsModel } from '../sessionsModel';
import { START_RELAY_COMMAND } from './commandIds';

export { START_RELAY_COMMAND };

/** Starts the embedded relay with the current settings (a start failure is shown in the view too). */
export async function startRelayCommand(model: SessionsModel, host: Host, log: Log, quiet = false): Promise<void> {
  if (model.isRunning) {
    if (!quiet) host.info(`Flake Doctor: the WebSocket relay is already running at ${model.state.relay?.url ?? '…'}.`);
    return;
  }
  try {
    await model.start();
  } catch (err) {
    log.error(`Start relay: ${(err as Error).message}`);
    host.error(`Flake Doctor: ${(err as Error).message}`);
    return;
  }
  const url = model.state.relay?.url ?? '?';
  log.info(`WebSocket relay listening at ${url} (providers: ${url}/provider, clients: ${url}/client)`);
  if (!quiet) host.info(`Flake Doctor: WebSocket relay listening at ${url}`);
}
