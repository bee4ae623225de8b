// `npm run screenshots`: refreshes the README's pictures in media/screenshots/ from real runs,
// so they never go stale: the four views with their faults, taken by the end-to-end suite in
// code-server + Chromium (FLAKE_DOCTOR_SCREENSHOTS=1 makes it save them there), and a vitest
// failure with its Flake Doctor section (scripts/screenshots/vitestFailure.ts).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

function step(name, cmd, args, env = {}) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`=== FAILED: ${name} (exit ${r.status ?? r.signal}) ===`);
    process.exit(1);
  }
}

mkdirSync(join(ROOT, 'test-results'), { recursive: true });
step('build and package the .vsix', 'npm', ['run', 'package']);
step('the views, from the end-to-end suite', 'npx', ['vitest', 'run', '--config', 'vitest.e2e.config.ts'], { FLAKE_DOCTOR_SCREENSHOTS: '1' });
step('a vitest failure with its Flake Doctor section', process.execPath, ['--import', 'tsx', 'scripts/screenshots/vitestFailure.ts']);
console.log('\nmedia/screenshots/ refreshed; review the pictures and commit them');
