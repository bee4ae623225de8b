// `npm run bench [core...]`: runs bench/<core>/index.{ts,mts} with tsx and prints their figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

const cores = process.argv.slice(2).length ? process.argv.slice(2) : ['allocator', 'lock', 'relay', 'listener', 'bridge', 'doctor', 'vitest'];
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
