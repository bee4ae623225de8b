// The vitest plugin on a real project (test/fixtures/doctor-project) run by real vitest in a
// child process, with real faults staged: a lingering SO_REUSEPORT listener on the test's port
// of its leased address, a broker that never answers, a restart lock left by a process that died on another host.
// Each failing test's output must name its culprit, the JSON report must validate against the
// shipped schema, and a passing run must show no Flake Doctor section and write no report.
// The case (leftovers/clients.test.mjs): fetch, axios and http.get tests against a
// server that never answers; each failure names only its own call as its own, and what earlier
// tests left running apart; the file's end names what is still running, by test.
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

/**
 * Whether node:http calls (axios, http.get) are observed: false until h-http's observer
 * (src/core/observe/httpClient.ts, `observeHttpClient`, a placeholder returning null here) is
 * merged. The integrator switches this to true after merging it; the tests it guards show as
 * skipped until then. Everything else below holds without it.
 */
const NODE_HTTP_OBSERVER_MERGED = true;

describe("the issue's case: fetch, axios and http.get tests against a server that never answers", () => {
  const FILE = 'leftovers/clients.test.mjs';
  let clients: RunResult;
  let clientsReport: {
    leftovers?: { file: string; subject: string; severity: string; test: { file: string; name: string } | null }[];
    failures: { test: string; culprits: { subject: string; startedBy?: { relation: string; test: { name: string } | null } }[] }[];
  };
  let origin: string;
  const blockOf = (name: string): string => {
    const out = clients.stdout + clients.stderr;
    const start = out.indexOf(`FAIL  ${FILE} > ${name}`, out.indexOf('Failed Tests'));
    expect(start, `no failure block for ${name} in:\n${out}`).toBeGreaterThan(-1);
    const next = out.indexOf(' FAIL  ', start + 5);
    return out.slice(start, next === -1 ? undefined : next);
  };
  /** The lines of a block that name `path`, split at the leftovers heading. */
  const linesNaming = (block: string, path: string): { own: string[]; leftover: string[] } => {
    const at = block.indexOf("Left running by earlier tests (not this test's own):");
    const [own, rest] = at === -1 ? [block, ''] : [block.slice(0, at), block.slice(at)];
    // The section's lines only: the default reporter prints each culprit again below the stack as a test annotation (`↳ …`).
    const naming = (text: string) => text.split('\n').filter((l) => l.includes(`${origin}${path}`) && !l.trimStart().startsWith('↳'));
    return { own: naming(own), leftover: naming(rest) };
  };

  beforeAll(async () => {
    origin = new URL(hanging!.url).origin;
    clients = await run(process.execPath, [VITEST_BIN, 'run', 'leftovers/clients'], {
      cwd: fixture.root,
      env: childEnv({ FIXTURE_HANG_ORIGIN: origin, FLAKE_DOCTOR_BRIDGE_DIR: dir }),
      timeoutMs: 90_000,
    });
    clientsReport = JSON.parse(readFileSync(join(fixture.root, 'flake-doctor-report.json'), 'utf8'));
  }, 120_000);

  it("names the fetch test's own stalled fetch as its own, with the server that never answered", () => {
    expect(clients.code).toBe(1);
    const lines = linesNaming(blockOf('fetch waits for the broker'), '/by-fetch');
    expect(lines.own).toEqual([expect.stringContaining(`call: GET ${origin}/by-fetch in flight for`)]);
    expect(lines.leftover).toEqual([]);
    expect(blockOf('fetch waits for the broker')).toContain(`served by pid ${hanging!.child.pid}`);
  });

  it("never presents the fetch test's leftover as the axios or http.get test's own call", () => {
    for (const name of ['axios waits for the broker', 'http.get waits for the broker']) {
      const lines = linesNaming(blockOf(name), '/by-fetch');
      expect(lines.own, name).toEqual([]);
      expect(lines.leftover, name).toEqual([
        expect.stringContaining(`left over from 'fetch waits for the broker' in ${FILE}: GET ${origin}/by-fetch in flight for`),
      ]);
    }
    const axios = clientsReport.failures.find((f) => f.test === 'axios waits for the broker')!;
    expect(axios.culprits.filter((c) => c.subject.endsWith('/by-fetch'))).toEqual([
      expect.objectContaining({ startedBy: { relation: 'leftover', test: { file: FILE, name: 'fetch waits for the broker' } } }),
    ]);
    expect(clientsReport.failures.flatMap((f) => f.culprits).filter((c) => c.startedBy?.relation === 'own' && c.subject.endsWith('/by-fetch'))).toHaveLength(1);
    // Shown once, for the record of what a person sees:
    console.log(blockOf('axios waits for the broker'));
  });

  it('reports what the file left running once, named by test, in the output and in the report (valid against the schema)', () => {
    const out = clients.stdout + clients.stderr;
    expect(out.split(`Flake Doctor — ${FILE} ended with`)).toHaveLength(2);
    expect(out).toContain(`GET ${origin}/by-fetch (call, started`);
    expect(out).toContain(`left running by 'fetch waits for the broker' in ${FILE}`);
    expect(clientsReport.leftovers).toContainEqual(
      expect.objectContaining({ file: FILE, subject: `GET ${origin}/by-fetch`, severity: 'warning', test: { file: FILE, name: 'fetch waits for the broker' } }),
    );
    const validate = compileReportSchema(fixture.pkg.schema);
    expect(validate(clientsReport), JSON.stringify(validate.errors)).toBe(true);
    console.log(out.slice(out.indexOf(`Flake Doctor — ${FILE} ended with`)));
  });

  // Needs h-http's node:http observer (see NODE_HTTP_OBSERVER_MERGED).
  it.skipIf(!NODE_HTTP_OBSERVER_MERGED)("names the axios and http.get calls as their own tests' calls (needs the node:http observer)", () => {
    for (const [name, path] of [
      ['axios waits for the broker', '/by-axios'],
      ['http.get waits for the broker', '/by-http-get'],
    ]) {
      const lines = linesNaming(blockOf(name), path);
      expect(lines.own, name).toEqual([expect.stringContaining(`call: GET ${origin}${path} in flight for`)]);
      expect(lines.leftover, name).toEqual([]);
      expect(clientsReport.leftovers).toContainEqual(expect.objectContaining({ subject: `GET ${origin}${path}`, test: { file: FILE, name } }));
    }
    // The http.get test sees the axios call as the axios test's leftover.
    expect(linesNaming(blockOf('http.get waits for the broker'), '/by-axios').leftover).toEqual([
      expect.stringContaining(`left over from 'axios waits for the broker' in ${FILE}`),
    ]);
  });
});

