// jest 29 and 30 on a real project (test/fixtures/jest-project) set up as the docs say —
// `setupFilesAfterEnv: ['flake-doctor/jest/setup']`, `reporters: ['default', 'flake-doctor/jest']`
// — run in a child process with real faults staged. Each failing test's Flake Doctor section
// must be in jest's own output, in that test's failure; the file that left a call running must
// be named with the test that started it; the report must validate against the shipped schema;
// the reporter exports failures and leftovers to an OTLP receiver; a passing run — a server
// of a top-level beforeAll, closed by the file's afterAll, included — shows no section and
// leaves no report.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeDir, removeDir } from '../bridge/helpers';
import { OTHER_HOST } from '../doctor/faults';
import type { DecodedRecord } from '../doctor/otlpReceiver';
import { childEnv, run, type RunResult } from '../doctor/package';
import { REPO_ROOT } from '../helpers/processes';
import { runFailing } from './failingRun';
import { installRunnerFixture, type RunnerFixture } from './runnerPackage';
import { expectFailingRunExport, expectFailingRunReport, type RunnerNaming } from './reportAssertions';
import { stageFaults, type StagedFaults } from './stage';

const NAMING: RunnerNaming = { ext: 'js', separator: '›' };

/** One test's failure in jest's output: from its first `● name` heading to the next test's heading or file. */
export function jestFailureBlock(output: string, name: string): string {
  const start = output.indexOf(`● ${name}\n`);
  expect(start, `no failure of '${name}' in:\n${output}`).toBeGreaterThan(-1);
  const rest = output.slice(start);
  const other = [...rest.matchAll(/\n(?:FAIL|PASS) |\n\s*● (.+)\n/g)].find((m) => m[1] !== name);
  return other ? rest.slice(0, other.index) : rest;
}

const JESTS = [
  { name: 'jest 30', bin: join(REPO_ROOT, 'node_modules/jest/bin/jest.js'), major: '30.' },
  { name: 'jest 29', bin: join(REPO_ROOT, 'node_modules/jest29/bin/jest.js'), major: '29.' },
];

describe.each(JESTS)('$name with flake-doctor/jest', ({ bin, major }) => {
  let fixture: RunnerFixture;
  let faults: StagedFaults;
  let dir: string;
  let failing: RunResult;
  let report: string | null;
  /** What the run's reporter exported to an OTLP collector (OTEL_EXPORTER_OTLP_ENDPOINT set for the failing run). */
  let exported: DecodedRecord[];

  beforeAll(async () => {
    fixture = await installRunnerFixture('jest-project');
    faults = await stageFaults(fixture.root);
    dir = bridgeDir();
    const version = await run(process.execPath, [bin, '--version'], { cwd: fixture.root, env: childEnv() });
    expect(version.stdout.trim().startsWith(major), version.stdout).toBe(true);
    ({ failing, exported, report } = await runFailing(fixture.root, process.execPath, [bin, 'failing'], { ...faults.env, FLAKE_DOCTOR_BRIDGE_DIR: dir }));
  }, 120_000);

  afterAll(async () => {
    await faults?.stop();
    removeDir(dir);
    fixture?.remove();
  });

  it('names the lingering SO_REUSEPORT listener in the failure of the test that could not listen', () => {
    expect(failing.code).toBe(1);
    const block = jestFailureBlock(failing.stderr, 'http server › serves HTTP on its port');
    expect(block).toContain('EADDRINUSE');
    expect(block).toContain('Flake Doctor — infrastructure seen when this test failed');
    expect(block).toContain(`${faults.address}:${faults.httpPort} is held by pid ${faults.lingering.pid}`);
    expect(block).toContain('reuseport_listener.py');
  });

  it('names the stalled fetch and the server that never answered in the timed-out test', () => {
    const block = jestFailureBlock(failing.stderr, 'acquires a job from the broker');
    expect(block).toContain('Exceeded timeout');
    expect(block).toContain(`GET ${faults.hanging.url} in flight for`);
    expect(block).toContain(`served by pid ${faults.hanging.child.pid}`);
  });

  it('names the restart lock the test waited on and its holder, dead on another host', () => {
    const block = jestFailureBlock(failing.stderr, 'restarts the service under the restart lock');
    expect(block).toContain(`for restart lock ${faults.lockPath}`);
    expect(block).toContain(`holder on host ${OTHER_HOST}`);
    expect(block).toContain(`culprit: pid ${faults.holderPid}`);
  });

  it("prints the calls tests left running, each with its test's name, at the end of the run", () => {
    // The timed-out test's fetch outlives it too: its file ended with it still in flight.
    expect(failing.stderr).toContain(`Flake Doctor — failing/fetch.test.js ended with 1 thing still running:\n  • GET ${faults.hanging.url} (call, `);
    expect(failing.stderr).toMatch(/left running by 'acquires a job from the broker' in failing\/fetch\.test\.js/);
    expect(failing.stderr).toMatch(
      /Flake Doctor — failing\/leftover\.test\.js ended with 1 thing still running:\n {2}• GET http:\/\/127\.0\.0\.1:\d+\/warm \(call, .*left running by 'warms the cache without waiting'/,
    );
    expect(failing.stderr).toContain('report written to flake-doctor-report.json');
  });

  it('writes flake-doctor-report.json, valid against the shipped schema, with failures and leftovers', () => {
    expectFailingRunReport(report, fixture.schema, faults, NAMING);
  });

  it('exports the failures and what the files left running as OTLP log records, each leftover named by its test', () => {
    expectFailingRunExport(exported, NAMING);
  });

  it('shows no Flake Doctor section and removes the earlier report when everything passes', async () => {
    const passing = await run(process.execPath, [bin, 'passing'], { cwd: fixture.root, env: childEnv({ FLAKE_DOCTOR_BRIDGE_DIR: dir }), timeoutMs: 60_000 });
    expect(passing.code, passing.stdout + passing.stderr).toBe(0);
    expect(passing.stdout + passing.stderr).not.toContain('Flake Doctor');
    expect(existsSync(join(fixture.root, 'flake-doctor-report.json'))).toBe(false);
  });
});
