import type { Host } from '../../common/host';
import type { SessionsModel } from '../sessionsModel';
import { COPY_URL_COMMAND } from './commandIds';

export { COPY_URL_COMMAND };

/** Copies the relay's base URL (never the token: peers add `/provider` or `/client` and their credential). */
export async function copyUrlCommand(model: SessionsModel, host: Host): Promise<void> {
  const url = model.state.relay?.url;
  if (!url) {
    host.info('Flake Doctor: the WebSocket relay is not running.');
    return;
  }
  await host.copy(url);
  host.info(`Copied ${url}`);
}
