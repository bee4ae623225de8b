import * as vscode from 'vscode';
import type { AddressEntry } from '../../../core/allocator';
import { AddressItem } from '../addressItem';
import type { LoopbackModel } from '../loopbackModel';
import { PortItem } from '../portItem';

/**
 * The address a command acts on: the clicked tree item, an address string (from the
 * status-bar problem list or another extension), or — from the palette — the user's pick.
 * Always answered from a fresh snapshot, so an action never works on stale facts.
 */
export async function resolveAddress(model: LoopbackModel, arg: unknown, placeHolder: string, filter: (a: AddressEntry) => boolean = () => true): Promise<AddressEntry | undefined> {
  let address: string | undefined;
  if (arg instanceof AddressItem) address = arg.entry.address;
  else if (arg instanceof PortItem) address = arg.address.address;
  else if (typeof arg === 'string') address = arg;
  const snapshot = await model.refresh();
  if (address) return snapshot.addresses.find((a) => a.address === address);
  const candidates = snapshot.addresses.filter(filter);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('Flake Doctor: no loopback address fits this action right now.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((a) => ({ label: a.address, description: a.state, detail: a.problems.join('; ') || undefined, entry: a })),
    { placeHolder },
  );
  return picked?.entry;
}
