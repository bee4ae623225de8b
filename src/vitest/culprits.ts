// The "Flake Doctor" section of a failed test: which infrastructure, at the moment the test
// failed, can explain it. Pure: the worker gathers the facts (its own bridge snapshot, the
// socket table, the locks it waits for) and this decides what to name.
//  - the failing test's own calls and server requests in flight for at least the stall
//    threshold, with the local server that does not answer, and its own failed listens;
//  - apart from them, what earlier tests left running (calls, sessions, servers, children),
//    each named with its test — never presented as the failing test's own;
//  - on the addresses this worker leased, and on the address:port its errors mention
//    (EADDRINUSE, ECONNREFUSED…), listeners held by another process: the lingering worker;
//  - each restart lock this worker is still waiting for, with its holder.

import type { LoopbackListener } from '../core/allocator/scan';
import type { BridgeSnapshot } from '../core/bridge/types';
import { serverForUrl } from '../core/doctor/callServer';
import type { RestartLockSnapshot } from '../core/lock/inspect';
import type { ProcessRef } from '../core/doctor/problem';
import type { TestRef } from '../core/observe/testContext';
import { describeTest, startedBy, startedThings, type StartedThing } from './attribution';
import type { FailureCulprit, StartedBy } from './shared';

export interface Endpoint {
  address: string;
  port: number;
}

export interface CulpritFacts {
  snapshot: BridgeSnapshot;
  /** The failing test: what it started is its own, what other tests started is left over. */
  test: TestRef | null;
  now: number;
  stallThresholdMs: number;
  /** Visible listeners; null when the socket table could not be read. */
  listeners: readonly LoopbackListener[] | null;
  /** Endpoints named by the test's errors. */
  errorEndpoints: readonly Endpoint[];
  /** Inspections of the locks this worker waits for, by path. */
  locks: ReadonlyMap<string, RestartLockSnapshot>;
  /** Whether `pid` is this worker or one of its children (its own servers are not culprits). */
  isOwn(pid: number): boolean;
}

