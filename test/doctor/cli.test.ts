// `flake-doctor` run as a child process (the built bin) against real staged faults: a true
// SO_REUSEPORT listener on a pool probe port, a lock held by a really dead process, a stale
// lock, an orphaned .mutex, and a real attached process whose fetch hangs on a silent server.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plantDeadHolderLock, writeLockForTesting } from '../../src/core/lock';
import { bridgeDir, buildScripts, eventually, kill, removeDir, spawnScenario, type BuiltScripts, type Spawned } from '../bridge/helpers';
import { listBridgeProcesses } from '../../src/core/bridge';
import { freePortOn, randomRangeStart } from '../helpers/ports';
import { startReusePortListener, stopChild } from '../helpers/processes';
import { startHangingServer } from './faults';
import { buildPackage, childEnv, run, type BuiltPackage } from './package';
import { compileReportSchema } from './schema';

let work: string;
let pkg: BuiltPackage;
let scripts: BuiltScripts;
let dir: string;
let lingering: ChildProcess | undefined;
let hanging: Awaited<ReturnType<typeof startHangingServer>> | undefined;
let attached: Spawned | undefined;
let start: number;
let probePort: number;
let deadLock: string;
let deadHolder: number;
let staleLock: string;
let mutexLock: string;

function doctor(args: string[], env: NodeJS.ProcessEnv = {}, cwd = work) {
  return run(process.execPath, [pkg.cli, ...args], { cwd, env: childEnv({ FLAKE_DOCTOR_BRIDGE_DIR: dir, ...env }), timeoutMs: 30_000 });
}

const poolFlags = () => [
  '--loopback.start',
  String(start),
  '--loopback.count',
  '2',
  '--loopback.probePorts',
  String(probePort),
  '--loopback.poolFiles',
  join(work, 'pool.json'),
];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'fd-cli-'));
  [pkg, scripts] = await Promise.all([buildPackage(join(work, 'node_modules')), buildScripts()]);
  dir = bridgeDir();
  start = randomRangeStart(2);
  probePort = await freePortOn([`127.0.0.${start}`, `127.0.0.${start + 1}`]);
  lingering = await startReusePortListener(`127.0.0.${start}`, [probePort]);
  ({ pid: deadHolder, lockPath: deadLock } = await plantDeadHolderLock(join(work, 'locks/dead.lock')));
  staleLock = join(work, 'locks/stale.lock');
  writeLockForTesting(staleLock, { timestamp: Date.now() - 120_000 });
  mutexLock = join(work, 'locks/mutex.lock');
  writeFileSync(`${mutexLock}.mutex`, '');
  const old = (Date.now() - 60_000) / 1000;
  utimesSync(`${mutexLock}.mutex`, old, old);
  hanging = await startHangingServer();
  attached = spawnScenario(scripts, dir, ['fetch', hanging.url]);
  await attached.waitFor('ready');
  await eventually(
    async () => ((await listBridgeProcesses({ dir })).some((e) => e.pid === attached!.child.pid) ? true : undefined),
    'the attached process listed',
  );
  // Every test that looks for the stalled fetch passes --calls.stallThresholdMs 300: make the
  // fetch older than that here, not in whichever of those tests happens to run first.
  await new Promise((r) => setTimeout(r, 350));
}, 60_000);

afterAll(async () => {
  await kill(attached);
  await stopChild(lingering);
  await stopChild(hanging?.child);
  removeDir(dir);
  removeDir(scripts.dir);
  rmSync(work, { recursive: true, force: true });
});

