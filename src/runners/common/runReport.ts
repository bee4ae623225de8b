// The reporter side of a jest or node --test run, whatever the runner: before the run, a report
// left by an earlier run is removed (an artifact never describes another run); after it, the
// test processes' records are read, each file's leftovers printed, and — when a test failed or
// a file left something running — flake-doctor-report.json is written: a full doctor pass plus
// the failures and leftovers, in the vitest plugin's shape (schema/doctor-report.schema.json).

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { readSettingsFile, resolveDoctorConfig } from '../../cli/config/loadConfig';
import type { DoctorConfig } from '../../core/doctor/config';
import { runDoctor } from '../../core/doctor/runDoctor';
import { formatLeftovers, type FileLeftover } from './leftovers';
import type { FailureRecord, RunRecord } from './runChannel';

export interface RunReportOptions {
  /** The project root: reports and settings are relative to it. */
  root: string;
  /** Where the JSON report goes, relative to the root (default flake-doctor-report.json); false: none. */
  report?: string | false;
  /** The settings file (default <root>/.vscode/settings.json); false: defaults only. */
  settings?: string | false;
}

export interface ReportedLeftover extends FileLeftover {
  file: string;
  pid: number;
  severity: 'warning';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function reportPathOf(options: RunReportOptions): string | null {
  if (options.report === false) return null;
  const path = options.report ?? 'flake-doctor-report.json';
  return isAbsolute(path) ? path : resolve(options.root, path);
}

/** Before the run: removes a report an earlier run of ours left (never a file of someone else's). */
export function removeEarlierReport(options: RunReportOptions): void {
  const path = reportPathOf(options);
  if (!path || !existsSync(path)) return;
  try {
    if ((JSON.parse(readFileSync(path, 'utf8')) as { generator?: unknown }).generator === 'flake-doctor') rmSync(path, { force: true });
  } catch {
    // not JSON: not ours
  }
}

function doctorConfigFor(options: RunReportOptions): DoctorConfig {
  const label = options.settings || '.vscode/settings.json';
  const file = options.settings === false ? {} : readSettingsFile(resolve(options.root, label), label);
  return resolveDoctorConfig({ file, fileLabel: label, flags: new Map() }, { cwd: options.root });
}

/**
 * After the run: the text to print (each file's leftovers, then one summary line) and the
 * report written. Nothing failed and nothing left running: no doctor pass, no report, no text.
 */
export async function finishRun(records: readonly RunRecord[], options: RunReportOptions): Promise<string[]> {
  const failures = records
    .filter((r): r is FailureRecord => r.type === 'failure')
    .map(({ file, test, pid, errors, culprits }) => ({ file, test, pid, errors, culprits }));
  const leftovers: ReportedLeftover[] = [];
  const lines: string[] = [];
  for (const r of records) {
    if (r.type !== 'file-end' || r.leftovers.length === 0) continue;
    lines.push(formatLeftovers(r.file, r.leftovers));
    for (const l of r.leftovers) leftovers.push({ ...l, file: r.file, pid: r.pid, severity: 'warning' });
  }
  const path = reportPathOf(options);
  if (failures.length === 0 && leftovers.length === 0) return lines;
  const parts = [
    `${plural(
      failures.reduce((n, f) => n + f.culprits.length, 0),
      'culprit',
    )} named in ${plural(failures.length, 'failed test')}`,
  ];
  if (leftovers.length > 0)
    parts.push(`${plural(leftovers.length, 'thing')} left running by ${plural(new Set(leftovers.map((l) => l.file)).size, 'test file')}`);
  if (!path) return [...lines, `Flake Doctor: ${parts.join(', ')}`];
  const report = { ...(await runDoctor(doctorConfigFor(options))), failures, leftovers };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  parts.push(`${plural(report.problems.length, 'problem')} now`);
  return [...lines, `Flake Doctor: ${parts.join(', ')}; report written to ${relative(options.root, path) || path}`];
}
