import type { AddressEntry } from '../../../core/allocator';
import { subjectOf } from '../../common/commandArg';
import type { Host } from '../../common/host';
import type { LoopbackModel } from '../loopbackModel';

/**
 * The address a command acts on: the clicked tree item, an address string (from the
 * status-bar problem list or another extension), or — from the palette — the user's pick.
 * Always answered from a fresh snapshot, so an action never works on stale facts.
 */
export async function resolveAddress(
  model: LoopbackModel,
  host: Host,
  arg: unknown,
  placeHolder: string,
  filter: (a: AddressEntry) => boolean = () => true,
): Promise<AddressEntry | undefined> {
  const address = subjectOf(arg);
  const snapshot = await model.refresh();
  if (address) return snapshot.addresses.find((a) => a.address === address);
  const candidates = snapshot.addresses.filter(filter);
  if (candidates.length === 0) {
    host.info('Flake Doctor: no loopback address fits this action right now.');
    return undefined;
  }
  return host.pick(
    candidates.map((a) => ({ label: a.address, description: a.state, detail: a.problems.join('; ') || undefined, value: a })),
    { placeHolder },
  );
}