describe('flake-doctor doctor', () => {
  it('--json: every staged fault, with its culprit, valid against the shipped schema; exit 1', async () => {
    const r = await doctor([
      'doctor',
      '--json',
      ...poolFlags(),
      '--locks.paths',
      [deadLock, staleLock, mutexLock].join(','),
      '--calls.stallThresholdMs',
      '300',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const validate = compileReportSchema(pkg.schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.schemaVersion).toBe(1);
    const find = (area: string, state: string) => report.problems.find((p: { area: string; state: string }) => p.area === area && p.state === state);

    const conflict = find('loopback', 'conflict');
    expect(conflict).toMatchObject({ subject: `127.0.0.${start}`, severity: 'error', culprit: { pid: lingering!.pid } });
    expect(conflict.culprit.command).toContain('reuseport_listener.py');
    expect(conflict.message).toContain(`probe port ${probePort}`);

    expect(find('locks', 'dead-holder')).toMatchObject({ subject: deadLock, culprit: { pid: deadHolder } });
    expect(find('locks', 'stale')).toMatchObject({ subject: staleLock });
    expect(find('locks', 'orphaned-mutex')).toMatchObject({ subject: `${mutexLock}.mutex` });

    const stalled = find('calls', 'stalled');
    expect(stalled).toMatchObject({ subject: `GET ${hanging!.url}`, process: { pid: attached!.child.pid }, culprit: { pid: hanging!.child.pid } });
    expect(report.processes).toContainEqual(expect.objectContaining({ pid: attached!.child.pid, status: 'ok' }));
    expect(report.summary.byArea).toMatchObject({ loopback: 1, locks: 3, calls: 1 });
  });

  it('text: names each culprit pid, without colour when not on a terminal', async () => {
    const r = await doctor(['doctor', ...poolFlags(), '--locks.paths', deadLock, '--calls.stallThresholdMs', '300']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Loopback addresses');
    expect(r.stdout).toContain(`culprit: pid ${lingering!.pid}`);
    expect(r.stdout).toContain(`culprit: pid ${deadHolder}`);
    expect(r.stdout).toContain(`culprit: pid ${hanging!.child.pid}`);
    expect(r.stdout).toContain(`in process: pid ${attached!.child.pid}`);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('reads .vscode/settings.json with comments; a flag overrides the file', async () => {
    const project = join(work, 'project');
    mkdirSync(join(project, '.vscode'), { recursive: true });
    writeFileSync(
      join(project, '.vscode/settings.json'),
      `{\n  // the shard's pool\n  "flakeDoctor.loopback.start": ${start}, /* two addresses */ "flakeDoctor.loopback.count": 2,\n  "flakeDoctor.loopback.probePorts": [${probePort}],\n  "flakeDoctor.locks.paths": ["${deadLock}"],\n}\n`,
    );
    const fromFile = await doctor(['doctor', '--json', '--loopback.poolFiles', join(work, 'pool.json')], {}, project);
    const report = JSON.parse(fromFile.stdout);
    expect(report.loopback.first).toBe(`127.0.0.${start}`);
    expect(report.problems.map((p: { subject: string }) => p.subject)).toEqual(expect.arrayContaining([`127.0.0.${start}`, deadLock]));
    // The flag wins: another probe port, so the lingering listener is no longer on one.
    const overridden = await doctor(
      ['doctor', '--json', '--loopback.probePorts', String(probePort + 1), '--loopback.poolFiles', join(work, 'pool.json')],
      {},
      project,
    );
    expect(JSON.parse(overridden.stdout).problems.some((p: { area: string }) => p.area === 'loopback')).toBe(false);
  });

  it('exit 0 and "nothing found" when nothing is wrong', async () => {
    const empty = bridgeDir();
    try {
      const clean = await freePortOn([`127.0.0.${start + 1}`]);
      const r = await doctor(
        [
          'doctor',
          '--no-settings',
          '--loopback.start',
          String(start + 1),
          '--loopback.count',
          '1',
          '--loopback.probePorts',
          String(clean),
          '--loopback.poolFiles',
          join(work, 'pool.json'),
        ],
        { FLAKE_DOCTOR_BRIDGE_DIR: empty },
      );
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('nothing found');
    } finally {
      removeDir(empty);
    }
  });

  it('exit 2 for invalid values, naming the flag and the accepted range; and for unknown options', async () => {
    const r = await doctor(['doctor', '--no-settings', '--loopback.start', '300', '--calls.stallThresholdMs', 'soon', '--loopback.probePorts', '80,99999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--loopback.start must be an integer from 1 to 254 (got 300)');
    expect(r.stderr).toContain('--calls.stallThresholdMs must be an integer from 0 to 600000');
    expect(r.stderr).toContain('--loopback.probePorts must be a non-empty list of ports 1–65535');
    expect(r.stdout).toBe('');
    const unknown = await doctor(['doctor', '--loopback.colour', 'red']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --loopback.colour');
  });

  it('exit 2 for an invalid value in .vscode/settings.json, naming the setting and the file', async () => {
    const project = join(work, 'bad-project');
    mkdirSync(join(project, '.vscode'), { recursive: true });
    writeFileSync(join(project, '.vscode/settings.json'), '{ "flakeDoctor.locks.staleMs": 5 }');
    const r = await doctor(['doctor'], {}, project);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('flakeDoctor.locks.staleMs must be an integer from 100 to 604800000 ms (got 5) (in .vscode/settings.json)');
  });
});

describe('flake-doctor watch', () => {
  it('redraws the report until interrupted', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [pkg.cli, 'watch', '--interval', '200', ...poolFlags()], {
      cwd: work,
      env: childEnv({ FLAKE_DOCTOR_BRIDGE_DIR: dir }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => ((out.match(/Ctrl-C to stop/g) ?? []).length >= 2 ? true : undefined), 'two redraws', 15_000);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(1);
      expect(out).toContain(`culprit: pid ${lingering!.pid}`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
