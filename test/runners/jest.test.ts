// jest 29 and 30 on a real project (test/fixtures/jest-project) set up as the docs say —
// `setupFilesAfterEnv: ['flake-doctor/jest/setup']`, `reporters: ['default', 'flake-doctor/jest']`
// — run in a child process with real faults staged. Each failing test's Flake Doctor section
// must be in jest's own output, in that test's failure; the file that left a call running must
// be named with the test that started it; the report must validate against the shipped schema;
// a passing run shows no section and leaves no report.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeDir, removeDir } from '../bridge/helpers';
import { OTHER_HOST } from '../doctor/faults';
import { childEnv, run, type RunResult } from '../doctor/package';
import { compileReportSchema } from '../doctor/schema';
import { REPO_ROOT } from '../helpers/processes';
import { installRunnerFixture, type RunnerFixture } from './runnerPackage';
import { stageFaults, type StagedFaults } from './stage';

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

  beforeAll(async () => {
    fixture = await installRunnerFixture('jest-project');
    faults = await stageFaults(fixture.root);
    dir = bridgeDir();
    const version = await run(process.execPath, [bin, '--version'], { cwd: fixture.root, env: childEnv() });
    expect(version.stdout.trim().startsWith(major), version.stdout).toBe(true);
    failing = await run(process.execPath, [bin, 'failing'], {
      cwd: fixture.root,
      env: childEnv({ ...faults.env, FLAKE_DOCTOR_BRIDGE_DIR: dir }),
      timeoutMs: 90_000,
    });
    const path = join(fixture.root, 'flake-doctor-report.json');
    report = existsSync(path) ? readFileSync(path, 'utf8') : null;
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
    expect(report, 'no flake-doctor-report.json after the failing run').not.toBeNull();
    const parsed = JSON.parse(report!);
    const validate = compileReportSchema(fixture.schema);
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
    const byFile = new Map<string, { test: string; errors: string[]; culprits: { kind: string; culprit: { pid: number } | null }[] }>(
      parsed.failures.map((f: { file: string }) => [f.file, f]),
    );
    expect(byFile.get('failing/loopback.test.js')?.test).toBe('http server › serves HTTP on its port');
    expect(byFile.get('failing/loopback.test.js')?.culprits).toContainEqual(
      expect.objectContaining({ kind: 'loopback', culprit: expect.objectContaining({ pid: faults.lingering.pid }) }),
    );
    expect(byFile.get('failing/fetch.test.js')?.culprits).toContainEqual(
      expect.objectContaining({ kind: 'call', culprit: expect.objectContaining({ pid: faults.hanging.child.pid }) }),
    );
    expect(byFile.get('failing/lock.test.js')?.culprits).toContainEqual(
      expect.objectContaining({ kind: 'lock', culprit: expect.objectContaining({ pid: faults.holderPid }) }),
    );
    // The report's errors are the test's own, not the section shown with them.
    expect([...byFile.values()].every((f) => f.errors.length > 0 && f.errors.every((e) => !e.includes('Flake Doctor')))).toBe(true);
    const leftovers = [...parsed.leftovers].sort((a: { file: string }, b: { file: string }) => a.file.localeCompare(b.file));
    expect(leftovers).toEqual([
      expect.objectContaining({
        file: 'failing/fetch.test.js',
        kind: 'call',
        severity: 'warning',
        test: { file: 'failing/fetch.test.js', name: 'acquires a job from the broker' },
      }),
      expect.objectContaining({
        file: 'failing/leftover.test.js',
        kind: 'call',
        severity: 'warning',
        test: { file: 'failing/leftover.test.js', name: 'warms the cache without waiting' },
      }),
    ]);
  });

  it('shows no Flake Doctor section and removes the earlier report when everything passes', async () => {
    const passing = await run(process.execPath, [bin, 'passing'], { cwd: fixture.root, env: childEnv({ FLAKE_DOCTOR_BRIDGE_DIR: dir }), timeoutMs: 60_000 });
    expect(passing.code, passing.stdout + passing.stderr).toBe(0);
    expect(passing.stdout + passing.stderr).not.toContain('Flake Doctor');
    expect(existsSync(join(fixture.root, 'flake-doctor-report.json'))).toBe(false);
  });
});
