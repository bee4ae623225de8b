// What the register module loads in a process it attaches, before the process's own code runs:
// only what observing needs (diagnostics_channel, os for the bridge directory). child_process,
// net, crypto, worker_threads and the ES module loader cost a short script tens of ms; the
// node --test child hooks used to bring them into every attached process. Compared against
// the same script without the preload, so whatever Node itself loads does not count.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
