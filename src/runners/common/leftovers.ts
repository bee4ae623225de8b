// What a test file left running when it ended, for every runner integration: each record of the
// process's bridge snapshot still running (calls in flight, server requests, WebSockets,
// listening servers, children), named with the test that started it, or as started outside any
// test (module scope, a beforeAll, overlapping concurrent tests): the file left it running all
// the same. A process that runs several files (vitest with isolate: false) reports each thing
// once, at the end of the first file it was seen running at: the caller keeps the keys reported.
// Pure: the integrations take the snapshot at the file's end.

import type { BridgeSnapshot } from '../../core/bridge/types';
import type { ProcessRef } from '../../core/doctor/problem';
import type { TestRef } from '../../core/observe/testContext';
import { ageText, describeTest, startedThings, type StartedKind } from './attribution';

export type LeftoverKind = Exclude<StartedKind, 'listen'>;

/** Something still running when its test file ended. */
export interface Leftover {
  kind: LeftoverKind;
  /** The record's own subject: `GET http://127.0.0.1:3000/x`, `listening 127.0.0.1:3000`, `pid 123 python3 server.py`. */
  subject: string;
  startedAt: number;
  /** The test that started it; null: outside any test (module scope, a beforeAll, overlapping concurrent tests). */
  test: TestRef | null;
  /** One line for a person, naming the test. */
  message: string;
  /** The process to name as culprit, where the record says (a child's pid and command line). */
  culprit?: ProcessRef;
}

/** A leftover as the run's report lists it (schema/doctor-report.schema.json, `leftovers`). */
export interface ReportedLeftover extends Leftover {
  file: string;
  /** The test process that saw it. */
  pid: number;
  /** warning: reported only; error: the file was failed for it (vitest's `leftovers: 'fail'`). */
  severity: 'warning' | 'error';
}

export interface LeftoverOptions {
  /**
   * Whether what no test started is listed (default true). An integration whose file-end look
   * runs before the file's own top-level after-hooks passes false: those hooks close what a
   * top-level beforeAll started, and have not run yet.
   */
  outsideTests?: boolean;
}

const RUNNING: ReadonlySet<StartedKind> = new Set(['call', 'server-request', 'websocket', 'server', 'child']);

/** What is running at a test file's end and was not reported before, with the keys to mark reported. */
export function fileLeftovers(
  snapshot: BridgeSnapshot,
  now: number,
  reported: ReadonlySet<string>,
  options: LeftoverOptions = {},
): { leftovers: Leftover[]; keys: string[] } {
  const leftovers: Leftover[] = [];
  const keys: string[] = [];
  for (const t of startedThings(snapshot)) {
    if (!RUNNING.has(t.kind) || reported.has(t.key)) continue;
    if (t.test === null && options.outsideTests === false) continue;
    keys.push(t.key);
    const who = t.test
      ? `left running by ${describeTest(t.test)}`
      : 'left running, started outside any test (module scope, a beforeAll, or overlapping concurrent tests)';
    leftovers.push({
      kind: t.kind as LeftoverKind,
      subject: t.subject,
      startedAt: t.startedAt,
      test: t.test,
      message: `${t.subject} (${t.kind}, started ${ageText(now - t.startedAt)} before the file ended), ${who}`,
      ...(t.pid !== undefined ? { culprit: { pid: t.pid, command: t.command ?? null } } : {}),
    });
  }
  return { leftovers, keys };
}

/** fileLeftovers, and what it lists marked reported in `reported`. */
export function takeLeftovers(snapshot: BridgeSnapshot, now: number, reported: Set<string>, options: LeftoverOptions = {}): Leftover[] {
  const found = fileLeftovers(snapshot, now, reported, options);
  for (const key of found.keys) reported.add(key);
  return found.leftovers;
}

/** The lines printed for one file's leftovers. */
export function formatLeftovers(file: string, leftovers: readonly Leftover[]): string {
  const lines = [`Flake Doctor — ${file} ended with ${leftovers.length} thing${leftovers.length === 1 ? '' : 's'} still running:`];
  for (const l of leftovers) lines.push(`  • ${l.message}`);
  return lines.join('\n');
}
