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
/** Library entry points besides the cores: subpath -> source. */
export const EXTRA_ENTRIES = { bridge: 'src/core/bridge/index.ts', 'bridge-register': 'src/core/bridge/register.ts' };

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

// The register module ships inside the .vsix too: auto-attach puts this file into NODE_OPTIONS.
// Self-contained (it needs no npm package: undici is watched through diagnostics channels).
await build({ ...common, entryPoints: ['src/core/bridge/register.ts'], outfile: 'dist/bridge-register.cjs', format: 'cjs' });

const runtimeDeps = Object.keys(pkg.dependencies ?? {});
const entries = [...CORES.map((core) => [core, `src/core/${core}/index.ts`]), ...Object.entries(EXTRA_ENTRIES)];
for (const [core, entry] of entries) {
  if (!existsSync(join(root, entry))) throw new Error(`missing library entry ${entry}`);
  for (const [format, ext] of [['cjs', 'cjs'], ['esm', 'mjs']]) {
    await build({ ...common, entryPoints: [entry], outfile: `dist/lib/${core}.${ext}`, format, external: [...runtimeDeps, ...optionalNative] });
  }
}

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
console.log('built dist/extension.js, dist/bridge-register.cjs, dist/lib/{' + entries.map(([n]) => n).join(',') + '}.{cjs,mjs}, dist/types');
