// `node --test` on Node 20, 22 and 24 on a real project (test/fixtures/node-test-project) run
// with the command line the docs give — `--import flake-doctor/bridge/register`, the spec
// reporter and flake-doctor/node-test, both to stdout — with real faults staged. Each failing
// test's Flake Doctor section must be in the spec reporter's output under that test's failure;
// what a file left running must be named with its test; the report must validate against the
// shipped schema; the reporter exports failures and leftovers to an OTLP receiver; a passing
// run — a server of a top-level before, closed by the file's after, included — shows no
// section and leaves no report.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeDir, removeDir } from '../bridge/helpers';
import { OTHER_HOST } from '../doctor/faults';
import type { DecodedRecord } from '../doctor/otlpReceiver';
import { childEnv, run, type RunResult } from '../doctor/package';
import { supportedNodes } from '../helpers/nodeVersions';
import { runFailing } from './failingRun';
import { installRunnerFixture, type RunnerFixture } from './runnerPackage';
import { expectFailingRunExport, expectFailingRunReport, type RunnerNaming } from './reportAssertions';
import { stageFaults, type StagedFaults } from './stage';

const NAMING: RunnerNaming = { ext: 'mjs', separator: '>' };

const ARGS = [
  '--test',
  '--import',
  'flake-doctor/bridge/register',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=flake-doctor/node-test',
  '--test-reporter-destination=stdout',
];

/** The test files of a fixture folder, named one by one: Node 20 takes folders, 22 and 24 globs. */
function filesIn(root: string, folder: string): string[] {
  return readdirSync(join(root, folder))
    .filter((f) => f.endsWith('.test.mjs'))
    .map((f) => `${folder}/${f}`);
}

/** One failed test in spec's output: from its `✖ name` line to the next test line. */
function specFailure(output: string, name: string): string {
  const start = output.indexOf(`✖ ${name}`);
  expect(start, `no failure of '${name}' in:\n${output}`).toBeGreaterThan(-1);
  const next = output.slice(start + 2).search(/\n\s*[✔✖▶﹣] /);
  return output.slice(start, next === -1 ? undefined : start + 2 + next);
}

describe.each(supportedNodes())('node --test on Node $major with flake-doctor/node-test', ({ path: node, major }) => {
  let fixture: RunnerFixture;
  let faults: StagedFaults;
  let dir: string;
  let failing: RunResult;
  let report: string | null;
  /** What the run's reporter exported to an OTLP collector (OTEL_EXPORTER_OTLP_ENDPOINT set for the failing run). */
  let exported: DecodedRecord[];

  beforeAll(async () => {
    fixture = await installRunnerFixture('node-test-project');
    faults = await stageFaults(fixture.root);
    dir = bridgeDir();
    ({ failing, exported, report } = await runFailing(fixture.root, node, [...ARGS, ...filesIn(fixture.root, 'failing')], {
      ...faults.env,
      FLAKE_DOCTOR_BRIDGE_DIR: dir,
    }));
  }, 120_000);

  afterAll(async () => {
    await faults?.stop();
    removeDir(dir);
    fixture?.remove();
  });

  it('runs on the Node it names', async () => {
    expect((await run(node, ['--version'], { cwd: fixture.root, env: childEnv() })).stdout.trim()).toMatch(new RegExp(`^v${major}\\.`));
    expect(failing.code, failing.stdout + failing.stderr).toBe(1);
  });

  it('names the lingering SO_REUSEPORT listener under the failure of the test that could not listen', () => {
    // spec prints the error under the ✖ line on Node 20, in its closing "failing tests" list on 22 and 24; the section stays under the ✖ line.
    expect(failing.stdout).toContain('EADDRINUSE');
    const block = specFailure(failing.stdout, 'serves HTTP on its port');
    expect(block).toContain('Flake Doctor — infrastructure seen when this test failed');
    expect(block).toContain(`${faults.address}:${faults.httpPort} is held by pid ${faults.lingering.pid}`);
    expect(block).toContain('reuseport_listener.py');
  });

  it('names the stalled fetch and the server that never answered under the timed-out test', () => {
    expect(failing.stdout).toContain('test timed out after 1500ms');
    const block = specFailure(failing.stdout, 'acquires a job from the broker');
    expect(block).toContain(`GET ${faults.hanging.url} in flight for`);
    expect(block).toContain(`served by pid ${faults.hanging.child.pid}`);
  });

  it('names the restart lock the test waited on and its holder, dead on another host', () => {
    const block = specFailure(failing.stdout, 'restarts the service under the restart lock');
    expect(block).toContain(`for restart lock ${faults.lockPath}`);
    expect(block).toContain(`holder on host ${OTHER_HOST}`);
    expect(block).toContain(`culprit: pid ${faults.holderPid}`);
  });

  it("prints the calls tests left running, each with its test's name, after the run", () => {
    expect(failing.stdout).toMatch(
      /Flake Doctor — failing\/leftover\.test\.mjs ended with 1 thing still running:\n {2}• GET http:\/\/127\.0\.0\.1:\d+\/warm \(call, .*left running by 'warms the cache without waiting'/,
    );
    expect(failing.stdout).toMatch(/left running by 'acquires a job from the broker' in failing\/fetch\.test\.mjs/);
    expect(failing.stdout).toContain('report written to flake-doctor-report.json');
  });

  it('writes flake-doctor-report.json, valid against the shipped schema, with failures and leftovers', () => {
    expectFailingRunReport(report, fixture.schema, faults, NAMING);
  });

  it('exports the failures and what the files left running as OTLP log records, each leftover named by its test', () => {
    expectFailingRunExport(exported, NAMING);
  });

  it('shows no Flake Doctor section and removes the earlier report when everything passes', async () => {
    const passing = await run(node, [...ARGS, ...filesIn(fixture.root, 'passing')], {
      cwd: fixture.root,
      env: childEnv({ FLAKE_DOCTOR_BRIDGE_DIR: dir }),
      timeoutMs: 60_000,
    });
    expect(passing.code, passing.stdout + passing.stderr).toBe(0);
    expect(passing.stdout + passing.stderr).not.toContain('Flake Doctor');
    expect(existsSync(join(fixture.root, 'flake-doctor-report.json'))).toBe(false);
  });
});
