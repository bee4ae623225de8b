// The "Flake Doctor" section of a failed test: which infrastructure, at the moment the test
// failed, can explain it. Pure: the worker gathers the facts (its own bridge snapshot, the
// socket table, the locks it waits for) and this decides what to name.
//  - calls of this worker in flight for at least the stall threshold, with the local server
//    that does not answer;
//  - on the addresses this worker leased, and on the address:port its errors mention
//    (EADDRINUSE, ECONNREFUSED…), listeners held by another process: the lingering worker;
//  - each restart lock this worker is still waiting for, with its holder.

import type { LoopbackListener } from '../core/allocator/scan';
import type { BridgeSnapshot } from '../core/bridge/types';
import { serverForUrl } from '../core/doctor/callServer';
import type { RestartLockSnapshot } from '../core/lock/inspect';
import type { FailureCulprit } from './shared';

export interface Endpoint {
  address: string;
  port: number;
}

export interface CulpritFacts {
  snapshot: BridgeSnapshot;
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

function callCulprits(f: CulpritFacts): FailureCulprit[] {
  const calls = [
    ...f.snapshot.httpCalls.map((c) => ({ method: c.method, url: c.url, startedAt: c.startedAt, phase: c.phase, name: null as string | null })),
    ...f.snapshot.listeners.flatMap((l) =>
      l.calls.inFlight.filter((c) => c.outcome === null).map((c) => ({ method: c.method, url: c.url, startedAt: c.startedAt, phase: c.phase, name: c.name })),
    ),
  ];
  return calls
    .filter((c) => f.now - c.startedAt >= f.stallThresholdMs)
    .map((c) => {
      const server = f.listeners ? serverForUrl(c.url, f.listeners) : null;
      const state = c.phase === 'awaiting-headers' ? 'no answer yet' : 'body still incomplete';
      return {
        kind: 'call' as const,
        subject: `${c.method} ${c.url}`,
        message: `${c.name ? `${c.name}: ` : ''}${c.method} ${c.url} in flight for ${seconds(f.now - c.startedAt)}, ${state}${server ? `; served by ${who(server.pid, server.command)}` : ''}`,
        culprit: server,
      };
    });
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
  return [...callCulprits(facts), ...loopbackCulprits(facts), ...lockCulprits(facts)];
}

export const SECTION_TITLE = 'Flake Doctor';

/** The text appended to the failure, or '' when there is nothing to name. */
export function formatSection(culprits: readonly FailureCulprit[], pid: number): string {
  if (culprits.length === 0) return '';
  const lines = [`${SECTION_TITLE} — infrastructure seen when this test failed (worker pid ${pid}):`];
  for (const c of culprits) {
    lines.push(`  • ${c.kind}: ${c.message}`);
    if (c.culprit) lines.push(`      culprit: pid ${c.culprit.pid}${c.culprit.command ? `  ${c.culprit.command}` : ''}`);
  }
  return lines.join('\n');
}
