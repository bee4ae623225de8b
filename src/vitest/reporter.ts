// Main-process side of the plugin: collects each failed test's culprits (sent by its worker on
// the test's meta) and, when anything failed, writes the whole report — a full doctor pass at
// the end of the run plus the failures — as JSON for CI artifacts. A run where everything
// passes does no doctor pass and writes nothing (a report left by an earlier run is removed,
// so an artifact never describes another run).

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import type { DoctorConfig } from '../core/doctor/config';
import { runDoctor } from '../core/doctor/runDoctor';
import { exportToOtlp } from '../core/export';
import { SECTION_TITLE } from './culprits';
import type { FailureCulprit, FailureMeta } from './shared';

export interface ReportedFailure {
  file: string;
  test: string;
  pid: number | null;
  errors: string[];
  culprits: FailureCulprit[];
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

  async onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): Promise<void> {
    if (!this.reportPath || (this.failures.length === 0 && unhandledErrors.length === 0)) return;
    const report = { ...(await runDoctor(this.doctorConfig)), failures: this.failures };
    mkdirSync(dirname(this.reportPath), { recursive: true });
    writeFileSync(this.reportPath, `${JSON.stringify(report, null, 2)}\n`);
    const culprits = this.failures.reduce((n, f) => n + f.culprits.length, 0);
    const line = `${SECTION_TITLE}: ${culprits} culprit${culprits === 1 ? '' : 's'} named in ${this.failures.length} failed test${this.failures.length === 1 ? '' : 's'}, ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} now; report written to ${relative(this.root, this.reportPath) || this.reportPath}`;
    if (this.vitest) this.vitest.logger.log(line);
    else console.log(line);
    // OTLP export when OTEL_EXPORTER_OTLP_(LOGS_)ENDPOINT is set: bounded to 2 s, never fails the run.
    await exportToOtlp(
      { problems: report.problems, failures: this.failures },
      { env: process.env, warn: (l) => (this.vitest ? this.vitest.logger.warn(l) : console.warn(l)) },
    );
  }
}
