// `--test-reporter=flake-doctor/node-test`: node --test loads this in its own (parent) process
// before it starts a child per test file, so the run's channel opened on load reaches them
// through the environment. The failing test's section is shown by the test's own reporter (a
// diagnostic of the test, see childHooks.ts); this one prints, once every file is done, what
// each file left running and a summary line, and writes flake-doctor-report.json in the
// current directory when a test failed or a file left something running.

import { closeRunChannel, openRunChannel, readRunRecords } from '../common/runChannel';
import { finishRun, removeEarlierReport, type RunReportOptions } from '../common/runReport';

const options: RunReportOptions = { root: process.cwd() };
const channel = openRunChannel();

export default async function* flakeDoctorReporter(source: AsyncIterable<unknown>): AsyncGenerator<string> {
  removeEarlierReport(options);
  // The events themselves are the other reporters' to show; the records come from the channel.
  for await (const _event of source) void _event;
  try {
    const lines = await finishRun(readRunRecords(channel), options);
    if (lines.length) yield `\n${lines.join('\n')}\n`;
  } catch (err) {
    yield `Flake Doctor: no report: ${(err as Error).message}\n`;
  } finally {
    closeRunChannel(channel);
  }
}
