// The register module's code cache (src/core/bridge/codeCache.ts), in real processes started
// with the register module preloaded as auto-attach does: the first attached process writes
// the cache, the next ones use it; a cache V8 refuses, a directory others could write and the
// off switch all fall back to compiling, and every one of these processes still publishes.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheFileName } from '../../src/core/bridge/codeCache';
import { supportedNodes } from '../helpers/nodeVersions';
import { workerScript } from '../helpers/workers';
import { bridgeDir, removeDir } from './helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

/** Runs a script that lives long enough to publish (the register module listens after 50 ms), attached; returns its stderr, where FLAKE_DOCTOR_DEBUG writes. */
function stderrOf(dir: string, env: NodeJS.ProcessEnv = {}, node = process.execPath): string {
  const result = spawnSync(
    node,
    ['--require', workerScript('src/core/bridge/register.ts'), '-e', 'setTimeout(() => {}, 300); process.stderr.write("ran\\n")'],
    {
      env: { ...process.env, NODE_OPTIONS: '', FLAKE_DOCTOR_BRIDGE_MODE: 'always', FLAKE_DOCTOR_BRIDGE_DIR: dir, FLAKE_DOCTOR_DEBUG: '1', ...env },
      encoding: 'utf8',
    },
  );
  expect(result.status, result.stderr).toBe(0);
  expect(result.stderr).toContain('ran'); // the user's code ran
  expect(result.stderr).toContain('publishing on'); // and the process published
  return result.stderr;
}

function fresh(): string {
  const dir = bridgeDir();
  dirs.push(dir);
  return dir;
}

/** The cache file this run of the test's attached bundle reads and writes. */
function expectedCacheFile(dir: string): string {
  const bundle = join(dirname(workerScript('src/core/bridge/register.ts')), 'bridge-attached.cjs');
  const st = statSync(bundle);
  return join(dir, 'code-cache', cacheFileName(bundle, st.size, st.mtimeMs));
}

describe('the register module code cache', () => {
  // Each V8 writes and reads its own entry (the name carries Node's and V8's versions).
  it.each(supportedNodes())('the first attached process writes it, the next uses it; both publish (Node $major)', ({ path: node }) => {
    const dir = fresh();
    const first = stderrOf(dir, {}, node);
    expect(first).toContain('code cache written');
    const file = /code cache written: (\S+)/.exec(first)![1]!;
    if (node === process.execPath) expect(file).toBe(expectedCacheFile(dir));
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    const second = stderrOf(dir, {}, node);
    expect(second).toContain(`code cache used: ${file}`);
    expect(second).not.toContain('code cache written');
  });

  it.each([
    ['garbage under its name', () => Buffer.from('not V8 code cache data '.repeat(100))],
    ['a copy cut short', (valid: Buffer) => valid.subarray(0, Math.floor(valid.length / 2))],
  ])('a cache V8 refuses (%s) is compiled again and rewritten', (_, spoil) => {
    const dir = fresh();
    stderrOf(dir);
    const file = expectedCacheFile(dir);
    const valid = readFileSync(file);
    writeFileSync(file, spoil(valid));
    const out = stderrOf(dir);
    expect(out).toContain('rejected by V8');
    expect(out).toContain('code cache written');
    expect(stderrOf(dir)).toContain('code cache used');
  });

  it('a code-cache directory others could write is not used, and the process publishes all the same', () => {
    const dir = fresh();
    stderrOf(dir);
    chmodSync(join(dir, 'code-cache'), 0o777);
    const out = stderrOf(dir);
    expect(out).toContain('code cache not used');
    expect(out).toContain('mode 777');
    expect(out).not.toContain('code cache used');
  });

  it('FLAKE_DOCTOR_CODE_CACHE=0 turns it off: nothing written or read', () => {
    const dir = fresh();
    const out = stderrOf(dir, { FLAKE_DOCTOR_CODE_CACHE: '0' });
    expect(out).not.toContain('code cache');
    expect(readdirSync(dir)).not.toContain('code-cache');
  });

  it('names an entry by the bundle and the runtime: a changed bundle never meets an old entry', () => {
    const a = cacheFileName('/x/bridge-attached.cjs', 78_000, 1_000.7);
    expect(a).toBe(`bridge-attached-78000-1000-${process.version}-${process.versions.v8}-${process.arch}.v8cache`);
    expect(cacheFileName('/x/bridge-attached.cjs', 78_001, 1_000.7)).not.toBe(a);
    expect(cacheFileName('/x/bridge-attached.cjs', 78_000, 2_000)).not.toBe(a);
  });
});
