// The register module under real test runners, started the way a terminal starts them: a copy
// of test/bridge/fixtures/runners as a project whose node_modules is the repo's (so its .bin
// holds the links npm makes), run through `npm test`, `npm run`, `npx`, `pnpm` and `yarn`
// with the register module preloaded through NODE_OPTIONS in smart mode, as auto-attach does
// it (`--require` of the CommonJS bundle; the vmThreads, vmForks, mocha and ava cases
// `--import` the ES module one). Each inner test reports its pid/thread and waits until this
// test has found it through discovery and read its snapshot; the launchers themselves (npm,
// npx, pnpm, yarn) must not publish. Every vitest pool, jest in band and with workers, mocha,
// ava's worker threads and `node --test`; and `flake-doctor` itself, which must not publish.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRegister } from '../helpers/registerBuild';
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from 'vitest';
import { connectBridge, listBridgeProcesses, type BridgeProcessEntry } from '../../src/core/bridge';
import { installFixture } from '../doctor/package';
import { REPO_ROOT } from '../helpers/processes';
import { bridgeDir, buildScripts, eventually, removeDir, type BuiltScripts } from './helpers';

const FIXTURE = join(REPO_ROOT, 'test/bridge/fixtures/runners');
let scripts: BuiltScripts;
/** The register module as the package's ES module entry (dist/lib/bridge-register.mjs), for `--import`. */
let registerModule: string;
beforeAll(async () => {
  scripts = await buildScripts();
  registerModule = join(scripts.dir, 'bridge-register.mjs');
  await buildRegister(registerModule, 'esm');
});
afterAll(() => removeDir(scripts.dir));

/** A fresh copy of the fixture project (its own jest and vite caches), node_modules linked to the repo's. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fd-runners-'));
  // Without any node_modules of the fixture's own (a vite cache an earlier runner left there): the repo's is linked instead.
  cpSync(FIXTURE, dir, { recursive: true, filter: (source) => !source.startsWith(join(FIXTURE, 'node_modules')) });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** A terminal's environment: none of this run's vitest, npm or Flake Doctor variables. */
function terminalEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(VITEST|npm_|FLAKE_DOCTOR_|NODE_OPTIONS$|TINYPOOL_WORKER_ID$)/i.test(k) && k !== 'NODE_ENV') env[k] = v;
  return { ...env, CI: '1', npm_config_update_notifier: 'false', ...extra };
}

interface Found {
  pid: number;
  threadId: number;
  /** The listed entry of the inner test's process (thread). */
  entry: BridgeProcessEntry;
  /** Every process listed while the inner test waited. */
  listed: BridgeProcessEntry[];
  exit: number | null;
  output: string;
}

