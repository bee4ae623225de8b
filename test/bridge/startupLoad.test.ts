// What the register module loads in a process it attaches, before the process's own code runs:
// only what observing needs (diagnostics_channel, os for the bridge directory). child_process,
// net, crypto, worker_threads and the ES module loader cost a short script tens of ms; the
// node --test child hooks used to bring them into every attached process. Compared against
// the same script without the preload, so whatever Node itself loads does not count.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect, it } from 'vitest';
import { workerScript } from '../helpers/workers';

const HEAVY = ['child_process', 'net', 'crypto', 'worker_threads', 'internal/modules/esm/loader'];

function loadedBy(args: string[], env: NodeJS.ProcessEnv): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fd-startup-'));
  const script = join(dir, 'short.cjs');
  // At the script's first line: the preload has run, the bridge has started, nothing of ours is due yet.
  writeFileSync(script, `console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))));\n`);
  const out = execFileSync(process.execPath, [...args, script], { env: { ...process.env, NODE_OPTIONS: '', ...env }, encoding: 'utf8' });
  return new Set(JSON.parse(out) as string[]);
}

it('an attached short script loads none of child_process, net, crypto, worker_threads or the ES module loader through the preload', () => {
  const bare = loadedBy([], {});
  const attached = loadedBy(['--require', workerScript('src/core/bridge/register.ts')], {
    FLAKE_DOCTOR_BRIDGE_MODE: 'always',
    FLAKE_DOCTOR_BRIDGE_DIR: mkdtempSync(join(tmpdir(), 'fdb-')),
  });
  const added = [...attached].filter((m) => !bare.has(m));
  expect(added).toContain('diagnostics_channel'); // it did attach: the observers subscribed
  expect(added.filter((m) => HEAVY.includes(m))).toEqual([]);
});

/** The files of ours a process compiled through the preload (what is in require's cache at its first line). */
function ourFilesLoadedBy(mode: string, env: NodeJS.ProcessEnv = {}): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'fd-startup-'));
  const script = join(dir, 'tool.cjs');
  writeFileSync(script, `console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f !== __filename)));\n`);
  const out = execFileSync(process.execPath, ['--require', workerScript('src/core/bridge/register.ts'), script], {
    env: { ...process.env, NODE_OPTIONS: '', FLAKE_DOCTOR_BRIDGE_MODE: mode, FLAKE_DOCTOR_BRIDGE_DIR: mkdtempSync(join(tmpdir(), 'fdb-')), ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

it('a process the mode leaves alone compiles only the few kB that decide, not the publishing part', () => {
  const skipped = ourFilesLoadedBy('off');
  expect(skipped.map((f) => basename(f))).toEqual([basename(workerScript('src/core/bridge/register.ts'))]);
  // Compiling the whole bridge (about 150 kB unminified, as built here) cost such a process about 4 ms.
  expect(statSync(skipped[0]).size).toBeLessThan(16 * 1024);
  // Attached, it loads the publishing part beside it (through require() when the code cache is
  // off; with it, through vm, tested in codeCache.test.ts).
  expect(ourFilesLoadedBy('always', { FLAKE_DOCTOR_CODE_CACHE: '0' }).map((f) => basename(f))).toContain('bridge-attached.cjs');
});
