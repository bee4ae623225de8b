// The culprits as vitest test annotations (issue 17 §1), in real vitest runs of the fixture
// project (test/fixtures/doctor-project) with the built package, each reporter as a user picks
// it on the command line: the JUnit reporter must carry each culprit as a <property> of the
// failed test case, the github-actions reporter as a workflow command, the default reporter
// under the failure, next to the text section it keeps. Faults staged for real: a lingering
// SO_REUSEPORT listener on the test's port of its leased address, a server that never answers.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeDir, removeDir } from '../bridge/helpers';
import { freePortOn, randomRangeStart } from '../helpers/ports';
import { startReusePortListener, stopChild } from '../helpers/processes';
import { startHangingServer } from './faults';
import { childEnv, installFixture, run, VITEST_BIN, type RunResult } from './package';

let fixture: Awaited<ReturnType<typeof installFixture>>;
let lingering: ChildProcess | undefined;
let hanging: Awaited<ReturnType<typeof startHangingServer>> | undefined;
let dir: string;
let address: string;
let httpPort: number;

beforeAll(async () => {
  fixture = await installFixture();
  dir = bridgeDir();
  const start = randomRangeStart(1);
  address = `127.0.0.${start}`;
  const [opsPort, port] = [await freePortOn([address]), await freePortOn([address])];
  httpPort = port;
  writeFileSync(
    join(fixture.root, '.vscode/settings.json'),
    `{\n  "flakeDoctor.loopback.start": ${start},\n  "flakeDoctor.loopback.count": 1,\n  "flakeDoctor.loopback.probePorts": [${opsPort}],\n  "flakeDoctor.loopback.poolFiles": ["\${workspaceFolder}/pool.json"]\n}\n`,
  );
  lingering = await startReusePortListener(address, [httpPort]);
  hanging = await startHangingServer();
}, 60_000);

afterAll(async () => {
  await stopChild(lingering);
  await stopChild(hanging?.child);
  removeDir(dir);
  fixture?.remove();
});

/** `vitest run <filter> <args>` in the fixture, with the staged faults in its environment. */
function vitest(filters: string[], args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run(process.execPath, [VITEST_BIN, 'run', ...filters, ...args], {
    cwd: fixture.root,
    env: childEnv({ FIXTURE_HTTP_PORT: String(httpPort), FIXTURE_HANG_ORIGIN: new URL(hanging!.url).origin, FLAKE_DOCTOR_BRIDGE_DIR: dir, ...env }),
    timeoutMs: 90_000,
  });
}

/** The <testcase> element of one test in JUnit XML, from its opening tag to its closing one. */
function testCase(xml: string, name: string): string {
  const at = xml.indexOf(`name="${xmlEscaped(name)}"`);
  expect(at, `no <testcase> for ${name} in:\n${xml}`).toBeGreaterThan(-1);
  return xml.slice(xml.lastIndexOf('<testcase ', at), xml.indexOf('</testcase>', at));
}

/** The <property> lines of a test case whose name starts with `prefix`. */
function properties(tc: string, prefix: string): string[] {
  return tc.split('\n').filter((l) => l.trim().startsWith(`<property name="${prefix}`));
}

