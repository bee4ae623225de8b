// `npm test`: type check, unit and real-process tests, build + package, end-to-end in
// code-server. End-to-end is skipped only when FLAKE_DOCTOR_SKIP_E2E=1, and says so.
import { spawnSync } from 'node:child_process';
import { ROOT } from './paths.mjs';

const steps = [
  ['type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['unit and real-process tests', 'npx', ['vitest', 'run', '--config', 'vitest.config.ts']],
  ['build and package the .vsix', 'npm', ['run', 'package']],
  ['library entry points (require + import)', process.execPath, ['scripts/checkExports.mjs']],
];
const skipE2e = process.env.FLAKE_DOCTOR_SKIP_E2E === '1';
if (!skipE2e) steps.push(['end-to-end tests (code-server + Chromium)', 'npx', ['vitest', 'run', '--config', 'vitest.e2e.config.ts']]);

for (const [name, cmd, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) {
    console.error(`\n=== FAILED: ${name} (exit ${r.status ?? r.signal}) ===`);
    process.exit(r.status || 1);
  }
  console.log(`=== ${name}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
}
if (skipE2e) console.log('\n!!! END-TO-END TESTS SKIPPED because FLAKE_DOCTOR_SKIP_E2E=1 — this run does not cover the extension in VS Code. !!!');
console.log('\nall tests passed');