describe('a passing test that leaves a call running', () => {
  const FILE = 'leftovers/unawaited.test.mjs';
  const runWith = (mode: string | null) =>
    run(process.execPath, [VITEST_BIN, 'run', 'leftovers/unawaited'], {
      cwd: fixture.root,
      env: childEnv({ FIXTURE_HANG_ORIGIN: new URL(hanging!.url).origin, FLAKE_DOCTOR_BRIDGE_DIR: dir, ...(mode ? { FIXTURE_LEFTOVERS: mode } : {}) }),
      timeoutMs: 60_000,
    });

  it('warns by default: the run passes, the call is named with its test once, and the report lists it', async () => {
    const warned = await runWith(null);
    const out = warned.stdout + warned.stderr;
    expect(warned.code, out).toBe(0);
    expect(out.split(`Flake Doctor — ${FILE} ended with 1 thing still running:`)).toHaveLength(2);
    expect(out).toContain(`/never-awaited (call, started`);
    expect(out).toContain(`left running by 'starts a request it never awaits' in ${FILE}`);
    const report = JSON.parse(readFileSync(join(fixture.root, 'flake-doctor-report.json'), 'utf8'));
    expect(report.failures).toEqual([]);
    expect(report.leftovers).toEqual([expect.objectContaining({ file: FILE, kind: 'call', severity: 'warning' })]);
  });

  it("fails the run with flakeDoctor({ leftovers: 'fail' }), naming the call and its test", async () => {
    const failed = await runWith('fail');
    const out = failed.stdout + failed.stderr;
    expect(failed.code, out).toBe(1);
    expect(out).toContain("this file ended with 1 thing(s) still running (flakeDoctor({ leftovers: 'fail' }))");
    expect(out).toContain(`left running by 'starts a request it never awaits' in ${FILE}`);
    const report = JSON.parse(readFileSync(join(fixture.root, 'flake-doctor-report.json'), 'utf8'));
    expect(report.leftovers).toEqual([expect.objectContaining({ file: FILE, severity: 'error' })]);
  });

  it("says nothing with flakeDoctor({ leftovers: 'off' })", async () => {
    const off = await runWith('off');
    expect(off.code).toBe(0);
    expect(off.stdout + off.stderr).not.toContain('Flake Doctor');
  });
});

describe('test.concurrent: calls started while tests overlap', () => {
  it("are named as started outside any test, never as one test's own or as a leftover of the other", async () => {
    const origin = new URL(hanging!.url).origin;
    const concurrent = await run(process.execPath, [VITEST_BIN, 'run', 'leftovers/concurrent'], {
      cwd: fixture.root,
      env: childEnv({ FIXTURE_HANG_ORIGIN: origin, FLAKE_DOCTOR_BRIDGE_DIR: dir }),
      timeoutMs: 60_000,
    });
    const out = concurrent.stdout + concurrent.stderr;
    expect(concurrent.code, out).toBe(1);
    const naming = out.split('\n').filter((l) => l.includes(`${origin}/concurrent-`));
    // Each call named in both failure sections and once at the file's end.
    expect(naming.length, out).toBeGreaterThanOrEqual(4);
    for (const line of naming) expect(line).toMatch(/started outside any test/);
  });
});