/** Runs `command args` in a fresh project as a terminal would, and finds the inner test's process through the bridge. */
async function runAndFind(expect: ExpectStatic, command: string, args: string[], preload: 'require' | 'import' = 'require'): Promise<Found> {
  const dir = bridgeDir();
  const cwd = project();
  const handshake = join(cwd, 'handshake');
  try {
    // Its own process group, so that the whole tree (launcher, shell, runner, workers) is
    // killed if this test fails half-way.
    const child = spawn(command === 'pnpm' || command === 'yarn' ? join(cwd, 'node_modules/.bin', command) : command, args, {
      cwd,
      env: terminalEnv({
        NODE_OPTIONS: preload === 'require' ? `--require ${scripts.register}` : `--import ${registerModule}`,
        FLAKE_DOCTOR_BRIDGE_MODE: 'smart',
        FLAKE_DOCTOR_BRIDGE_DIR: dir,
        FD_HANDSHAKE: handshake,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const who = await eventually(
        () => (existsSync(`${handshake}.who`) ? (JSON.parse(readFileSync(`${handshake}.who`, 'utf8')) as { pid: number; threadId: number }) : undefined),
        'the inner test to report',
        90_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${output}`);
      });
      let listed: BridgeProcessEntry[] = [];
      const entry = await eventually(async () => {
        listed = await listBridgeProcesses({ dir });
        return listed.find((e) => e.pid === who.pid && e.threadId === who.threadId);
      }, `pid ${who.pid} thread ${who.threadId} listed`).catch((err: Error) => {
        throw new Error(`${err.message}; listed: ${JSON.stringify(listed.map((e) => e.command))}`);
      });
      const client = await connectBridge(entry.socketPath);
      const snapshot = await client.snapshot();
      client.close();
      expect(snapshot.process).toMatchObject({ pid: who.pid, threadId: who.threadId, via: 'register' });
      writeFileSync(`${handshake}.seen`, '');
      return { ...who, entry, listed, exit: await exited, output };
    } finally {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group has exited.
      }
    }
  } finally {
    removeDir(dir);
    removeDir(cwd);
  }
}

/** npm, npx, pnpm and yarn: the launchers smart mode leaves alone. */
const LAUNCHER = /[\\/](npm-cli|npx-cli)\.js\b|[\\/]pnpm[\\/]|[\\/]bin[\\/]yarn\.js\b/;
const bin = (runner: string): string => `/node_modules/.bin/${runner}`;

function expectLaunchersSilent(expect: ExpectStatic, r: Found): void {
  expect(r.exit, r.output).toBe(0);
  expect(r.listed.filter((e) => LAUNCHER.test(e.command)).map((e) => e.command)).toEqual([]);
}

/** The thread's own process, the runner started through .bin, publishes too (a thread follows its process). */
function expectRunnerProcess(expect: ExpectStatic, r: Found, runner: string): void {
  const main = r.listed.find((e) => e.pid === r.pid && e.threadId === 0);
  expect(main?.command).toContain(bin(runner));
}

// Each test starts a launcher, a whole test runner and its workers on a possibly busy 2-core
// machine: generous time limits, which bound a hang without judging speed. They run side by
// side (each in its own project copy and bridge directory).
describe.concurrent('runners started through node_modules/.bin, smart mode', { timeout: 150_000 }, () => {
  it("npm test → vitest's forks pool: the worker process publishes", async ({ expect }) => {
    const r = await runAndFind(expect, 'npm', ['test', '--', '--pool', 'forks']);
    expectLaunchersSilent(expect, r);
    expect(r.threadId).toBe(0);
    expect(r.entry.command).toContain('/tinypool/');
  });

  it('npx vitest → the threads pool: the worker thread publishes on its own socket', async ({ expect }) => {
    const r = await runAndFind(expect, 'npx', ['vitest', 'run', '--pool', 'threads']);
    expectLaunchersSilent(expect, r);
    expect(r.threadId).toBeGreaterThan(0);
    expect(r.entry.command).toContain('/tinypool/dist/entry/worker.js');
    expectRunnerProcess(expect, r, 'vitest');
  });

  it('pnpm test → the vmThreads pool: the worker thread publishes', async ({ expect }) => {
    const r = await runAndFind(expect, 'pnpm', ['test', '--pool', 'vmThreads'], 'import');
    expectLaunchersSilent(expect, r);
    expect(r.threadId).toBeGreaterThan(0);
    expect(r.entry.command).toContain('/tinypool/dist/entry/worker.js');
    expectRunnerProcess(expect, r, 'vitest');
  });

  it('yarn test → the vmForks pool: the worker process publishes', async ({ expect }) => {
    const r = await runAndFind(expect, 'yarn', ['test', '--pool', 'vmForks'], 'import');
    expectLaunchersSilent(expect, r);
    expect(r.threadId).toBe(0);
    expect(r.entry.command).toContain('/tinypool/');
  });

  it('npm run jest -- --runInBand: the jest process publishes', async ({ expect }) => {
    const r = await runAndFind(expect, 'npm', ['run', 'jest', '--', '--runInBand']);
    expectLaunchersSilent(expect, r);
    expect(r.entry.command).toContain(bin('jest'));
  });

  it('npx jest with two workers: the worker process publishes', async ({ expect }) => {
    const r = await runAndFind(expect, 'npx', ['jest', '--maxWorkers=2']);
    expectLaunchersSilent(expect, r);
    expect(r.entry.command).toContain('/jest-worker/');
    // The jest process that started the worker publishes too.
    expect(r.listed.some((e) => e.command.includes(bin('jest')))).toBe(true);
  });

  it('pnpm run mocha: the mocha process publishes', async ({ expect }) => {
    const r = await runAndFind(expect, 'pnpm', ['run', 'mocha'], 'import');
    expectLaunchersSilent(expect, r);
    expect(r.entry.command).toContain(bin('mocha'));
  });

  it("yarn ava: ava's worker thread publishes", async ({ expect }) => {
    const r = await runAndFind(expect, 'yarn', ['ava'], 'import');
    expectLaunchersSilent(expect, r);
    expect(r.threadId).toBeGreaterThan(0);
    expect(r.entry.command).toContain('/ava/lib/worker/base.js');
    expectRunnerProcess(expect, r, 'ava');
  });

  it('npm run node-test (node --test): the test file process publishes', async ({ expect }) => {
    const r = await runAndFind(expect, 'npm', ['run', 'node-test']);
    expectLaunchersSilent(expect, r);
    expect(r.entry.command).toContain('self.node-test.mjs');
  });
});

describe('flake-doctor doctor in an attached terminal', { timeout: 120_000 }, () => {
  it('neither publishes itself nor lists itself, and lists the attached process beside it', async () => {
    const fixture = await installFixture();
    const dir = bridgeDir();
    // The bin as npm links it; `always`, so the preload starts a bridge in the doctor too.
    mkdirSync(join(fixture.root, 'node_modules/.bin'), { recursive: true });
    symlinkSync('../flake-doctor/dist/cli.cjs', join(fixture.root, 'node_modules/.bin/flake-doctor'));
    const env = terminalEnv({ NODE_OPTIONS: `--require ${scripts.register}`, FLAKE_DOCTOR_BRIDGE_MODE: 'always', FLAKE_DOCTOR_BRIDGE_DIR: dir });
    const control = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { env, stdio: 'ignore' });
    const doctor = spawn(join(fixture.root, 'node_modules/.bin/flake-doctor'), ['watch', '--json', '--interval', '200'], {
      cwd: fixture.root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      doctor.stdout.on('data', (d: Buffer) => (out += d.toString()));
      doctor.stderr.on('data', (d: Buffer) => (out += d.toString()));
      await eventually(async () => ((await listBridgeProcesses({ dir })).some((e) => e.pid === control.pid) ? true : undefined), 'the control process listed');
      // Three passes 200 ms apart: long past the turn on which a preloaded bridge listens.
      const reports = await eventually(
        () => {
          const lines = out.split('\n').filter((l) => l.startsWith('{'));
          return lines.length >= 3 ? lines.map((l) => JSON.parse(l) as { processes: Array<{ pid: number }> }) : undefined;
        },
        'three doctor passes',
        60_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: ${out}`);
      });
      const last = reports[reports.length - 1];
      expect(last.processes.map((p) => p.pid)).toContain(control.pid);
      expect(last.processes.map((p) => p.pid)).not.toContain(doctor.pid);
      expect((await listBridgeProcesses({ dir })).map((e) => e.pid)).not.toContain(doctor.pid);
      expect(readdirSync(dir).filter((f) => f.startsWith(`${doctor.pid}-`))).toEqual([]);
    } finally {
      doctor.kill('SIGKILL');
      control.kill('SIGKILL');
      removeDir(dir);
      fixture.remove();
    }
  });
});

