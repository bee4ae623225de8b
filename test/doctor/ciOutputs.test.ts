// The CI outputs end to end, with the built bin and the vitest plugin in real child processes:
// `doctor --format github` against real stale locks (annotations capped per kind, the job
// summary appended), and OTLP export to the spec-checking receiver from `doctor` and from the
// plugin's reporter after a real failing vitest run — including a collector that never answers,
// which must neither fail nor hold up the run beyond its bound.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLockForTesting } from '../../src/core/lock/testing';
import { EVENT } from '../../src/core/export';
import { bridgeDir, removeDir } from '../bridge/helpers';
import { freePortOn, randomRangeStart } from '../helpers/ports';
import { deadPid, plantOtherHostLock } from './faults';
import { startReceiver, type Receiver } from './otlpReceiver';
import { buildPackage, childEnv, installFixture, run, VITEST_BIN, type BuiltPackage } from './package';

let work: string;
let pkg: BuiltPackage;
let dir: string;
let receiver: Receiver;
let locks: string[];
let flags: string[];

function doctor(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [pkg.cli, ...args, ...flags], { cwd: work, env: childEnv({ FLAKE_DOCTOR_BRIDGE_DIR: dir, ...env }), timeoutMs: 30_000 });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'fd-ci-'));
  pkg = await buildPackage(join(work, 'node_modules'));
  dir = bridgeDir();
  receiver = await startReceiver();
  // Twelve stale locks: twelve warnings, two more than GitHub annotates per step.
  locks = Array.from({ length: 12 }, (_, i) => join(work, `locks/l${String(i).padStart(2, '0')}.lock`));
  for (const l of locks) writeLockForTesting(l, { timestamp: Date.now() - 120_000 });
  const start = randomRangeStart(1);
  const port = await freePortOn([`127.0.0.${start}`]);
  flags = [
    '--no-settings',
    '--loopback.start',
    String(start),
    '--loopback.count',
    '1',
    '--loopback.probePorts',
    String(port),
    '--loopback.poolFiles',
    join(work, 'pool.json'),
    '--locks.paths',
    locks.join(','),
  ];
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  removeDir(dir);
  rmSync(work, { recursive: true, force: true });
});

describe('doctor --format github', () => {
  it('prints the report and 10 warning annotations (9 locks and the count of the rest), and appends the table to GITHUB_STEP_SUMMARY', async () => {
    const summary = join(work, 'step-summary.md');
    writeFileSync(summary, 'from an earlier step\n');
    const r = await doctor(['doctor', '--format', 'github'], { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('Restart locks');
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    const warnings = annotations.filter((l) => l.startsWith('::warning title=Flake Doctor%3A stale · '));
    expect(warnings).toHaveLength(9);
    expect(warnings[0]).toContain(locks[0].replace(/:/g, '%3A'));
    expect(annotations).toContain(
      '::warning title=Flake Doctor%3A 3 more warnings::3 more warnings not annotated (GitHub keeps 10 per step): stale. Every problem is in the job summary and the log.',
    );
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('from an earlier step\n## Flake Doctor')).toBe(true);
    for (const l of locks) expect(md).toContain(`| 🟡 | stale | locks | \`${l}\` |`);
  });

  it('without GITHUB_STEP_SUMMARY: annotations only; an unknown format is a usage error', async () => {
    const r = await doctor(['doctor', '--format', 'github']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::warning'))).toHaveLength(10);
    const bad = await doctor(['doctor', '--format', 'yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be one of text, json, github (got "yaml")');
  });
});

describe('doctor with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports each problem (protobuf by default) and otherwise runs as before', async () => {
    receiver.requests.length = 0;
    const r = await doctor(['doctor', '--json'], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'fleet-ci' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).problems).toHaveLength(12);
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req.violations).toEqual([]);
    expect(req.contentType).toBe('application/x-protobuf');
    expect(req.decoded!.resource['service.name']).toBe('fleet-ci');
    const records = req.decoded!.records;
    expect(records).toHaveLength(12);
    expect(records.every((rec) => rec.eventName === EVENT.problem && rec.attributes['flake_doctor.problem.state'] === 'stale')).toBe(true);
    expect(records.map((rec) => rec.attributes['flake_doctor.problem.subject']).sort()).toEqual([...locks].sort());
  });

  it('a collector that never answers: same report and exit status, one warning line, done within the 2 s bound', async () => {
    receiver.requests.length = 0;
    receiver.script('hang');
    const started = Date.now();
    const r = await doctor(['doctor'], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('12 problems');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Flake Doctor: OpenTelemetry export of 12 log records to http:\/\/127\.0\.0\.1:\d+\/v1\/logs failed after 1 attempt: no answer within \d+ ms$/,
    );
    expect(receiver.requests).toHaveLength(1);
    // The bound is 2 s; the rest is a Node start and a doctor pass on a loaded machine.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('the vitest plugin with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports the failed test and its culprit after a real failing run', async () => {
    const fixture = await installFixture();
    try {
      const start = randomRangeStart(1);
      const port = await freePortOn([`127.0.0.${start}`]);
      writeFileSync(
        join(fixture.root, '.vscode/settings.json'),
        `{ "flakeDoctor.loopback.start": ${start}, "flakeDoctor.loopback.count": 1, "flakeDoctor.loopback.probePorts": [${port}], "flakeDoctor.loopback.poolFiles": ["\${workspaceFolder}/pool.json"] }\n`,
      );
      const holder = deadPid();
      plantOtherHostLock(join(fixture.root, 'home/fleet/restart.lock'), holder);
      receiver.requests.length = 0;
      const r = await run(process.execPath, [VITEST_BIN, 'run', 'failing/lock'], {
        cwd: fixture.root,
        env: childEnv({
          FIXTURE_HOME: join(fixture.root, 'home'),
          FLAKE_DOCTOR_BRIDGE_DIR: dir,
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${receiver.url}/v1/logs`,
          OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
        }),
        timeoutMs: 90_000,
      });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).not.toContain('OpenTelemetry export');
      expect(receiver.requests).toHaveLength(1);
      const [req] = receiver.requests;
      expect(req.violations).toEqual([]);
      const records = req.decoded!.records;
      const failure = records.find((rec) => rec.eventName === EVENT.testFailure);
      expect(failure?.attributes).toMatchObject({
        'test.case.name': 'restarts the service under the restart lock',
        'test.suite.name': 'failing/lock.test.mjs',
        'flake_doctor.culprit.count': 1,
      });
      const culprit = records.find((rec) => rec.eventName === EVENT.testCulprit);
      expect(culprit?.attributes).toMatchObject({
        'test.case.name': 'restarts the service under the restart lock',
        'flake_doctor.culprit.kind': 'lock',
        'flake_doctor.culprit.pid': holder,
        'flake_doctor.culprit.subject': join(fixture.root, 'home/fleet/restart.lock'),
      });
    } finally {
      fixture.remove();
    }
  }, 120_000);
});
