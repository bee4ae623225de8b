import { formatDuration } from '../../common/format';
import type { Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { CallsModel } from '../callsModel';
import { PROBE_BROKER_COMMAND } from './commandIds';

export { PROBE_BROKER_COMMAND };

function latency(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : formatDuration(ms);
}

/**
 * Times one lightweight request (GET on the broker's root) and reports it. Bounded by the
 * control-plane deadline, and through the running listener's tracker when there is one, so a
 * probe of a stalling broker shows up in the view as a stalled call, not as a frozen command.
 */
export async function probeBrokerCommand(model: CallsModel, host: Host, log: Log): Promise<void> {
  const url = model.state.listener?.brokerUrl ?? model.currentSettings.brokerUrl;
  if (!url) {
    host.info('Flake Doctor: set flakeDoctor.calls.brokerUrl to probe a broker.');
    return;
  }
  const result = await host.withProgress(`Probing ${url}…`, () => model.probe());
  const message = result.ok
    ? `Probe ${url}: HTTP ${result.status} in ${latency(result.latencyMs)}`
    : `Probe ${url}: ${result.status !== null ? `HTTP ${result.status}` : 'no answer'} after ${latency(result.latencyMs)}${result.error ? ` (${result.error})` : ''}`;
  if (result.ok) {
    log.info(message);
    host.info(message);
  } else {
    log.warn(message);
    host.warn(message);
  }
  model.refresh();
}
