// Which test started what a test process has running, for every runner integration (vitest,
// jest, node:test): the records of a bridge snapshot (calls in flight, server requests,
// WebSockets, listening servers, children, failed listens) in one shape, each with the test its
// observer stamped at its start, and how that test relates to a failing one. Pure: the
// integrations take the snapshot; failure sections (culprits.ts) and file-end leftovers
// (leftovers.ts) are both read from this one list.

import type { BridgeSnapshot, TestRef } from '../../core/bridge/types';
import type { ObservedRecord } from '../../core/observe/observer';

/** What a test can start and leave running (or, for `listen`, fail at). */
export type StartedKind = 'call' | 'server-request' | 'websocket' | 'server' | 'child' | 'listen';

/**
 * Who started a thing named next to a failure: the failing test itself (own), an earlier test
 * whose thing is still running (leftover), or no test at all (outside: module scope, a
 * beforeAll, or a moment when concurrent tests overlapped and no single test can be named).
 */
export interface StartedBy {
  relation: 'own' | 'leftover' | 'outside';
  test: TestRef | null;
}

/** One thing running (or, for `listen`, one failed listen) in a snapshot, whatever observed it. */
export interface StartedThing {
  kind: StartedKind;
  /** Unique in the snapshot across kinds: `<kind>:<record id>`. */
  key: string;
  subject: string;
  startedAt: number;
  test: TestRef | null;
  /** Calls only: what a person needs to judge them. */
  call?: { method: string; url: string; phase: string; name: string | null };
  /** Children (where the observer publishes it): the process to name as culprit. */
  pid?: number;
  command?: string | null;
}

function fromRecord(kind: StartedKind, r: ObservedRecord): StartedThing {
  return { kind, key: `${kind}:${r.id}`, subject: r.subject, startedAt: r.startedAt, test: r.test ?? null };
}

/** Everything of the snapshot a test can have started, in one list. */
export function startedThings(snapshot: BridgeSnapshot): StartedThing[] {
  const out: StartedThing[] = [];
  for (const c of snapshot.httpCalls) {
    out.push({
      kind: 'call',
      key: `call:${c.id}`,
      subject: `${c.method} ${c.url}`,
      startedAt: c.startedAt,
      test: c.test ?? null,
      call: { method: c.method, url: c.url, phase: c.phase, name: null },
    });
  }
  for (const l of snapshot.listeners) {
    for (const c of l.calls.inFlight) {
      if (c.outcome !== null) continue;
      out.push({
        kind: 'call',
        key: `call:${l.id}:${c.callId}`,
        subject: `${c.method} ${c.url}`,
        startedAt: c.startedAt,
        test: c.test ?? null,
        call: { method: c.method, url: c.url, phase: c.phase, name: c.name },
      });
    }
  }
  for (const r of snapshot.serverRequests ?? []) out.push(fromRecord('server-request', r));
  for (const r of snapshot.webSockets ?? []) out.push(fromRecord('websocket', r));
  for (const r of snapshot.servers ?? []) out.push(fromRecord('server', r));
  // A child names its own process: the culprit of a leftover child.
  for (const r of snapshot.children ?? []) out.push({ ...fromRecord('child', r), pid: r.pid, command: r.command });
  for (const r of snapshot.listenFailures ?? []) out.push(fromRecord('listen', r));
  return out;
}

export function sameTest(a: TestRef | null, b: TestRef | null): boolean {
  return a !== null && b !== null && a.file === b.file && a.name === b.name;
}

/** How a thing relates to the failing test (null: the failing test is not known). */
export function startedBy(thing: StartedThing, failing: TestRef | null): StartedBy {
  if (thing.test === null) return { relation: 'outside', test: null };
  return { relation: sameTest(thing.test, failing) ? 'own' : 'leftover', test: thing.test };
}

/** `'acquires a job' in failing/fetch.test.mjs` */
export function describeTest(test: TestRef): string {
  return `'${test.name}' in ${test.file}`;
}

export function ageText(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}
