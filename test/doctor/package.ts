// The package as a user installs it, built from the sources into a temp dir: the `flake-doctor`
// bin and the `flake-doctor/vitest` + `flake-doctor/lock` entry points, plus the report schema.
// esbuild makes it in milliseconds, so the tests need no prior `npm run build`.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { REPO_ROOT } from '../helpers/processes';

export interface BuiltPackage {
  /** node_modules/flake-doctor */
  dir: string;
  cli: string;
  schema: string;
}

const EXTERNAL = ['vitest', 'vitest/*', 'vite', 'bufferutil', 'utf-8-validate'];

/** Builds the package into `<nodeModules>/flake-doctor` and links vitest beside it. */
export async function buildPackage(nodeModules: string): Promise<BuiltPackage> {
  const dir = join(nodeModules, 'flake-doctor');
  mkdirSync(join(dir, 'dist/lib'), { recursive: true });
  mkdirSync(join(dir, 'schema'), { recursive: true });
  const common: BuildOptions = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', absWorkingDir: REPO_ROOT, external: EXTERNAL };
  await Promise.all([
    build({ ...common, format: 'esm', entryPoints: ['src/vitest/index.ts'], outfile: join(dir, 'dist/lib/vitest.mjs') }),
    build({ ...common, format: 'esm', entryPoints: ['src/vitest/setup.ts'], outfile: join(dir, 'dist/lib/vitest-setup.mjs') }),
    build({ ...common, format: 'esm', entryPoints: ['src/core/lock/index.ts'], outfile: join(dir, 'dist/lib/lock.mjs') }),
    build({ ...common, format: 'cjs', entryPoints: ['src/cli/cli.ts'], outfile: join(dir, 'dist/cli.cjs'), banner: { js: '#!/usr/bin/env node' } }),
  ]);
  chmodSync(join(dir, 'dist/cli.cjs'), 0o755);
  copyFileSync(join(REPO_ROOT, 'schema/doctor-report.schema.json'), join(dir, 'schema/doctor-report.schema.json'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'flake-doctor',
      version: '0.0.0-test',
      bin: { 'flake-doctor': 'dist/cli.cjs' },
      exports: { './vitest': { import: './dist/lib/vitest.mjs' }, './lock': { import: './dist/lib/lock.mjs' }, './package.json': './package.json' },
    }),
  );
  const vitestDir = realpathSync(join(REPO_ROOT, 'node_modules/vitest'));
  symlinkSync(vitestDir, join(nodeModules, 'vitest'));
  return { dir, cli: join(dir, 'dist/cli.cjs'), schema: join(dir, 'schema/doctor-report.schema.json') };
}

/** A copy of test/fixtures/doctor-project with the package installed in its node_modules. */
export async function installFixture(): Promise<{ root: string; pkg: BuiltPackage; remove(): void }> {
  const root = mkdtempSync(join(tmpdir(), 'fd-fixture-'));
  cpSync(join(REPO_ROOT, 'test/fixtures/doctor-project'), root, { recursive: true });
  const pkg = await buildPackage(join(root, 'node_modules'));
  // The fixture's leftovers/ tests call through axios, as a user's suite would.
  symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules/axios')), join(root, 'node_modules/axios'));
  return { root, pkg, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** The environment of a child run: this run's vitest variables removed, no colour. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TINYPOOL_WORKER_ID' && !k.startsWith('FLAKE_DOCTOR_')) env[k] = v;
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', GITHUB_ACTIONS: '', ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in its own process group; the whole group is killed on timeout. */
export function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      // Nothing the run started may outlive it (a vitest worker stuck on a hung fetch).
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is empty
      }
      resolve({ code, stdout, stderr });
    });
  });
}

export const VITEST_BIN = join(realpathSync(join(REPO_ROOT, 'node_modules/vitest')), 'vitest.mjs');