const ENDPOINT = /\b(?:EADDRINUSE|EADDRNOTAVAIL|ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b[^\n]*?((?:\d{1,3}\.){3}\d{1,3}|\[?::1\]?):(\d{1,5})/g;

/** address:port pairs in error messages such as `listen EADDRINUSE: address already in use 127.0.0.5:9926`. */
export function endpointsInErrors(messages: readonly string[]): Endpoint[] {
  const out = new Map<string, Endpoint>();
  for (const message of messages) {
    for (const m of message.matchAll(ENDPOINT)) {
      const address = m[1].replace(/^\[|\]$/g, '');
      out.set(`${address}:${m[2]}`, { address, port: Number(m[2]) });
    }
  }
  return [...out.values()];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function who(pid: number, command: string | null): string {
  return `pid ${pid}${command ? ` (${command})` : ''}`;
}

/** Whether a thing belongs in the failure section, by how it relates to the failing test. */
function worthNaming(t: StartedThing, by: StartedBy, f: CulpritFacts): boolean {
  const age = f.now - t.startedAt;
  switch (by.relation) {
    // An earlier test's thing still running is named whatever its age: it outlived its test.
    case 'leftover':
      return t.kind !== 'listen';
    // The failing test's own: what hangs (past the threshold) or failed to listen.
    case 'own':
      return t.kind === 'listen' || ((t.kind === 'call' || t.kind === 'server-request') && age >= f.stallThresholdMs);
    // No test started it (a beforeAll's server is the suite's, not a culprit): only what hangs.
    case 'outside':
      return (t.kind === 'call' || t.kind === 'server-request') && age >= f.stallThresholdMs;
  }
}

function whatItIs(t: StartedThing, f: CulpritFacts, server: ProcessRef | null): string {
  const age = seconds(f.now - t.startedAt);
  if (t.call) {
    const state = t.call.phase === 'awaiting-headers' ? 'no answer yet' : 'body still incomplete';
    return `${t.call.name ? `${t.call.name}: ` : ''}${t.subject} in flight for ${age}, ${state}${server ? `; served by ${who(server.pid, server.command)}` : ''}`;
  }
  if (t.kind === 'listen') return `${t.subject} (listen failed ${age} ago)`;
  return `${t.subject} (${t.kind}, running for ${age})`;
}

/** Calls, sessions, listens and children, each with the test that started it. */
function startedCulprits(f: CulpritFacts): FailureCulprit[] {
  const out: FailureCulprit[] = [];
  for (const t of startedThings(f.snapshot)) {
    const by = startedBy(t, f.test);
    if (!worthNaming(t, by, f)) continue;
    const server = t.call && f.listeners ? serverForUrl(t.call.url, f.listeners) : null;
    const culprit = server ?? (t.pid !== undefined ? { pid: t.pid, command: t.command ?? null } : null);
    const prefix = by.relation === 'leftover' ? `left over from ${describeTest(by.test!)}: ` : by.relation === 'outside' ? 'started outside any test: ' : '';
    out.push({ kind: t.kind, subject: t.subject, message: prefix + whatItIs(t, f, server), culprit, startedBy: by });
  }
  return out;
}

function loopbackCulprits(f: CulpritFacts): FailureCulprit[] {
  if (!f.listeners) return [];
  const leased = new Set(f.snapshot.leases.map((l) => l.address));
  const out = new Map<string, FailureCulprit>();
  const consider = (l: LoopbackListener, address: string, why: string): void => {
    if (l.pid === null || f.isOwn(l.pid)) return;
    const key = `${address}:${l.port}:${l.pid}`;
    if (out.has(key)) return;
    const where = l.wildcard ? `${l.address}:${l.port} (the wildcard address, shadowing ${address})` : `${address}:${l.port}`;
    out.set(key, {
      kind: 'loopback',
      subject: `${address}:${l.port}`,
      message: `${where} is held by ${who(l.pid, l.command)}, not by this worker (pid ${f.snapshot.process.pid}); ${why}`,
      culprit: { pid: l.pid, command: l.command },
    });
  };
  for (const l of f.listeners) {
    if (leased.has(l.address)) consider(l, l.address, 'the address was leased to this worker');
  }
  for (const e of f.errorEndpoints) {
    for (const l of f.listeners) {
      if (l.port !== e.port) continue;
      if (l.address === e.address || l.wildcard) consider(l, e.address, 'the test failed on this address and port');
    }
  }
  return [...out.values()];
}

function lockCulprits(f: CulpritFacts): FailureCulprit[] {
  return f.snapshot.locks
    .filter((l) => l.state === 'waiting')
    .map((l) => {
      const s = f.locks.get(l.lockPath);
      const holder = s?.holder ?? null;
      let detail = s ? s.summary : 'not inspected';
      if (holder && holder.liveness !== 'alive') {
        const status =
          holder.liveness === 'unverifiable'
            ? `pid ${holder.pid} is ${holder.alive ? 'running' : 'not running'} here, but an origin-format lock records no host, so only its age frees it (stale after ${s!.thresholds.staleMs} ms)`
            : `holder ${holder.liveness === 'other-host' ? `on host ${holder.host}` : holder.liveness}`;
        detail += `; ${status}`;
      }
      return {
        kind: 'lock' as const,
        subject: l.lockPath,
        message: `waiting ${seconds(f.now - l.since)} for restart lock ${l.lockPath}: ${detail}`,
        culprit: holder ? { pid: holder.pid, command: holder.commandLine } : null,
      };
    });
}

export function failureCulprits(facts: CulpritFacts): FailureCulprit[] {
  return [...startedCulprits(facts), ...loopbackCulprits(facts), ...lockCulprits(facts)];
}

export const SECTION_TITLE = 'Flake Doctor';

function culpritLines(c: FailureCulprit): string[] {
  const lines = [`  • ${c.kind}: ${c.message}`];
  if (c.culprit) lines.push(`      culprit: pid ${c.culprit.pid}${c.culprit.command ? `  ${c.culprit.command}` : ''}`);
  return lines;
}

/**
 * The text appended to the failure, or '' when there is nothing to name. What earlier tests
 * left running comes last under a heading of its own, so that it never reads as the failing
 * test's own call; when nothing of the test's own is named, the section says so.
 */
export function formatSection(culprits: readonly FailureCulprit[], pid: number): string {
  if (culprits.length === 0) return '';
  const leftovers = culprits.filter((c) => c.startedBy?.relation === 'leftover');
  const rest = culprits.filter((c) => c.startedBy?.relation !== 'leftover');
  const lines = [`${SECTION_TITLE} — infrastructure seen when this test failed (worker pid ${pid}):`];
  for (const c of rest) lines.push(...culpritLines(c));
  if (leftovers.length > 0) {
    if (!rest.some((c) => c.startedBy?.relation === 'own')) lines.push('  • nothing this test started is seen stalled or failing');
    lines.push("  Left running by earlier tests (not this test's own):");
    for (const c of leftovers) lines.push(...culpritLines(c));
  }
  return lines.join('\n');
}