describe('the ES module build of the register module (--import)', () => {
  // Without process.getBuiltinModule (Node 20 before 20.16) an ES module has no synchronous way
  // to load the CommonJS publishing part; the register module imports it instead.
  // With it, the publishing part goes through the code cache as with --require; without it,
  // through import(), which a vm-compiled script could not do.
  it.each([
    ['with process.getBuiltinModule', [], 'code cache written'],
    ['without it, as on Node 20 before 20.16', ['--import', 'data:text/javascript,delete process.getBuiltinModule'], null],
  ])('loads its publishing part from beside it and publishes, %s', async (_, before, cacheLine) => {
    const dir = bridgeDir();
    const child = spawn(process.execPath, [...before, '--import', registerModule, '-e', 'setTimeout(() => {}, 60_000)'], {
      env: terminalEnv({ FLAKE_DOCTOR_BRIDGE_MODE: 'always', FLAKE_DOCTOR_BRIDGE_DIR: dir, FLAKE_DOCTOR_DEBUG: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const entry = await eventually(async () => (await listBridgeProcesses({ dir })).find((e) => e.pid === child.pid), 'the process listed').catch(
        (err: Error) => {
          throw new Error(`${err.message}\n${output}`);
        },
      );
      const client = await connectBridge(entry.socketPath);
      const snapshot = await client.snapshot();
      client.close();
      expect(snapshot.process).toMatchObject({ pid: child.pid, via: 'register' });
      if (cacheLine) expect(output).toContain(cacheLine);
      else expect(output).not.toContain('code cache');
    } finally {
      child.kill('SIGKILL');
      removeDir(dir);
    }
  });
});
