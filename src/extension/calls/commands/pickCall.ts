import type { CallSnapshot } from '../../../core/listener';
import { subjectOf } from '../../common/commandArg';
import type { Host } from '../../common/host';
import { callDescription } from '../callsFormat';
import type { CallsModel } from '../callsModel';

/**
 * The in-flight call a command acts on: the clicked row, a call id (from the status-bar
 * problem list or another extension), or — from the palette — the user's pick, stalled calls
 * first. Always answered from a fresh snapshot, so an action never names a call by stale facts.
 */
export async function resolveInFlightCall(model: CallsModel, host: Host, arg: unknown, placeHolder: string): Promise<CallSnapshot | undefined> {
  if (!model.isRunning) {
    host.info('Flake Doctor: the broker listener is not running.');
    return undefined;
  }
  const id = subjectOf(arg);
  if (id !== undefined) {
    const found = model.call(id);
    if (!found || found.outcome !== null) {
      host.info(`Flake Doctor: call ${found?.name ?? id} has already ended${found?.outcome ? ` (${found.outcome})` : ''}.`);
      return undefined;
    }
    return found;
  }
  const state = model.refresh();
  const candidates = [...(state.listener?.calls.inFlight ?? []), ...state.processCalls].sort(
    (a, b) => Number(b.stalled) - Number(a.stalled) || a.startedAt - b.startedAt,
  );
  if (candidates.length === 0) {
    host.info('Flake Doctor: no broker call is in flight.');
    return undefined;
  }
  const now = Date.now();
  return host.pick(
    candidates.map((call) => ({ label: `${call.stalled ? '$(warning) ' : ''}${call.name}`, description: callDescription(call, now), value: call })),
    { placeHolder },
  );
}
