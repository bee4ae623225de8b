// `reporters: ['default', 'flake-doctor/jest']`: runs in jest's main process. Before the
// workers start it opens the run's channel (they inherit its name in the environment) and
// removes an earlier report; when the run is over it prints what each file left running and a
// summary line, and writes flake-doctor-report.json if a test failed or a file left something
// running. Options: `['flake-doctor/jest', { report: 'path' | false, settings: 'path' | false }]`.

import { closeRunChannel, openRunChannel, readRunRecords } from '../common/runChannel';
import { finishRun, removeEarlierReport, type RunReportOptions } from '../common/runReport';

export interface FlakeDoctorJestOptions {
  report?: string | false;
  settings?: string | false;
}

export default class FlakeDoctorJestReporter {
  private readonly options: RunReportOptions;
  private channel: string | null = null;

  constructor(globalConfig: { rootDir: string }, reporterOptions: FlakeDoctorJestOptions = {}) {
    this.options = { root: globalConfig.rootDir, report: reporterOptions.report, settings: reporterOptions.settings };
  }

  onRunStart(): void {
    removeEarlierReport(this.options);
    this.channel = openRunChannel();
  }

  async onRunComplete(): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    this.channel = null;
    try {
      const lines = await finishRun(readRunRecords(channel), this.options);
      if (lines.length) process.stderr.write(`\n${lines.join('\n')}\n`);
    } catch (err) {
      process.stderr.write(`Flake Doctor: no report: ${(err as Error).message}\n`);
    } finally {
      closeRunChannel(channel);
    }
  }
}
