import { describe, expect, it } from 'vitest';
import type { AddressEntry } from '../../src/core/allocator';
import { addressDescription, addressRanges, addressRows } from '../../src/extension/loopback/loopbackFormat';

const entry = (octet: number, state: AddressEntry['state'], over: Partial<AddressEntry> = {}): AddressEntry =>
  ({
    address: `127.0.0.${octet}`,
    state,
    poolIndex: octet - 2,
    ports: [],
    problems: state === 'conflict' || state === 'dead-holder' ? ['x'] : [],
    holder: null,
    parked: null,
    foreignPool: false,
    poolFile: null,
    poolFormat: null,
    originStart: null,
    ...over,
  }) as AddressEntry;

describe('Loopback Addresses rows', () => {
  const entries = [entry(2, 'free'), entry(3, 'leased'), entry(4, 'free'), entry(5, 'conflict'), entry(6, 'free'), entry(7, 'dead-holder'), entry(9, 'free')];

  it('lists problems first, then what is in use, and folds the free addresses into one row', () => {
    const rows = addressRows(entries, false);
    expect(rows.shown.map((e) => e.address)).toEqual(['127.0.0.5', '127.0.0.7', '127.0.0.3']);
    expect(rows.free.map((e) => e.address)).toEqual(['127.0.0.2', '127.0.0.4', '127.0.0.6', '127.0.0.9']);
    expect(addressRanges(rows.free)).toBe('127.0.0.2, 127.0.0.4, 127.0.0.6, 127.0.0.9');
    expect(addressRanges([entry(2, 'free'), entry(3, 'free'), entry(4, 'free'), entry(8, 'free')])).toBe('127.0.0.2–127.0.0.4, 127.0.0.8');
  });

  it('shows only the addresses with a problem when filtered', () => {
    expect(addressRows(entries, true)).toEqual({ shown: [entries[3], entries[5]], free: [] });
  });

  it('puts the state first, in the shared vocabulary', () => {
    expect(addressDescription(entry(7, 'dead-holder', { holder: { pid: 42 } as AddressEntry['holder'] }), null)).toBe('dead holder · pid 42');
  });
});
