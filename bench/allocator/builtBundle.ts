// The allocator as users run it: the built bundle (dist/lib/allocator.mjs), rebuilt first when
// any source file is newer than it; with BENCH_BASELINE=<another checkout>, that checkout's
// bundle too (built there the same way), so before/after figures share one machine state.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type AllocatorBundle = typeof import('../../src/core/allocator/index');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds `root`'s bundle when it is missing or older than `root/src`, and imports it. */
export async function loadBuiltAllocator(root: string): Promise<AllocatorBundle> {
  const bundle = join(root, 'dist', 'lib', 'allocator.mjs');
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource(join(root, 'src'))) {
    console.log(`building ${resolve(root)} (npm run build) …`);
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`build in ${root} failed`);
  }
  return (await import(pathToFileURL(bundle).href)) as AllocatorBundle;
}

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : '';
