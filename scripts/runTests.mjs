// `npm test`: static checks (type check, ESLint, Prettier), unit and real-process tests, build +
// package, end-to-end in code-server. End-to-end is skipped only when FLAKE_DOCTOR_SKIP_E2E=1,
// and says so.
import { spawn, spawnSync } from 'node:child_process';
import { ROOT } from './paths.mjs';

/** @typedef {[name: string, command: string, args: string[]]} Step */

/**
 * The static checks run side by side: each is mostly one busy core (tsc and ESLint each build
 * their own TypeScript program), so on a 2-core machine they take the time of the slowest one.
 * Their output is held and printed whole, one check after another, so it stays readable.
 * @type {Step[]}
 */
const staticChecks = [
  ['type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['lint (ESLint)', 'npx', ['eslint', '--cache', '--cache-location', 'node_modules/.cache/eslint/', '.']],
  ['format (Prettier)', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']],
  ['lock file (npm install would not change it, npm ci accepts it)', process.execPath, ['scripts/checkLock.mjs']],
];

/** @type {Step[]} */
const steps = [
  ['unit and real-process tests', 'npx', ['vitest', 'run', '--config', 'vitest.config.ts']],
  ['build and package the .vsix', 'npm', ['run', 'package']],
  ['library entry points (require + import)', process.execPath, ['scripts/checkExports.mjs']],
];
const skipE2e = process.env.FLAKE_DOCTOR_SKIP_E2E === '1';
if (!skipE2e) steps.push(['end-to-end tests (code-server + Chromium)', 'npx', ['vitest', 'run', '--config', 'vitest.e2e.config.ts']]);

const seconds = (started) => `${((Date.now() - started) / 1000).toFixed(1)} s`;

function fail(name, code) {
  console.error(`\n=== FAILED: ${name} (exit ${code}) ===`);
  process.exit(typeof code === 'number' && code !== 0 ? code : 1);
}

/** Runs a step with its output captured; resolves to its exit code and output. */
function runCaptured([name, cmd, args]) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ name, code: 1, output: `${output}${err.message}\n`, took: seconds(started) }));
    child.on('close', (code, signal) => resolve({ name, code: code ?? signal, output, took: seconds(started) }));
  });
}

console.log(`\n=== static checks: ${staticChecks.map(([name]) => name).join(', ')} (side by side) ===`);
const results = await Promise.all(staticChecks.map(runCaptured));
for (const r of results) {
  const shown = r.output
    .split('\n')
    .filter((line) => !line.startsWith('npm warn Unknown user config'))
    .join('\n')
    .trim();
  console.log(`\n--- ${r.name}: ${r.code === 0 ? 'ok' : 'FAILED'} in ${r.took} ---${shown ? `\n${shown}` : ''}`);
}
const failed = results.find((r) => r.code !== 0);
if (failed) fail(failed.name, failed.code);

for (const [name, cmd, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) fail(name, r.status ?? r.signal);
  console.log(`=== ${name}: ok in ${seconds(started)} ===`);
}
if (skipE2e) console.log('\n!!! END-TO-END TESTS SKIPPED because FLAKE_DOCTOR_SKIP_E2E=1 — this run does not cover the extension in VS Code. !!!');
console.log('\nall tests passed');
