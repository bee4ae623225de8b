// Checks the built library the way a harness uses it: each `flake-doctor/<core>` subpath
// through `require` and through `import` (package self-reference), with the names other code
// relies on (README.md, "Library use") present in both.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

const contract = {
  allocator: ['LoopbackPool', 'isPortInUseOnAddress', 'findConflictingPort', 'scanLoopbackListeners', 'waitForPortsFree'],
  lock: [
    'acquireRestartLock',
    'restartLockPath',
    'RESTART_LOCK_STALE_MS',
    'RESTART_LOCK_MAX_WAIT_MS',
    'RESTART_LOCK_POLL_INTERVAL_MS',
    'inspectRestartLock',
    'breakRestartLock',
  ],
  relay: ['startRelay'],
  listener: ['BrokerListener', 'startFakeBroker'],
  bridge: ['listBridgeProcesses', 'connectBridge', 'startBridge'],
  doctor: ['runDoctor', 'bridgeProblems', 'loopbackProblems', 'lockProblems', 'DOCTOR_REPORT_SCHEMA_VERSION'],
  vitest: ['flakeDoctor', 'loopbackAddress'],
};
const require = createRequire(join(ROOT, 'package.json'));
const problems = [];
for (const [core, names] of Object.entries(contract)) {
  const viaRequire = require(`flake-doctor/${core}`);
  const viaImport = await import(`flake-doctor/${core}`);
  for (const name of names) {
    if (viaRequire[name] === undefined) problems.push(`require('flake-doctor/${core}').${name} is missing`);
    if (viaImport[name] === undefined) problems.push(`import('flake-doctor/${core}').${name} is missing`);
  }
}
// The vitest plugin must yield a plugin object through both module systems.
for (const plugin of [require('flake-doctor/vitest').flakeDoctor(), (await import('flake-doctor/vitest')).flakeDoctor()]) {
  if (plugin?.name !== 'flake-doctor' || typeof plugin.configureVitest !== 'function') problems.push('flakeDoctor() did not return the vitest plugin');
}
// The `flake-doctor` bin: declared, executable, with a node shebang, and it answers --version.
const { existsSync, readFileSync, statSync } = await import('node:fs');
const { execFileSync } = await import('node:child_process');
const bin = require('flake-doctor/package.json').bin?.['flake-doctor'];
const binPath = bin ? join(ROOT, bin) : null;
if (!binPath || !existsSync(binPath)) problems.push(`package bin flake-doctor (${bin}) is missing`);
else {
  if (!readFileSync(binPath, 'utf8').startsWith('#!/usr/bin/env node')) problems.push(`${bin} has no node shebang`);
  if ((statSync(binPath).mode & 0o111) === 0) problems.push(`${bin} is not executable`);
  const version = execFileSync(binPath, ['--version'], { encoding: 'utf8' }).trim();
  if (version !== require('flake-doctor/package.json').version) problems.push(`flake-doctor --version printed ${JSON.stringify(version)}`);
}
// The runner integrations: jest's reporter class (jest requires it) and setup file (it only runs
// inside jest: resolved, not loaded), node:test's reporter (an async generator function, imported).
if (typeof require('flake-doctor/jest').default !== 'function') problems.push("require('flake-doctor/jest').default is not the reporter class");
if (!existsSync(require.resolve('flake-doctor/jest/setup'))) problems.push('flake-doctor/jest/setup does not resolve to a file');
if ((await import('flake-doctor/node-test')).default?.constructor?.name !== 'AsyncGeneratorFunction')
  problems.push("import('flake-doctor/node-test').default is not a reporter");
if (!existsSync(join(ROOT, 'schema/doctor-report.schema.json'))) problems.push('schema/doctor-report.schema.json is missing');
// The register module as a user preloads it: `node --import` and `node --require` by package name.
for (const flag of ['--import', '--require']) {
  const dir = mkdtempSync(join(tmpdir(), 'fd-check-'));
  // The process lives for a moment: one that exits at once is done before publishing (by design).
  const r = spawnSync(process.execPath, [flag, 'flake-doctor/bridge/register', '-e', "setTimeout(() => process.stdout.write('ran'), 200)"], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FLAKE_DOCTOR_BRIDGE_DIR: join(dir, 'bridge'), FLAKE_DOCTOR_DEBUG: '1', FLAKE_DOCTOR_BRIDGE_MODE: 'always' },
  });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0 || r.stdout !== 'ran' || !r.stderr.includes('publishing on'))
    problems.push(`node ${flag} flake-doctor/bridge/register did not publish: exit ${r.status}, stderr ${r.stderr}`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(
  `library entry points ok: ${Object.keys(contract)
    .map((c) => `flake-doctor/${c}`)
    .join(', ')} (require + import); bin flake-doctor ok`,
);