/** JUnit's escaping of an attribute value (escapeXML in vitest's junit reporter). */
function xmlEscaped(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

describe('the JUnit reporter', () => {
  it('carries the lingering listener as a flake-doctor:loopback <property> of the failed test case, naming its pid and command', async () => {
    const junit = await vitest(['failing/loopback'], ['--reporter=junit']);
    expect(junit.code, junit.stderr).toBe(1);
    const tc = testCase(junit.stdout, 'serves HTTP on its leased address');
    const loopback = properties(tc, 'flake-doctor:loopback"');
    expect(loopback, tc).toHaveLength(1);
    expect(loopback[0]).toContain(xmlEscaped(`${address}:${httpPort} is held by pid ${lingering!.pid}`));
    expect(loopback[0]).toContain(xmlEscaped(`— culprit: pid ${lingering!.pid} (`));
    expect(loopback[0]).toContain('reuseport_listener.py');
    // The test's own failed listen comes first, and the failure text keeps the section.
    expect(properties(tc, 'flake-doctor:')[0]).toContain(`name="flake-doctor:listen" value="listen ${address}:${httpPort}: address in use`);
    expect(tc).toContain('Flake Doctor — infrastructure seen when this test failed');
    // Shown once, for the record of what a person sees:
    console.log(tc);
  });
});

describe('the github-actions reporter (GITHUB_ACTIONS=true)', () => {
  it('prints a ::notice workflow command titled flake-doctor:<kind> per culprit, also where no ::error is printed for the failure', async () => {
    const gha = await vitest(['failing/loopback', 'leftovers/clients'], ['--reporter=github-actions'], { GITHUB_ACTIONS: 'true' });
    expect(gha.code, gha.stderr).toBe(1);
    const lines = (gha.stdout + gha.stderr).split('\n');
    const commands = lines.filter((l) => l.startsWith('::'));
    const titled = (kind: string) => commands.filter((l) => l.startsWith('::notice ') && l.includes(`,title=flake-doctor%3A${kind}::`));
    const loopback = titled('loopback');
    expect(loopback, commands.join('\n')).toHaveLength(1);
    expect(loopback[0]).toContain(`::${address}:${httpPort} is held by pid ${lingering!.pid}`);
    expect(loopback[0]).toContain(`— culprit: pid ${lingering!.pid} (`);
    expect(titled('listen')).toEqual([expect.stringContaining(`::listen ${address}:${httpPort}: address in use`)]);
    // vitest locates an annotation where context.annotate was called: the plugin's setup file.
    expect(loopback[0]).toMatch(/^::notice file=[^,]*\/node_modules\/flake-doctor\/dist\/lib\/vitest-setup\.mjs,line=\d+,column=\d+,title=/);
    // An EADDRINUSE from node's net has no frame in the test file, and the reporter prints an
    // ::error only for errors with one: for this failure the notices are all GitHub shows.
    expect(commands.filter((l) => l.startsWith('::error ') && l.includes('loopback.test.mjs'))).toEqual([]);
    // A timeout has its frame: its ::error carries the section, and the call has its notices.
    const origin = new URL(hanging!.url).origin;
    const timedOut = commands.filter((l) => l.startsWith('::error ') && l.includes('clients.test.mjs'));
    expect(timedOut.length, commands.join('\n')).toBeGreaterThanOrEqual(1);
    expect(timedOut[0]).toContain('Flake Doctor — infrastructure seen when this test failed');
    expect(titled('call').filter((l) => l.includes(`::GET ${origin}/by-fetch in flight for`))).toHaveLength(1);
    expect(titled('leftover%3Acall').length).toBeGreaterThanOrEqual(1);
    console.log(commands.join('\n'));
  });
});

describe('the default reporter', () => {
  it('shows the text section and, after the stack, the annotations', async () => {
    const plain = await vitest(['failing/loopback'], []);
    expect(plain.code).toBe(1);
    const out = plain.stdout + plain.stderr;
    const block = out.slice(out.indexOf('FAIL  failing/loopback.test.mjs', out.indexOf('Failed Tests')));
    const section = block.indexOf('Flake Doctor — infrastructure seen when this test failed');
    const annotation = block.search(/❯ node_modules\/flake-doctor\/dist\/lib\/vitest-setup\.mjs:\d+:\d+ flake-doctor:loopback\n\s+↳ /);
    expect(section, block).toBeGreaterThan(-1);
    expect(annotation, block).toBeGreaterThan(section);
  });
});

describe("a failure after an earlier test's leftover", () => {
  it("annotates each test's own stalled call as flake-doctor:call, first, and the earlier test's call as flake-doctor:leftover:call", async () => {
    const junit = await vitest(['leftovers/clients'], ['--reporter=junit']);
    expect(junit.code, junit.stderr).toBe(1);
    const origin = new URL(hanging!.url).origin;
    const first = testCase(junit.stdout, 'fetch waits for the broker');
    expect(properties(first, 'flake-doctor:')).toEqual([expect.stringContaining(`name="flake-doctor:call" value="GET ${origin}/by-fetch in flight for`)]);
    expect(first).toContain(`— culprit: pid ${hanging!.child.pid} (`);
    // The axios test's own call (seen by the node:http observer), then the fetch test's leftover.
    const next = testCase(junit.stdout, 'axios waits for the broker');
    expect(properties(next, 'flake-doctor:'), next).toEqual([
      expect.stringContaining(`name="flake-doctor:call" value="GET ${origin}/by-axios in flight for`),
      expect.stringContaining(
        `name="flake-doctor:leftover:call" value="left over from ${xmlEscaped("'fetch waits for the broker'")} in leftovers/clients.test.mjs: GET ${origin}/by-fetch in flight for`,
      ),
    ]);
  });
});
