// Builds the two products of this package:
//  - dist/extension.js: the VS Code extension, one CommonJS bundle, `vscode` left external;
//  - dist/lib/<core>.{cjs,mjs} + dist/types: the library entry points `flake-doctor/<core>`,
//    with runtime dependencies (ws, undici, chokidar) left external so a harness shares its own copies.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
export const CORES = ['allocator', 'lock', 'relay', 'listener'];
/** Library entry points besides the cores: subpath -> source. */
export const EXTRA_ENTRIES = {
  bridge: 'src/core/bridge/index.ts',
  'bridge-register': 'src/core/bridge/register.ts',
  doctor: 'src/core/doctor/index.ts',
  vitest: 'src/vitest/index.ts',
  // jest loads its setup file and reporter with require(); node --test imports its reporter.
  jest: 'src/runners/jest/reporter.ts',
  'jest-setup': 'src/runners/jest/setup.ts',
  'node-test': 'src/runners/nodeTest/reporter.ts',
};

rmSync(join(root, 'dist'), { recursive: true, force: true });

const common = { platform: 'node', target: 'node20', bundle: true, sourcemap: true, logLevel: 'warning', absWorkingDir: root };
// ws tries these optional native helpers with require() inside try/catch; never bundle them.
const optionalNative = ['bufferutil', 'utf-8-validate'];

await build({
  ...common,
  entryPoints: ['src/extension/extension.ts'],
  outfile: 'dist/extension.js',
  format: 'cjs',
  external: ['vscode', ...optionalNative],
  // The extension host never publishes itself over the bridge (see core/bridge/autostart.ts).
  define: { FLAKE_DOCTOR_EXTENSION_HOST: 'true' },
});

// The CommonJS builds of the vitest plugin and the register module find a file beside them
// from their own location.
const importMetaShim = {
  banner: { js: 'const __fdImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__fdImportMetaUrl' },
};
/** Where a register module looks for the part that publishes (src/core/bridge/register.ts). */
const ATTACHED_BUNDLE = 'bridge-attached.cjs';
/**
 * The register module is preloaded into every Node process of a terminal, and compiling it is
 * most of what an attached short script pays: minified, the publishing part compiles in about
 * 4 ms less (bench/startup). Its source maps stay beside it.
 */
const preload = { minify: true };
/** The publishing part of the register module, beside each build of it (src/core/bridge/attached.ts). */
const buildAttached = (dir) =>
  build({ ...common, ...preload, entryPoints: ['src/core/bridge/attached.ts'], outfile: join(dir, ATTACHED_BUNDLE), format: 'cjs' });

// The register module ships inside the .vsix too: auto-attach puts this file into NODE_OPTIONS.
// Self-contained (it needs no npm package: undici is watched through diagnostics channels).
await build({ ...common, ...importMetaShim, ...preload, entryPoints: ['src/core/bridge/register.ts'], outfile: 'dist/bridge-register.cjs', format: 'cjs' });
await buildAttached('dist');
await buildAttached('dist/lib');

const runtimeDeps = Object.keys(pkg.dependencies ?? {});
// The vitest plugin runs inside the user's vitest: never bundle a second copy of it.
const hostPackages = ['vitest', 'vitest/*', 'vite'];
const entries = [...CORES.map((core) => [core, `src/core/${core}/index.ts`]), ...Object.entries(EXTRA_ENTRIES)];
for (const [core, entry] of entries) {
  if (!existsSync(join(root, entry))) throw new Error(`missing library entry ${entry}`);
  for (const [format, ext] of [
    ['cjs', 'cjs'],
    ['esm', 'mjs'],
  ]) {
    const shim = format === 'cjs' && (core === 'vitest' || core === 'bridge-register') ? importMetaShim : {};
    await build({
      ...common,
      ...shim,
      ...(core === 'bridge-register' ? preload : {}),
      entryPoints: [entry],
      outfile: `dist/lib/${core}.${ext}`,
      format,
      external: [...runtimeDeps, ...optionalNative, ...hostPackages],
    });
  }
}
// The worker side of the vitest plugin: ESM only (it imports vitest, which is ESM only); the
// plugin adds it to setupFiles by path (dist/lib/vitest-setup.mjs, beside dist/lib/vitest.*).
await build({
  ...common,
  entryPoints: ['src/vitest/setup.ts'],
  outfile: 'dist/lib/vitest-setup.mjs',
  format: 'esm',
  external: [...runtimeDeps, ...optionalNative, ...hostPackages],
});

// The `flake-doctor` command (package bin). Self-contained apart from node: it loads no ws or
// undici, so a doctor pass costs little more than a Node start.
await build({
  ...common,
  entryPoints: ['src/cli/cli.ts'],
  outfile: 'dist/cli.cjs',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  define: { FLAKE_DOCTOR_VERSION: JSON.stringify(pkg.version) },
});
chmodSync(join(root, 'dist/cli.cjs'), 0o755);

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
console.log(
  'built dist/extension.js, dist/bridge-{register,attached}.cjs, dist/cli.cjs, dist/lib/bridge-attached.cjs, dist/lib/{' +
    entries.map(([n]) => n).join(',') +
    '}.{cjs,mjs}, dist/lib/vitest-setup.mjs, dist/types',
);
