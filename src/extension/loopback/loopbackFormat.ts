// The text and order of the Loopback Addresses rows, from a snapshot. Pure (no `vscode`), so
// what the view shows is unit-tested.

import type { AddressEntry, AddressState } from '../../core/allocator';
import { STATE_WORDS } from '../../core/doctor/problem';

/** Problems first (most severe first), then what is in use, then — folded — the free addresses. */
const ORDER: AddressState[] = ['conflict', 'dead-holder', 'parked', 'leased', 'foreign', 'free'];

export const ADDRESS_STATE_WORDS: Record<AddressState, string> = {
  free: 'free',
  leased: 'leased',
  'dead-holder': STATE_WORDS['dead-holder'],
  conflict: STATE_WORDS.conflict,
  parked: STATE_WORDS.parked,
  foreign: 'not in pool',
};

export function isProblem(entry: AddressEntry): boolean {
  return entry.problems.length > 0 || entry.state === 'conflict' || entry.state === 'dead-holder' || entry.state === 'parked';
}

export interface AddressRows {
  /** Rows at the top level, in order. */
  shown: AddressEntry[];
  /** Free addresses, listed under one "N free" row (empty while showing only problems). */
  free: AddressEntry[];
}

/** What the view lists: everything (free ones folded), or only the addresses with a problem. */
export function addressRows(entries: readonly AddressEntry[], onlyProblems: boolean): AddressRows {
  const rank = (e: AddressEntry) => (isProblem(e) ? 0 : 1) * 10 + ORDER.indexOf(e.state);
  const sorted = entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i)
    .map((x) => x.e);
  if (onlyProblems) return { shown: sorted.filter(isProblem), free: [] };
  return { shown: sorted.filter((e) => e.state !== 'free' || isProblem(e)), free: sorted.filter((e) => e.state === 'free' && !isProblem(e)) };
}

/** The state first, then who holds it, then how many ports: "conflict · pid 4242 · 2 ports". */
export function addressDescription(entry: AddressEntry, holderName: string | null): string {
  const parts: string[] = [ADDRESS_STATE_WORDS[entry.state]];
  if (entry.holder) parts.push(holderName ?? `pid ${entry.holder.pid}`);
  if (entry.foreignPool && (entry.holder || entry.parked)) parts.push('foreign pool');
  if (entry.ports.length) parts.push(`${entry.ports.length} port${entry.ports.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** "127.0.0.2–127.0.0.9, 127.0.0.12": the free addresses in ranges, for the folded row's tooltip. */
export function addressRanges(entries: readonly AddressEntry[]): string {
  const octets = entries.map((e) => Number(e.address.split('.')[3])).sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < octets.length;) {
    let j = i;
    while (j + 1 < octets.length && octets[j + 1] === octets[j] + 1) j++;
    out.push(i === j ? `127.0.0.${octets[i]}` : `127.0.0.${octets[i]}–127.0.0.${octets[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}
