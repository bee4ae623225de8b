// vitest global setup: compile every worker script once for the whole run with esbuild (tens
// of milliseconds for all of them) instead of once per child process by a TypeScript loader —
// a `node --import tsx` start-up cost about a second of CPU on this suite's 2-core machine, and
// some tests start dozens. The paths reach every test file through provide/inject; the output
// is removed when the run ends. (Runs outside the test workers: no `vitest` runtime imports.)
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { buildRegister } from '../helpers/registerBuild';
import { WORKER_ENTRIES, type BuiltWorkers } from './workerEntries';

function outName(entry: string): string {
  const base = entry.replace(/\.m?ts$/, '').replace(/[/\\]/g, '_');
  return entry.endsWith('.mts') ? `${base}.mjs` : `${base}.cjs`;
}

/** Bundles every worker into a fresh directory, readable by all (one probe runs as another user). */
export async function buildWorkers(repoRoot: string): Promise<BuiltWorkers> {
  const dir = mkdtempSync(join(tmpdir(), 'fd-test-workers-'));
  chmodSync(dir, 0o755);
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    absWorkingDir: repoRoot,
    external: ['bufferutil', 'utf-8-validate'],
  };
  // Bundled CommonJS dependencies inside an ES module need a real `require`.
  const esmBanner = { js: "import { createRequire as __fdCreateRequire } from 'node:module'; const require = __fdCreateRequire(import.meta.url);" };
  const scripts: Record<string, string> = {};
  await Promise.all(
    WORKER_ENTRIES.map((entry) => {
      const outfile = join(dir, outName(entry));
      scripts[entry] = outfile;
      // The register module with its publishing part beside it, as the package builds it.
      if (entry === 'src/core/bridge/register.ts') return buildRegister(outfile, 'cjs', common);
      const esm = entry.endsWith('.mts');
      return build({ ...common, entryPoints: [entry], outfile, format: esm ? 'esm' : 'cjs', ...(esm ? { banner: esmBanner } : {}) });
    }),
  );
  return { dir, scripts };
}

export default async function setup(project: TestProject): Promise<() => void> {
  const built = await buildWorkers(resolve(__dirname, '../..'));
  project.provide('testWorkers', built);
  return () => rmSync(built.dir, { recursive: true, force: true });
}
