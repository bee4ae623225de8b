// Main-process side of the plugin: collects each failed test's culprits (sent by its worker on
// the test's meta) and what each test file left running (on the file's meta), prints the
// leftovers once per file, and when anything failed or was left running writes the whole
// report — a full doctor pass at the end of the run plus the failures and leftovers — as JSON
// for CI artifacts. A clean run does no doctor pass and writes nothing (a report left by an
// earlier run is removed, so an artifact never describes another run).

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import type { DoctorConfig } from '../core/doctor/config';
import { runDoctor } from '../core/doctor/runDoctor';
import { exportToOtlp } from '../core/export';
import { formatLeftovers } from './attribution';
import { SECTION_TITLE } from './culprits';
import type { FailureCulprit, FailureMeta, FileEndMeta, Leftover } from './shared';

export interface ReportedFailure {
  file: string;
  test: string;
  pid: number | null;
  errors: string[];
  culprits: FailureCulprit[];
}

/** What one test file left running, as the report lists it. */
export interface ReportedLeftover extends Leftover {
  file: string;
  pid: number;
  /** warning: reported only; error: the file was failed for it (`leftovers: 'fail'`). */
  severity: 'warning' | 'error';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function withoutSection(message: string): string {
  const at = message.indexOf(`\n\n${SECTION_TITLE} — `);
  return at === -1 ? message : message.slice(0, at);
}

function isOurReport(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { generator?: unknown }).generator === 'flake-doctor';
  } catch {
    return false;
  }
}

export class FlakeDoctorReporter implements Reporter {
  private failures: ReportedFailure[] = [];
  private leftovers: ReportedLeftover[] = [];
  /** Files whose leftovers the reporter prints (in 'fail' mode the file's own error shows them). */
  private toPrint: { file: string; leftovers: Leftover[] }[] = [];
  private vitest: Vitest | null = null;

  constructor(
    private readonly reportPath: string | null,
    private readonly doctorConfig: DoctorConfig,
    private readonly root: string,
  ) {}

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunStart(): void {
    this.failures = [];
    this.leftovers = [];
    this.toPrint = [];
    if (this.reportPath && isOurReport(this.reportPath)) rmSync(this.reportPath, { force: true });
  }

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    if (result.state !== 'failed') return;
    const meta = (testCase.meta() as { flakeDoctor?: FailureMeta }).flakeDoctor;
    this.failures.push({
      file: relative(this.root, testCase.module.moduleId),
      test: testCase.fullName,
      pid: meta?.pid ?? null,
      errors: (result.errors ?? []).map((e) => withoutSection(e.message ?? String(e))),
      culprits: meta?.culprits ?? [],
    });
  }

  onTestModuleEnd(testModule: TestModule): void {
    const meta = (testModule.meta() as { flakeDoctor?: FileEndMeta }).flakeDoctor;
    if (!meta || meta.leftovers.length === 0) return;
    const file = relative(this.root, testModule.moduleId);
    const severity = meta.mode === 'fail' ? 'error' : 'warning';
    for (const l of meta.leftovers) this.leftovers.push({ ...l, file, pid: meta.pid, severity });
    if (meta.mode === 'warn') this.toPrint.push({ file, leftovers: meta.leftovers });
  }

  private log(text: string): void {
    if (this.vitest) this.vitest.logger.log(text);
    else console.log(text);
  }

  async onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): Promise<void> {
    // Printed at the end, after the summary, so no progress display draws over them.
    for (const p of this.toPrint) this.log(formatLeftovers(p.file, p.leftovers));
    if (!this.reportPath || (this.failures.length === 0 && this.leftovers.length === 0 && unhandledErrors.length === 0)) return;
    const report = { ...(await runDoctor(this.doctorConfig)), failures: this.failures, leftovers: this.leftovers };
    mkdirSync(dirname(this.reportPath), { recursive: true });
    writeFileSync(this.reportPath, `${JSON.stringify(report, null, 2)}\n`);
    const culprits = this.failures.reduce((n, f) => n + f.culprits.length, 0);
    const files = new Set(this.leftovers.map((l) => l.file)).size;
    const parts = [`${plural(culprits, 'culprit')} named in ${plural(this.failures.length, 'failed test')}`];
    if (this.leftovers.length > 0) parts.push(`${plural(this.leftovers.length, 'thing')} left running by ${plural(files, 'test file')}`);
    parts.push(`${plural(report.problems.length, 'problem')} now`);
    this.log(`${SECTION_TITLE}: ${parts.join(', ')}; report written to ${relative(this.root, this.reportPath) || this.reportPath}`);
    // OTLP export when OTEL_EXPORTER_OTLP_(LOGS_)ENDPOINT is set: bounded to 2 s, never fails the run.
    await exportToOtlp(
      { problems: report.problems, failures: this.failures },
      { env: process.env, warn: (l) => (this.vitest ? this.vitest.logger.warn(l) : console.warn(l)) },
    );
  }
}
