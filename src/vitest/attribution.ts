// Which test started what a worker has running: the records of a bridge snapshot (calls in
// flight, server requests, WebSockets, listening servers, children) in one shape, each with the
// test its observer stamped at its start, and what a test file left running when it ended.
// Pure: the worker's setup file takes the snapshot and keeps the set of what it reported.

import type { BridgeSnapshot, TestRef } from '../core/bridge/types';
import type { Leftover, StartedBy, StartedKind } from './shared';

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

interface CommonRecord {
  id: string;
  subject: string;
  startedAt: number;
  test: TestRef | null;
}

function fromRecord(kind: StartedKind, r: CommonRecord): StartedThing {
  const thing: StartedThing = { kind, key: `${kind}:${r.id}`, subject: r.subject, startedAt: r.startedAt, test: r.test ?? null };
  // A child's pid and command line, if its observer publishes them (read defensively: the
  // shared record type promises only the four common fields).
  const extra = r as unknown as { pid?: unknown; command?: unknown };
  if (kind === 'child' && typeof extra.pid === 'number') {
    thing.pid = extra.pid;
    thing.command = typeof extra.command === 'string' ? extra.command : null;
  }
  return thing;
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
  for (const r of snapshot.children ?? []) out.push(fromRecord('child', r));
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

const RUNNING: ReadonlySet<StartedKind> = new Set(['call', 'server-request', 'websocket', 'server', 'child']);

/**
 * What is still running at a test file's end and was not reported before (a worker that runs
 * several files reports each thing once, at the end of the file during which it was seen).
 * Everything running counts: a thing of an earlier file still running was reported then.
 */
export function fileLeftovers(snapshot: BridgeSnapshot, now: number, reported: ReadonlySet<string>): { leftovers: Leftover[]; keys: string[] } {
  const leftovers: Leftover[] = [];
  const keys: string[] = [];
  for (const t of startedThings(snapshot)) {
    if (!RUNNING.has(t.kind) || reported.has(t.key)) continue;
    keys.push(t.key);
    const who = t.test
      ? `left running by ${describeTest(t.test)}`
      : 'left running, started outside any test (module scope, a beforeAll, or overlapping concurrent tests)';
    leftovers.push({
      kind: t.kind as Leftover['kind'],
      subject: t.subject,
      startedAt: t.startedAt,
      test: t.test,
      message: `${t.subject} (${t.kind}, started ${ageText(now - t.startedAt)} before the file ended), ${who}`,
    });
  }
  return { leftovers, keys };
}

/** The lines the reporter prints for one file's leftovers. */
export function formatLeftovers(file: string, leftovers: readonly Leftover[]): string {
  const lines = [`Flake Doctor — ${file} ended with ${leftovers.length} thing${leftovers.length === 1 ? '' : 's'} still running:`];
  for (const l of leftovers) lines.push(`  • ${l.message}`);
  return lines.join('\n');
}
