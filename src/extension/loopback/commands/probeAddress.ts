import { probeAddress } from '../../../core/allocator';
import type { Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { LoopbackModel } from '../loopbackModel';
import { PROBE_ADDRESS_COMMAND } from './commandIds';
import { resolveAddress } from './pickAddress';

export { PROBE_ADDRESS_COMMAND };

/** Runs the conflict canary on every probe port of an address and reports each port. */
export async function probeAddressCommand(model: LoopbackModel, host: Host, log: Log, arg: unknown): Promise<void> {
  const entry = await resolveAddress(model, host, arg, 'Address to probe');
  if (!entry) return;
  const { probePorts } = model.currentSettings.config;
  const results = await host.withProgress(`Probing ${entry.address}…`, () => probeAddress(entry.address, probePorts, model.currentSettings.connectProbe));
  const snapshot = await model.refresh();
  const fresh = snapshot.addresses.find((a) => a.address === entry.address);
  const lines = results.map((r) => {
    const holder = fresh?.ports.find((p) => p.port === r.port);
    const who = holder?.pid ? ` by pid ${holder.pid}${holder.command ? ` (${holder.command})` : ''}` : '';
    if (r.inUse) return `port ${r.port}: in use${who}`;
    if (r.accepting) return `port ${r.port}: accepts connections${who} (a listener the bind could not see)`;
    return `port ${r.port}: free`;
  });
  // The toast says what matters first — which ports are held, and by which pid — without the
  // command lines that would push it out of sight; "Show Details" and the log have them.
  const held = results
    .filter((r) => r.inUse || r.accepting)
    .map((r) => {
      const pid = fresh?.ports.find((p) => p.port === r.port)?.pid;
      return `${r.port} held${pid ? ` by pid ${pid}` : ''}`;
    });
  const line = `Probe ${entry.address}: ${held.length ? held.join(', ') : `all ${results.length} probe ports free`}`;
  log.info(`${line} — ${lines.join('; ')}`);
  // "Show Details" adds the per-port lines to the address's details document.
  const details = { subject: { kind: 'address' as const, subject: entry.address }, text: lines.join('\n') };
  if (held.length) host.warn(line, details);
  else host.info(line, details);
}
