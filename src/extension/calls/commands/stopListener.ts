import type { Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { CallsModel } from '../callsModel';
import { STOP_LISTENER_COMMAND } from './commandIds';

export { STOP_LISTENER_COMMAND };

/**
 * Stops the listener: its calls are aborted and its session deleted under a short grace.
 * Not trust-gated and not confirmed: stopping our own listener only ever reduces activity,
 * and Start brings it back.
 */
export async function stopListenerCommand(model: CallsModel, host: Host, log: Log): Promise<void> {
  const url = model.state.listener?.brokerUrl;
  if (!url) {
    host.info('Flake Doctor: the broker listener is not running.');
    return;
  }
  await host.withProgress(`Stopping the broker listener for ${url}…`, () => model.stop());
  log.info(`Broker listener for ${url} stopped`);
}
