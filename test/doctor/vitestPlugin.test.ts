// The vitest plugin on a real project (test/fixtures/doctor-project) run by real vitest in a
// child process, with real faults staged: a lingering SO_REUSEPORT listener on the test's port
// of its leased address, a broker that never answers, a restart lock left by a process that died on another host.
// Each failing test's output must name its culprit, the JSON report must validate against the
// shipped schema, and a passing run must show no Flake Doctor section and write no report.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeDir, removeDir } from '../bridge/helpers';
import { freePortOn, randomRangeStart } from '../helpers/ports';
import { startReusePortListener, stopChild } from '../helpers/processes';
import { childEnv, installFixture, run, VITEST_BIN, type RunResult } from './package';
import { deadPid, OTHER_HOST, plantOtherHostLock, startHangingServer } from './faults';
import { compileReportSchema } from './schema';

let fixture: Awaited<ReturnType<typeof installFixture>>;
let lingering: ChildProcess | undefined;
let hanging: Awaited<ReturnType<typeof startHangingServer>> | undefined;
let dir: string;
let address: string;
let httpPort: number;
let holderPid: number;
let failing: RunResult;
/** The report as the failing run left it, read at once: the passing run's test removes the file. */
let failingReport: string | null;

/** The failure block of one test in vitest's summary: from its FAIL header to the next one. */
function failureBlock(output: string, file: string): string {
  const start = output.indexOf(`FAIL  ${file}`, output.indexOf('Failed Tests'));
  expect(start, `no failure block for ${file} in:\n${output}`).toBeGreaterThan(-1);
  const next = output.indexOf(' FAIL  ', start + 5);
  return output.slice(start, next === -1 ? undefined : next);
}

beforeAll(async () => {
  fixture = await installFixture();
  dir = bridgeDir();
  const start = randomRangeStart(1);
  address = `127.0.0.${start}`;
  const [opsPort, port] = [await freePortOn([address]), await freePortOn([address])];
  httpPort = port;
  writeFileSync(
    join(fixture.root, '.vscode/settings.json'),
    `{\n  // staged by the test\n  "flakeDoctor.loopback.start": ${start},\n  "flakeDoctor.loopback.count": 1,\n  "flakeDoctor.loopback.probePorts": [${opsPort}],\n  "flakeDoctor.loopback.poolFiles": ["\${workspaceFolder}/pool.json"],\n}\n`,
  );
  lingering = await startReusePortListener(address, [httpPort]);
  hanging = await startHangingServer();
  holderPid = deadPid();
  plantOtherHostLock(join(fixture.root, 'home/fleet/restart.lock'), holderPid);
  failing = await run(process.execPath, [VITEST_BIN, 'run', 'failing'], {
    cwd: fixture.root,
    env: childEnv({
      FIXTURE_HTTP_PORT: String(httpPort),
      FIXTURE_HANG_URL: hanging.url,
      FIXTURE_HOME: join(fixture.root, 'home'),
      FLAKE_DOCTOR_BRIDGE_DIR: dir,
    }),
    timeoutMs: 90_000,
  });
  const reportPath = join(fixture.root, 'flake-doctor-report.json');
  failingReport = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : null;
}, 120_000);

afterAll(async () => {
  await stopChild(lingering);
  await stopChild(hanging?.child);
  removeDir(dir);
  fixture?.remove();
});

describe('a run with infrastructure failures', () => {
  it('fails, and names the lingering SO_REUSEPORT listener next to the test that could not listen', () => {
    const out = failing.stdout + failing.stderr;
    expect(failing.code).toBe(1);
    const block = failureBlock(out, 'failing/loopback.test.mjs');
    expect(block).toContain('EADDRINUSE');
    expect(block).toContain('Flake Doctor — infrastructure seen when this test failed');
    expect(block).toContain(`${address}:${httpPort} is held by pid ${lingering!.pid}`);
    expect(block).toContain('reuseport_listener.py');
    expect(block).toContain('the address was leased to this worker');
  });

  it('names the stalled fetch and the server that never answered next to the timed-out test', () => {
    const block = failureBlock(failing.stdout + failing.stderr, 'failing/fetch.test.mjs');
    expect(block).toContain('timed out');
    expect(block).toContain(`GET ${hanging!.url} in flight for`);
    expect(block).toContain('no answer yet');
    expect(block).toContain(`served by pid ${hanging!.child.pid}`);
    expect(block).toContain('hanging-broker');
  });

  it('names the restart lock the test was waiting on and its holder, dead on another host', () => {
    const block = failureBlock(failing.stdout + failing.stderr, 'failing/lock.test.mjs');
    expect(block).toContain('timed out');
    expect(block).toContain(`for restart lock ${join(fixture.root, 'home/fleet/restart.lock')}`);
    expect(block).toContain(`holder on host ${OTHER_HOST}`);
    expect(block).toContain(`culprit: pid ${holderPid}`);
  });

  it('writes flake-doctor-report.json, valid against the shipped schema, with each failure and its culprits', () => {
    expect(failingReport, 'no flake-doctor-report.json after the failing run').not.toBeNull();
    const report = JSON.parse(failingReport!);
    const validate = compileReportSchema(fixture.pkg.schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const byFile = new Map<string, { culprits: { kind: string; culprit: { pid: number } | null }[] }>(
      report.failures.map((f: { file: string }) => [f.file, f]),
    );
    expect(byFile.get('failing/loopback.test.mjs')?.culprits).toContainEqual(
      expect.objectContaining({ kind: 'loopback', culprit: expect.objectContaining({ pid: lingering!.pid }) }),
    );
    expect(byFile.get('failing/fetch.test.mjs')?.culprits).toContainEqual(
      expect.objectContaining({ kind: 'call', culprit: expect.objectContaining({ pid: hanging!.child.pid }) }),
    );
    expect(byFile.get('failing/lock.test.mjs')?.culprits).toContainEqual(
      expect.objectContaining({ kind: 'lock', culprit: expect.objectContaining({ pid: holderPid }) }),
    );
    // The error text in the report is the test's own, without the section appended for the terminal.
    expect(report.failures.every((f: { errors: string[] }) => f.errors.every((e) => !e.includes('Flake Doctor —')))).toBe(true);
    expect(failing.stdout).toContain('report written to flake-doctor-report.json');
    // Shown once, for the record of what a person sees:
    console.log(failureBlock(failing.stdout + failing.stderr, 'failing/loopback.test.mjs'));
  });
});

describe('a run where everything passes', () => {
  it('shows no Flake Doctor section and removes the earlier report', async () => {
    expect(existsSync(join(fixture.root, 'flake-doctor-report.json'))).toBe(true);
    const passing = await run(process.execPath, [VITEST_BIN, 'run', 'passing'], {
      cwd: fixture.root,
      env: childEnv({ FLAKE_DOCTOR_BRIDGE_DIR: dir }),
      timeoutMs: 60_000,
    });
    expect(passing.code, passing.stdout + passing.stderr).toBe(0);
    expect(passing.stdout + passing.stderr).not.toContain('Flake Doctor');
    expect(existsSync(join(fixture.root, 'flake-doctor-report.json'))).toBe(false);
  });
});
