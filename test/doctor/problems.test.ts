// The doctor's problem derivations from core snapshots: which states are problems, and which
// process each one blames.
import { describe, expect, it } from 'vitest';
import { buildLoopbackSnapshot } from '../../src/core/allocator/snapshot';
import type { BridgeSnapshot } from '../../src/core/bridge/types';
import { bridgeProblems, lockProblems, loopbackProblems, serverForUrl } from '../../src/core/doctor';
import type { RestartLockSnapshot } from '../../src/core/lock/inspect';
import type { ProcessTable } from '../../src/core/process';

const facts = (alive: number[]): ProcessTable => ({
  isAlive: (pid) => alive.includes(pid),
  startTime: () => null,
  commandLine: (pid) => (alive.includes(pid) ? `cmd-${pid}` : null),
  uid: () => 0,
  parentPid: () => 1,
});

describe('loopbackProblems', () => {
  const snapshot = buildLoopbackSnapshot({
    config: { start: 10, count: 3, probePorts: [9926] },
    pools: [
      {
        file: '/pool.json',
        content: { format: 'flake-doctor', start: 10, slots: [{ state: 'leased', pid: 500, startTime: null, leasedAt: 1, token: 't' }, null, null] } as never,
        error: null,
      },
      { file: '/broken.json', content: null, error: 'not JSON' },
    ],
    listeners: [{ address: '127.0.0.11', port: 9926, pid: 700, command: 'python3 lingering.py', wildcard: false }],
    scanError: null,
    facts: facts([700]),
    now: 0,
  });
  const problems = loopbackProblems(snapshot);

  it('a probe port held by another process is a conflict blaming that process', () => {
    expect(problems.find((p) => p.state === 'conflict')).toMatchObject({
      area: 'loopback',
      subject: '127.0.0.11',
      severity: 'error',
      culprit: { pid: 700, command: 'python3 lingering.py' },
    });
  });
  it('a dead lease holder blames the holder; an unreadable pool file is a problem of its own', () => {
    expect(problems.find((p) => p.state === 'dead-holder')).toMatchObject({ subject: '127.0.0.10', severity: 'warning', culprit: { pid: 500 } });
    expect(problems.find((p) => p.state === 'pool-unreadable')).toMatchObject({ subject: '/broken.json', culprit: null });
    expect(problems).toHaveLength(3);
  });
});

describe('lockProblems', () => {
  const base: RestartLockSnapshot = {
    lockPath: '/l',
    inspectedAt: 0,
    state: 'held',
    summary: 'held',
    holder: {
      pid: 9,
      token: 't',
      timestamp: 0,
      ageMs: 0,
      host: 'h',
      startTime: null,
      bootId: null,
      liveness: 'alive',
      alive: true,
      commandLine: 'node holder',
      recordedCommand: null,
      assumedLocal: false,
    },
    corruptReason: null,
    rawContent: null,
    mutex: null,
    reclaim: null,
    thresholds: { staleMs: 30_000, mutexStaleMs: 5_000 },
  };
  it('a live holder is not a problem; dead holder, stale and corrupt are, orphaned companions too', () => {
    expect(lockProblems([base])).toEqual([]);
    const problems = lockProblems(
      [
        { ...base, lockPath: '/dead', state: 'dead-holder', summary: 'dead holder' },
        { ...base, lockPath: '/corrupt', state: 'corrupt', summary: 'corrupt', holder: null },
        { ...base, lockPath: '/m', mutex: { path: '/m.mutex', ageMs: 9000, stale: true, holderPid: 42, holderRunning: false } },
      ],
      [{ lockPath: '/x', message: 'EACCES' }],
    );
    expect(problems.map((p) => [p.subject, p.state, p.culprit?.pid ?? null])).toEqual([
      ['/dead', 'dead-holder', 9],
      ['/corrupt', 'corrupt', null],
      ['/m.mutex', 'orphaned-mutex', 42],
      ['/x', 'lock-unreadable', null],
    ]);
  });
});

describe('bridgeProblems with the observer’s stall threshold', () => {
  const snapshot = {
    schemaVersion: 1,
    seq: 1,
    takenAt: 10_000,
    process: { pid: 77, threadId: 0, command: 'node worker' },
    stallThresholdMs: 10_000,
    httpCalls: [
      {
        id: 'http:1',
        method: 'GET',
        url: 'http://127.0.0.1:4000/jobs',
        startedAt: 9_000,
        deadlineAt: null,
        stalled: false,
        phase: 'awaiting-headers',
        status: null,
      },
      {
        id: 'http:2',
        method: 'GET',
        url: 'http://127.0.0.1:4000/fast',
        startedAt: 9_900,
        deadlineAt: null,
        stalled: false,
        phase: 'awaiting-headers',
        status: null,
      },
    ],
    relays: [],
    listeners: [],
    leases: [],
    locks: [],
  } as unknown as BridgeSnapshot;

  it('trusts the process without a threshold, judges by age with one, and names the local server', () => {
    expect(bridgeProblems(snapshot)).toEqual([]);
    const problems = bridgeProblems(snapshot, {
      backlogWarningBytes: 1 << 20,
      stallThresholdMs: 500,
      serverOf: (url) => serverForUrl(url, [{ address: '127.0.0.1', port: 4000, pid: 88, command: 'broker', wildcard: false }]),
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      area: 'calls',
      state: 'stalled',
      subject: 'GET http://127.0.0.1:4000/jobs',
      process: { pid: 77 },
      culprit: { pid: 88, command: 'broker' },
    });
  });
});

describe('serverForUrl', () => {
  const listeners = [
    { address: '0.0.0.0', port: 80, pid: 1, command: 'wild', wildcard: true },
    { address: '127.0.0.1', port: 80, pid: 2, command: 'exact', wildcard: false },
  ];
  it('prefers the exact bind, falls back to a wildcard, ignores non-local hosts', () => {
    expect(serverForUrl('http://localhost/x', listeners)?.pid).toBe(2);
    expect(serverForUrl('http://127.0.0.9/x', listeners)?.pid).toBe(1);
    expect(serverForUrl('http://example.com/x', listeners)).toBeNull();
  });
});
