// What every runner integration's failing fixture run must leave, asserted once for jest and
// node:test alike: the same three failing files (loopback, fetch, lock), the same two leftovers,
// with the runner's own file extension and the separator it puts into a full test name.
import { expect } from 'vitest';
import { EVENT } from '../../src/core/export';
import type { DecodedRecord } from '../doctor/otlpReceiver';
import { compileReportSchema } from '../doctor/schema';
import type { StagedFaults } from './stage';

export interface RunnerNaming {
  /** `js` (jest fixture) or `mjs` (node:test fixture). */
  ext: string;
  /** Between a describe block and its test in a full name: jest `›`, node:test `>`. */
  separator: string;
}

/** flake-doctor-report.json after the failing run: valid, each failure with its culprit, both leftovers by test. */
export function expectFailingRunReport(report: string | null, schemaPath: string, faults: StagedFaults, { ext, separator }: RunnerNaming): void {
  expect(report, 'no flake-doctor-report.json after the failing run').not.toBeNull();
  const parsed = JSON.parse(report!);
  const validate = compileReportSchema(schemaPath);
  expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
  const byFile = new Map<string, { test: string; errors: string[]; culprits: { kind: string; culprit: { pid: number } | null }[] }>(
    parsed.failures.map((f: { file: string }) => [f.file, f]),
  );
  expect(byFile.get(`failing/loopback.test.${ext}`)?.test).toBe(`http server ${separator} serves HTTP on its port`);
  expect(byFile.get(`failing/loopback.test.${ext}`)?.culprits).toContainEqual(
    expect.objectContaining({ kind: 'loopback', culprit: expect.objectContaining({ pid: faults.lingering.pid }) }),
  );
  expect(byFile.get(`failing/fetch.test.${ext}`)?.culprits).toContainEqual(
    expect.objectContaining({ kind: 'call', culprit: expect.objectContaining({ pid: faults.hanging.child.pid }) }),
  );
  expect(byFile.get(`failing/lock.test.${ext}`)?.culprits).toContainEqual(
    expect.objectContaining({ kind: 'lock', culprit: expect.objectContaining({ pid: faults.holderPid }) }),
  );
  // The report's errors are the test's own, not the section shown with them.
  expect([...byFile.values()].every((f) => f.errors.length > 0 && f.errors.every((e) => !e.includes('Flake Doctor')))).toBe(true);
  const leftovers = [...parsed.leftovers].sort((a: { file: string }, b: { file: string }) => a.file.localeCompare(b.file));
  expect(leftovers).toEqual([
    expect.objectContaining({
      file: `failing/fetch.test.${ext}`,
      kind: 'call',
      severity: 'warning',
      test: { file: `failing/fetch.test.${ext}`, name: 'acquires a job from the broker' },
    }),
    expect.objectContaining({
      file: `failing/leftover.test.${ext}`,
      kind: 'call',
      severity: 'warning',
      test: { file: `failing/leftover.test.${ext}`, name: 'warms the cache without waiting' },
    }),
  ]);
}

/** The OTLP records of the failing run: three failed tests, and each leftover named by its test. */
export function expectFailingRunExport(exported: readonly DecodedRecord[], { ext }: RunnerNaming): void {
  expect(exported.filter((r) => r.eventName === EVENT.testFailure)).toHaveLength(3);
  const leftovers = exported
    .filter((r) => r.eventName === EVENT.leftover)
    .map((r) => [r.attributes['test.suite.name'], r.attributes['test.case.name'], r.attributes['flake_doctor.leftover.kind']])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  expect(leftovers).toEqual([
    [`failing/fetch.test.${ext}`, 'acquires a job from the broker', 'call'],
    [`failing/leftover.test.${ext}`, 'warms the cache without waiting', 'call'],
  ]);
}
