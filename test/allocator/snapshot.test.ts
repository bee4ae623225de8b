import { describe, expect, it } from 'vitest';
import { addressesWithProblems, buildLoopbackSnapshot, type LoopbackListener, type ProcessTable } from '../../src/core/allocator/index';

// Pure function: process facts are a table here, so every state is reached deterministically.
const table: Record<number, { alive: boolean; start: number; ppid: number; cmd: string }> = {
  100: { alive: true, start: 1, ppid: 1, cmd: 'node suite.js' },
  101: { alive: true, start: 2, ppid: 100, cmd: 'node worker.js' },
  200: { alive: true, start: 3, ppid: 1, cmd: 'python3 lingering.py' },
  300: { alive: false, start: 4, ppid: 1, cmd: '' },
};
const facts: ProcessTable = {
  isAlive: (pid) => table[pid]?.alive ?? false,
  startTime: (pid) => table[pid]?.start ?? null,
  commandLine: (pid) => table[pid]?.cmd ?? null,
  uid: () => 0,
  parentPid: (pid) => table[pid]?.ppid ?? null,
};
const config = { start: 2, count: 5, probePorts: [9925, 9926] };
const lease = (pid: number, startTime: number | null) => ({ state: 'leased' as const, pid, startTime, token: 'tok', leasedAt: 10 });
const listen = (address: string, port: number, pid: number | null, wildcard = false): LoopbackListener => ({
  address,
  port,
  pid,
  command: pid ? (table[pid]?.cmd ?? null) : null,
  wildcard,
});

describe('buildLoopbackSnapshot', () => {
  const snapshot = buildLoopbackSnapshot({
    config,
    facts,
    now: 1000,
    scanError: null,
    pools: [
      {
        file: '/pool.json',
        error: null,
        content: {
          format: 'flake-doctor',
          start: 2,
          count: 5,
          slots: [lease(100, 1), lease(300, 4), { state: 'parked', parkedAt: 5, reason: 'ports did not free', pid: 100 }, null, lease(100, 99)],
        },
      },
    ],
    listeners: [
      listen('127.0.0.2', 9926, 101), // the holder's own worker: fine
      listen('127.0.0.5', 9926, 200), // lingering worker on a free address: conflict
      listen('127.0.0.1', 8080, 200), // outside the pool: foreign
    ],
  });
  const byAddress = Object.fromEntries(snapshot.addresses.map((a) => [a.address, a]));

  it('gives each address its state', () => {
    expect(byAddress['127.0.0.2']!.state).toBe('leased');
    expect(byAddress['127.0.0.2']!.ports[0]).toMatchObject({ port: 9926, pid: 101, heldByLeaseHolder: true, probePort: true });
    expect(byAddress['127.0.0.3']!.state).toBe('dead-holder');
    expect(byAddress['127.0.0.4']!.state).toBe('parked');
    expect(byAddress['127.0.0.5']!.state).toBe('conflict');
    expect(byAddress['127.0.0.5']!.problems[0]).toBe('probe port 9926 is held by pid 200 (python3 lingering.py) while the address is not leased');
    // pid 100 recorded with start time 99: the pid was reused, so the holder is dead.
    expect(byAddress['127.0.0.6']!.state).toBe('dead-holder');
    expect(byAddress['127.0.0.1']!.state).toBe('foreign');
    expect(snapshot.addresses.map((a) => a.address)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.1']);
  });

  it('lists problems, most serious first, and survives a JSON round trip', () => {
    expect(addressesWithProblems(snapshot).map((a) => a.address)).toEqual(['127.0.0.5', '127.0.0.3', '127.0.0.6']);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  it('reports a wildcard listener on a probe port against every pool address', () => {
    const wild = buildLoopbackSnapshot({
      config,
      facts,
      now: 0,
      scanError: null,
      pools: [],
      listeners: [listen('0.0.0.0', 9925, 200, true), listen('::', 7000, 200, true)],
    });
    const pool = wild.addresses.filter((a) => a.poolIndex !== null);
    expect(pool).toHaveLength(5);
    for (const a of pool) {
      expect(a.state).toBe('conflict');
      expect(a.problems[0]).toContain('on the wildcard address, shadowing');
    }
    // A wildcard on a non-probe port is not a conflict anywhere.
    expect(pool.every((a) => a.ports.every((p) => p.port === 9925))).toBe(true);
  });

  it('flags a leased address whose probe port is held by a process outside the holder tree', () => {
    const s = buildLoopbackSnapshot({
      config,
      facts,
      now: 0,
      scanError: null,
      pools: [{ file: 'f', error: null, content: { format: 'origin', start: 2, count: 1, slots: [lease(100, null)] } }],
      listeners: [listen('127.0.0.2', 9925, 200)],
    });
    expect(s.addresses[0]).toMatchObject({ state: 'conflict', poolFile: 'f' });
    expect(s.addresses[0]!.problems[0]).toContain('not by the lease holder 100');
  });

  it('carries a scan error instead of pretending there are no listeners', () => {
    const s = buildLoopbackSnapshot({
      config,
      facts,
      now: 0,
      scanError: 'no /proc',
      pools: [{ file: 'bad', error: 'corrupt', content: null }],
      listeners: null,
    });
    expect(s.scanError).toBe('no /proc');
    expect(s.pools).toEqual([{ file: 'bad', role: 'own', format: null, error: 'corrupt' }]);
  });
});
