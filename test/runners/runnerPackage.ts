// The package as a jest or node --test user installs it, built from the sources into a copy of
// a fixture project: the entry points those runners load (flake-doctor/jest, /jest/setup,
// /node-test, /bridge/register) plus /lock for the fixture's tests and the report schema.
// esbuild makes it in milliseconds, so the tests need no prior `npm run build`.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { REPO_ROOT } from '../helpers/processes';
import { buildRegister } from '../helpers/registerBuild';

const ENTRIES: [string, string, 'cjs' | 'esm'][] = [
  ['src/runners/jest/reporter.ts', 'jest.cjs', 'cjs'],
  ['src/runners/jest/setup.ts', 'jest-setup.cjs', 'cjs'],
  ['src/runners/nodeTest/reporter.ts', 'node-test.mjs', 'esm'],
  ['src/core/lock/index.ts', 'lock.cjs', 'cjs'],
  ['src/core/lock/index.ts', 'lock.mjs', 'esm'],
];

export interface RunnerFixture {
  root: string;
  schema: string;
  remove(): void;
}

/** A copy of test/fixtures/<name> with the package installed in its node_modules. */
export async function installRunnerFixture(name: 'jest-project' | 'node-test-project'): Promise<RunnerFixture> {
  const root = mkdtempSync(join(tmpdir(), `fd-${name}-`));
  cpSync(join(REPO_ROOT, 'test/fixtures', name), root, { recursive: true });
  const dir = join(root, 'node_modules/flake-doctor');
  mkdirSync(join(dir, 'dist/lib'), { recursive: true });
  mkdirSync(join(dir, 'schema'), { recursive: true });
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    absWorkingDir: REPO_ROOT,
    external: ['bufferutil', 'utf-8-validate'],
  };
  await Promise.all([
    ...ENTRIES.map(([entry, out, format]) => build({ ...common, format, entryPoints: [entry], outfile: join(dir, 'dist/lib', out) })),
    // With its publishing part beside it, as the package builds it.
    buildRegister(join(dir, 'dist/lib/bridge-register.mjs'), 'esm', common),
  ]);
  copyFileSync(join(REPO_ROOT, 'schema/doctor-report.schema.json'), join(dir, 'schema/doctor-report.schema.json'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'flake-doctor',
      version: '0.0.0-test',
      exports: {
        './jest': { default: './dist/lib/jest.cjs' },
        './jest/setup': { default: './dist/lib/jest-setup.cjs' },
        './node-test': { import: './dist/lib/node-test.mjs' },
        './bridge/register': { import: './dist/lib/bridge-register.mjs' },
        './lock': { import: './dist/lib/lock.mjs', require: './dist/lib/lock.cjs' },
      },
    }),
  );
  return { root, schema: join(dir, 'schema/doctor-report.schema.json'), remove: () => rmSync(root, { recursive: true, force: true }) };
}
