// What a test file left running when it ended, read from this process's bridge snapshot: every
// record still running that a test started (its observer stamped the test at its start). What
// no test started (module scope, before/beforeAll hooks) is the suite's own and is not named.
// The shape is the vitest plugin's `Leftover` (kind, subject, startedAt, test, message), so the
// report lists leftovers of every runner alike.

import type { BridgeSnapshot, TestRef } from '../../core/bridge/types';

export type LeftoverKind = 'call' | 'server-request' | 'websocket' | 'server' | 'child';

export interface FileLeftover {
  kind: LeftoverKind;
  subject: string;
  startedAt: number;
  test: TestRef;
  message: string;
}

interface Running {
  kind: LeftoverKind;
  subject: string;
  startedAt: number;
  test: TestRef | null | undefined;
}

function running(snapshot: BridgeSnapshot): Running[] {
  const out: Running[] = snapshot.httpCalls.map((c) => ({ kind: 'call', subject: `${c.method} ${c.url}`, startedAt: c.startedAt, test: c.test }));
  for (const l of snapshot.listeners) {
    for (const c of l.calls.inFlight) if (c.outcome === null) out.push({ kind: 'call', subject: `${c.method} ${c.url}`, startedAt: c.startedAt, test: c.test });
  }
  const stamped = (kind: LeftoverKind, list: readonly { subject: string; startedAt: number; test: TestRef | null }[] | undefined): void => {
    for (const r of list ?? []) out.push({ kind, subject: r.subject, startedAt: r.startedAt, test: r.test });
  };
  stamped('server-request', snapshot.serverRequests);
  stamped('websocket', snapshot.webSockets);
  stamped('server', snapshot.servers);
  stamped('child', snapshot.children);
  return out;
}

export function fileLeftovers(snapshot: BridgeSnapshot, now: number): FileLeftover[] {
  const out: FileLeftover[] = [];
  for (const r of running(snapshot)) {
    if (!r.test) continue;
    const age = `${(Math.max(0, now - r.startedAt) / 1000).toFixed(1)} s`;
    out.push({
      kind: r.kind,
      subject: r.subject,
      startedAt: r.startedAt,
      test: r.test,
      message: `${r.subject} (${r.kind}, started ${age} before the file ended), left running by '${r.test.name}' in ${r.test.file}`,
    });
  }
  return out;
}

/** The lines printed for one file's leftovers. */
export function formatLeftovers(file: string, leftovers: readonly FileLeftover[]): string {
  const lines = [`Flake Doctor — ${file} ended with ${leftovers.length} thing${leftovers.length === 1 ? '' : 's'} still running:`];
  for (const l of leftovers) lines.push(`  • ${l.message}`);
  return lines.join('\n');
}
