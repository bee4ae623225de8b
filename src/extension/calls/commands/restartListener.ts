import { requireTrust, type Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { CallsModel } from '../callsModel';
import { RESTART_LISTENER_COMMAND } from './commandIds';

export { RESTART_LISTENER_COMMAND };

/** Deletes the listener's session and creates a new one, after confirming. */
export async function restartListenerCommand(model: CallsModel, host: Host, log: Log): Promise<void> {
  if (!requireTrust(host, 'Restart broker listener')) return;
  const l = model.refresh().listener;
  if (!l) {
    host.info('Flake Doctor: the broker listener is not running; use Start Listener.');
    return;
  }
  const n = l.calls.inFlight.length;
  const ok = await host.confirm(
    `Restart the broker listener for ${l.brokerUrl}?`,
    [
      l.sessionId ? `Session ${l.sessionId} is deleted and a new one is created.` : 'There is no session yet; a new run starts at once.',
      n ? `${n} call${n === 1 ? '' : 's'} in flight ${n === 1 ? 'is' : 'are'} aborted.` : '',
      `Message ${l.lastMessageId} stays acknowledged: no message is processed twice.`,
    ]
      .filter(Boolean)
      .join('\n'),
    'Restart Listener',
  );
  if (!ok) {
    log.info('Restart listener: cancelled by the user');
    return;
  }
  model.restart();
  const message = `Restarted the broker listener for ${l.brokerUrl}${l.sessionId ? ` (session ${l.sessionId} deleted)` : ''}`;
  log.info(message);
  host.info(message);
}
