// Benchmarks measure what users run: the built bundle in dist/ (esbuild's output, as the
// package ships it), never the TypeScript sources through tsx, whose per-module export
// getters and source transforms change what is measured. `npm run bench` builds first.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..');

/** dist/lib/<entry>.mjs of this checkout (or of `root`, for a BENCH_BASELINE checkout). */
export function builtEntry(entry: string, root = ROOT): string {
  const file = join(root, 'dist', 'lib', `${entry}.mjs`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\`${root === ROOT ? '' : ` in ${root}`} first (npm run bench does)`);
  return file;
}

/** Imports a built entry point (e.g. 'relay' → flake-doctor/relay as users get it). */
export async function importBuilt<T>(entry: string, root = ROOT): Promise<T> {
  return (await import(pathToFileURL(builtEntry(entry, root)).href)) as T;
}

/** dist/cli.cjs: the `flake-doctor` command as package.json's "bin" ships it. */
export function builtCli(root = ROOT): string {
  const file = join(root, 'dist', 'cli.cjs');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm run bench does)`);
  return file;
}
