// Builds the two products of this package:
//  - dist/extension.js: the VS Code extension, one CommonJS bundle, `vscode` left external;
//  - dist/lib/<core>.{cjs,mjs} + dist/types: the library entry points `flake-doctor/<core>`,
//    with runtime dependencies (ws, undici, chokidar) left external so a harness shares its own copies.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
export const CORES = ['allocator', 'lock', 'relay', 'listener'];

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
});

const runtimeDeps = Object.keys(pkg.dependencies ?? {});
for (const core of CORES) {
  const entry = `src/core/${core}/index.ts`;
  if (!existsSync(join(root, entry))) throw new Error(`missing library entry ${entry}`);
  for (const [format, ext] of [['cjs', 'cjs'], ['esm', 'mjs']]) {
    await build({ ...common, entryPoints: [entry], outfile: `dist/lib/${core}.${ext}`, format, external: [...runtimeDeps, ...optionalNative] });
  }
}

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
console.log('built dist/extension.js, dist/lib/{' + CORES.join(',') + '}.{cjs,mjs}, dist/types');
