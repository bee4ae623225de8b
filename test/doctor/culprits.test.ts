// What the vitest plugin names when a test fails, from the facts a worker gathers.
import { describe, expect, it } from 'vitest';
import type {
  BridgeSnapshot,
  ObservedChild,
  ObservedListenFailure,
  ObservedServer,
  ObservedServerRequest,
  ObservedWebSocket,
} from '../../src/core/bridge/types';
import { fileLeftovers, formatLeftovers } from '../../src/vitest/attribution';
import { endpointsInErrors, failureCulprits, formatSection } from '../../src/vitest/culprits';
import { RunningTests } from '../../src/vitest/runningTests';

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
  const base = { test: null, now: 2_000, stallThresholdMs: 1_000, errorEndpoints: [], locks: new Map(), isOwn: (pid: number) => pid === 10 };

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

// A worker's snapshot while test B ('second') fails: records of every kind, started by B itself,
// by an earlier test A ('first'), and outside any test (a beforeAll's server).
describe('attribution: own, leftover and outside, for every kind of record', () => {
  const FILE = 'a.test.ts';
  const A = { file: FILE, name: 'first' };
  const B = { file: FILE, name: 'suite > second' };
  const call = (id: string, path: string, startedAt: number, test: typeof A | null) => ({
    id,
    method: 'GET',
    url: `http://127.0.0.1:5${path}`,
    startedAt,
    deadlineAt: null,
    stalled: false,
    phase: 'awaiting-headers' as const,
    status: null,
    source: 'undici' as const,
    test,
  });
  // Attribution reads only the four fields every observed record has; the rest of each kind's
  // shape does not matter here, so the records are built with those four and cast once.
  const rec = <T>(id: string, subject: string, startedAt: number, test: typeof A | null): T => ({ id, subject, startedAt, test }) as unknown as T;
  // A child observer may publish the pid and command line beside the four common fields.
  const childWithPid = { ...rec<object>('c1', 'pid 77 python3 server.py', 300, A), pid: 77, command: 'python3 server.py' } as ObservedChild;
  const everyKind = snapshot({
    httpCalls: [
      call('x1', '/a-fetch', 100, A), // A's, still in flight: a leftover
      call('x2', '/b-fetch', 500, B), // B's, stalled: its own
      call('x3', '/b-fresh', 1_900, B), // B's, too young to name
      call('x4', '/setup', 200, null), // outside any test, stalled
      { ...call('x5', '/a-axios', 1_950, A), source: 'node:http' as const }, // A's, young: still a leftover
    ],
    serverRequests: [
      rec<ObservedServerRequest>('r1', 'POST http://127.0.0.1:7/a-req', 300, A),
      rec<ObservedServerRequest>('r2', 'POST http://127.0.0.1:7/b-req', 400, B),
    ],
    webSockets: [rec<ObservedWebSocket>('w1', 'ws client ws://127.0.0.1:8/a', 300, A), rec<ObservedWebSocket>('w2', 'ws client ws://127.0.0.1:8/b', 300, B)],
    servers: [rec<ObservedServer>('s1', 'listening 127.0.0.1:3000', 300, A), rec<ObservedServer>('s0', 'listening 127.0.0.1:4000', 10, null)],
    children: [childWithPid],
    listenFailures: [
      rec<ObservedListenFailure>('l1', 'listen 127.0.0.1:3000 EADDRINUSE', 1_990, B),
      rec<ObservedListenFailure>('l2', 'listen 127.0.0.1:3001 EADDRINUSE', 300, A),
    ],
  });
  const facts = { test: B, now: 2_000, stallThresholdMs: 1_000, errorEndpoints: [], locks: new Map(), isOwn: () => false, listeners: [] };

  it('names the failing test own stalled calls and failed listens as its own, and everything of earlier tests as left over, by test', () => {
    const culprits = failureCulprits({ ...facts, snapshot: everyKind });
    const summary = culprits.map((c) => [c.kind, c.subject, c.startedBy?.relation, c.startedBy?.test?.name ?? null]);
    expect(summary).toEqual([
      ['call', 'GET http://127.0.0.1:5/a-fetch', 'leftover', 'first'],
      ['call', 'GET http://127.0.0.1:5/b-fetch', 'own', 'suite > second'],
      ['call', 'GET http://127.0.0.1:5/setup', 'outside', null],
      ['call', 'GET http://127.0.0.1:5/a-axios', 'leftover', 'first'],
      ['server-request', 'POST http://127.0.0.1:7/a-req', 'leftover', 'first'],
      ['server-request', 'POST http://127.0.0.1:7/b-req', 'own', 'suite > second'],
      ['websocket', 'ws client ws://127.0.0.1:8/a', 'leftover', 'first'],
      ['server', 'listening 127.0.0.1:3000', 'leftover', 'first'],
      ['child', 'pid 77 python3 server.py', 'leftover', 'first'],
      ['listen', 'listen 127.0.0.1:3000 EADDRINUSE', 'own', 'suite > second'],
    ]);
    expect(culprits.find((c) => c.kind === 'child')?.culprit).toEqual({ pid: 77, command: 'python3 server.py' });
    for (const c of culprits.filter((x) => x.startedBy?.relation === 'leftover')) expect(c.message).toMatch(/^left over from 'first' in a\.test\.ts: /);
  });

  it("formats leftovers under their own heading, after the test's own, never among them", () => {
    const section = formatSection(failureCulprits({ ...facts, snapshot: everyKind }), 10);
    const [own, leftovers] = section.split("  Left running by earlier tests (not this test's own):");
    expect(own).toContain('call: GET http://127.0.0.1:5/b-fetch in flight for 1.5 s, no answer yet');
    expect(own).toContain('call: started outside any test: GET http://127.0.0.1:5/setup');
    expect(own).not.toContain('/a-');
    expect(leftovers).toContain("call: left over from 'first' in a.test.ts: GET http://127.0.0.1:5/a-fetch in flight for 1.9 s");
    expect(leftovers).toContain('child: left over from');
    expect(leftovers).toContain('culprit: pid 77  python3 server.py');
  });

  it('says so when nothing of the failing test own is named, only leftovers', () => {
    const onlyA = snapshot({ httpCalls: [call('x1', '/a-fetch', 100, A)] });
    const section = formatSection(failureCulprits({ ...facts, snapshot: onlyA }), 10);
    expect(section.split('\n')).toEqual([
      'Flake Doctor — infrastructure seen when this test failed (worker pid 10):',
      '  • nothing this test started is seen stalled or failing',
      "  Left running by earlier tests (not this test's own):",
      "  • call: left over from 'first' in a.test.ts: GET http://127.0.0.1:5/a-fetch in flight for 1.9 s, no answer yet",
    ]);
  });

  it('lists what is still running at file end once, named by test, and nothing already reported', () => {
    const reported = new Set<string>();
    const first = fileLeftovers(everyKind, 2_000, reported);
    expect(first.leftovers.map((l) => [l.kind, l.subject, l.test?.name ?? null])).toEqual([
      ['call', 'GET http://127.0.0.1:5/a-fetch', 'first'],
      ['call', 'GET http://127.0.0.1:5/b-fetch', 'suite > second'],
      ['call', 'GET http://127.0.0.1:5/b-fresh', 'suite > second'],
      ['call', 'GET http://127.0.0.1:5/setup', null],
      ['call', 'GET http://127.0.0.1:5/a-axios', 'first'],
      ['server-request', 'POST http://127.0.0.1:7/a-req', 'first'],
      ['server-request', 'POST http://127.0.0.1:7/b-req', 'suite > second'],
      ['websocket', 'ws client ws://127.0.0.1:8/a', 'first'],
      ['websocket', 'ws client ws://127.0.0.1:8/b', 'suite > second'],
      ['server', 'listening 127.0.0.1:3000', 'first'],
      ['server', 'listening 127.0.0.1:4000', null],
      ['child', 'pid 77 python3 server.py', 'first'],
    ]);
    expect(first.leftovers[0].message).toBe("GET http://127.0.0.1:5/a-fetch (call, started 1.9 s before the file ended), left running by 'first' in a.test.ts");
    expect(first.leftovers[3].message).toContain('started outside any test');
    for (const k of first.keys) reported.add(k);
    expect(fileLeftovers(everyKind, 3_000, reported).leftovers).toEqual([]);
    expect(formatLeftovers(FILE, first.leftovers.slice(0, 1))).toBe(
      "Flake Doctor — a.test.ts ended with 1 thing still running:\n  • GET http://127.0.0.1:5/a-fetch (call, started 1.9 s before the file ended), left running by 'first' in a.test.ts",
    );
  });
});

describe('RunningTests: the test to stamp', () => {
  const A = { file: 'a.test.ts', name: 'a' };
  const B = { file: 'a.test.ts', name: 'b' };

  it('is the one test running, and nothing between tests', () => {
    const running = new RunningTests();
    expect(running.start('1', A)).toBe(A);
    expect(running.end('1')).toBeNull();
    expect(running.start('2', B)).toBe(B);
  });

  it('is nothing while concurrent tests overlap, and the remaining one once the others ended', () => {
    const running = new RunningTests();
    running.start('1', A);
    expect(running.start('2', B)).toBeNull();
    expect(running.end('1')).toBe(B);
    expect(running.end('2')).toBeNull();
  });

  it('stays the same test across retries of it', () => {
    const running = new RunningTests();
    running.start('1', A);
    expect(running.start('1', A)).toBe(A);
  });
});
