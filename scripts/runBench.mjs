// `npm run bench [core...]`: builds the bundle (benchmarks measure dist/, what users run), then
// runs bench/<core>/index.{ts,mts} — the harness through tsx — and prints their figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

const cores = process.argv.slice(2).length ? process.argv.slice(2) : ['allocator', 'lock', 'relay', 'listener', 'bridge', 'doctor', 'vitest'];
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: ROOT });
if (build.status !== 0) {
  console.error('npm run build failed: the benchmarks measure the built bundle');
  process.exit(1);
}
let failed = false;
for (const core of cores) {
  const entry = ['index.mts', 'index.ts'].map((f) => join(ROOT, 'bench', core, f)).find(existsSync);
  if (!entry) {
    console.log(`\n=== bench/${core}: none ===`);
    continue;
  }
  console.log(`\n=== bench/${core} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
