// What the vitest plugin names when a test fails, from the facts a worker gathers.
import { describe, expect, it } from 'vitest';
import type { BridgeSnapshot } from '../../src/core/bridge/types';
import { endpointsInErrors, failureCulprits, formatSection } from '../../src/vitest/culprits';

const snapshot = (over: Partial<BridgeSnapshot>): BridgeSnapshot =>
  ({
    schemaVersion: 1,
    seq: 1,
    takenAt: 0,
    process: { pid: 10 },
    stallThresholdMs: 1,
    httpCalls: [],
    relays: [],
    listeners: [],
    leases: [],
    locks: [],
    ...over,
  }) as unknown as BridgeSnapshot;

describe('endpointsInErrors', () => {
  it('finds address:port in connection errors only', () => {
    expect(
      endpointsInErrors(['listen EADDRINUSE: address already in use 127.0.0.5:9926', 'connect ECONNREFUSED ::1:80', 'expected 127.0.0.1:3 to be 4']),
    ).toEqual([
      { address: '127.0.0.5', port: 9926 },
      { address: '::1', port: 80 },
    ]);
  });
});

describe('failureCulprits', () => {
  const base = { now: 2_000, stallThresholdMs: 1_000, errorEndpoints: [], locks: new Map(), isOwn: (pid: number) => pid === 10 };

  it('names calls older than the threshold, and their local server', () => {
    const culprits = failureCulprits({
      ...base,
      snapshot: snapshot({
        httpCalls: [
          { id: 'a', method: 'GET', url: 'http://127.0.0.1:5/hang', startedAt: 500, deadlineAt: null, stalled: false, phase: 'awaiting-headers', status: null },
          {
            id: 'b',
            method: 'GET',
            url: 'http://127.0.0.1:5/new',
            startedAt: 1_900,
            deadlineAt: null,
            stalled: false,
            phase: 'awaiting-headers',
            status: null,
          },
        ],
      }),
      listeners: [{ address: '127.0.0.1', port: 5, pid: 33, command: 'broker', wildcard: false }],
    });
    expect(culprits).toEqual([expect.objectContaining({ kind: 'call', subject: 'GET http://127.0.0.1:5/hang', culprit: { pid: 33, command: 'broker' } })]);
    expect(culprits[0].message).toContain('in flight for 1.5 s');
  });

  it('names other processes on a leased address or a failing endpoint, never this worker or its children', () => {
    const culprits = failureCulprits({
      ...base,
      snapshot: snapshot({ leases: [{ id: 'l', address: '127.0.0.9', poolFile: '/p', index: 0, leasedAt: 0 }] }),
      errorEndpoints: [{ address: '127.0.0.7', port: 80 }],
      listeners: [
        { address: '127.0.0.9', port: 1234, pid: 50, command: 'lingering', wildcard: false },
        { address: '127.0.0.9', port: 9999, pid: 10, command: 'this worker', wildcard: false },
        { address: '0.0.0.0', port: 80, pid: 51, command: 'wildcard', wildcard: true },
      ],
    });
    expect(culprits.map((c) => [c.subject, c.culprit?.pid])).toEqual([
      ['127.0.0.9:1234', 50],
      ['127.0.0.7:80', 51],
    ]);
  });

  it('formats nothing when there is nothing to name', () => {
    expect(formatSection([], 1)).toBe('');
    expect(formatSection([{ kind: 'lock', subject: '/l', message: 'waiting', culprit: { pid: 4, command: null } }], 1)).toContain('culprit: pid 4');
  });
});
