import type { Host } from '../../common/host';
import type { CallsModel } from '../callsModel';
import { COPY_BROKER_URL_COMMAND } from './commandIds';

export { COPY_BROKER_URL_COMMAND };

/** Copies the broker URL (the running listener's, else the configured one). */
export async function copyBrokerUrlCommand(model: CallsModel, host: Host): Promise<void> {
  const url = model.state.listener?.brokerUrl ?? model.currentSettings.brokerUrl;
  if (!url) {
    host.info('Flake Doctor: no broker URL is set (flakeDoctor.calls.brokerUrl).');
    return;
  }
  await host.copy(url);
  host.info(`Copied ${url}`);
}
