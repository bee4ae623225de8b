// The register module built the way the package builds it (scripts/build.mjs), for tests that
// make their own copy: the module itself, and beside it its publishing part
// (`bridge-attached.cjs`, from src/core/bridge/attached.ts), which it loads from there. Its
// CommonJS build shims import.meta.url as the package's does. No vitest import: the global
// setup (test/setup/workers.ts) uses it too.
import { dirname, join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { REPO_ROOT } from './processes';

const IMPORT_META_SHIM: BuildOptions = {
  banner: { js: 'const __fdImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__fdImportMetaUrl' },
};

/** Builds the register module to `outfile` (`format`) and its publishing part beside it. */
export async function buildRegister(outfile: string, format: 'cjs' | 'esm', options: BuildOptions = {}): Promise<void> {
  const common: BuildOptions = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', ...options, absWorkingDir: REPO_ROOT };
  await Promise.all([
    build({ ...common, ...(format === 'cjs' ? IMPORT_META_SHIM : {}), entryPoints: ['src/core/bridge/register.ts'], outfile, format }),
    build({ ...common, entryPoints: ['src/core/bridge/attached.ts'], outfile: join(dirname(outfile), 'bridge-attached.cjs'), format: 'cjs' }),
  ]);
}
