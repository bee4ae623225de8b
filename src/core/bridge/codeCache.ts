// V8's code cache for the register module's publishing part (bridge-attached.cjs). Auto-attach
// preloads it into every Node process of a terminal that publishes, and compiling it was most
// of what a short script paid for being attached (bench/startup): with the cache, V8
// deserializes the functions it compiled in an earlier process instead of compiling them again.
//
// Only our own bundle goes through it — the user's modules load as they always do — and only
// from a directory that nobody else can write: cached data is code V8 runs without checking it
// against the source (it checks the source's length, V8's version and flags, and the payload's
// length), so the cache lives in a `code-cache` directory inside the bridge directory, mode 0700
// and ours like it. A file's name carries the bundle's size and modification time and the
// runtime's versions, so an updated bundle or another Node never meets a stale entry; files are
// written whole and renamed into place, so a reader never sees half of one. Anything unusual —
// no directory, a rejected or unreadable cache — falls back to a plain require(), never to an
// error in the user's process. FLAKE_DOCTOR_CODE_CACHE=0 turns it off.

import { readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bridgeDebug } from './debug';
import { bridgeDirectory, ensureDirectory } from './directory';

/** Cache files not rewritten for this long belong to bundles or runtimes gone since: removed when a new one is written. */
const STALE_MS = 30 * 24 * 3600 * 1000;
const SUFFIX = '.v8cache';
/** The cache's directory inside the bridge directory; discovery ignores it, as it ignores any name that is not a socket's. */
export const CACHE_DIR = 'code-cache';

export interface CachedLoad {
  exports: unknown;
  /** Writes the cache if this load had none to use; call once the code has run (functions compiled since are kept too). */
  save(): void;
}

type Vm = typeof import('node:vm');

/** `name-<size>-<mtime>-<node version>-<arch>.v8cache`: the entry for exactly this bundle on exactly this runtime. */
export function cacheFileName(bundle: string, size: number, mtimeMs: number): string {
  const base = bundle.replace(/^.*[\\/]/, '').replace(/\.c?js$/, '');
  return `${base}-${size}-${Math.trunc(mtimeMs)}-${process.version}-${process.versions.v8}-${process.arch}${SUFFIX}`;
}

function cacheEnabled(env: NodeJS.ProcessEnv): boolean {
  const v = env.FLAKE_DOCTOR_CODE_CACHE;
  return !(v === '0' || v?.toLowerCase() === 'false');
}

/**
 * Runs the CommonJS bundle `file` as require() would (same wrapper, `localRequire` as its
 * require), through the code cache; `null` when the cache cannot be used here, and then the
 * caller requires the file itself. Errors of the bundle's own code propagate as from require().
 */
export function loadWithCodeCache(file: string, localRequire: NodeJS.Require, env: NodeJS.ProcessEnv = process.env): CachedLoad | null {
  // process.getBuiltinModule (Node 20.16+) loads vm without the module loader; and a script
  // compiled by vm has no dynamic import(), which the bundle needs on older Nodes only.
  if (!cacheEnabled(env) || typeof process.getBuiltinModule !== 'function') return null;
  let vm: Vm;
  let script: import('node:vm').Script;
  let cachePath: string;
  let cached: Buffer | undefined;
  try {
    vm = process.getBuiltinModule('node:vm') as Vm;
    // The bridge directory is checked first: nothing is made inside one that is refused.
    const bridge = bridgeDirectory(env);
    ensureDirectory(bridge);
    const dir = join(bridge, CACHE_DIR);
    ensureDirectory(dir);
    const st = statSync(file);
    cachePath = join(dir, cacheFileName(file, st.size, st.mtimeMs));
    try {
      cached = readFileSync(cachePath);
    } catch {
      cached = undefined; // none yet
    }
    const source = readFileSync(file, 'utf8');
    const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
    script = new vm.Script(wrapped, { filename: file, ...(cached ? { cachedData: cached } : {}) });
  } catch (err) {
    bridgeDebug(`code cache not used: ${(err as Error).message}`);
    return null;
  }
  const usedCache = cached !== undefined && !script.cachedDataRejected;
  if (cached && !usedCache) bridgeDebug(`code cache ${cachePath} rejected by V8; compiling and writing it again`);
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  run.call(module.exports, module.exports, localRequire, module, file, dirname(file));
  if (usedCache) bridgeDebug(`code cache used: ${cachePath}`);
  let saved = usedCache;
  return {
    exports: module.exports,
    save: () => {
      if (saved) return;
      saved = true;
      writeCache(script, cachePath);
    },
  };
}

function writeCache(script: import('node:vm').Script, cachePath: string): void {
  // Unique per writer, threads included (worker threads share the pid and may write at once;
  // a shared name would interleave their bytes into one file).
  const tmp = `${cachePath}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, cachePath);
    bridgeDebug(`code cache written: ${cachePath}`);
    removeStale(dirname(cachePath), cachePath);
  } catch (err) {
    bridgeDebug(`code cache not written: ${(err as Error).message}`);
    try {
      unlinkSync(tmp); // a disk that filled up mid-write: no half file left behind
    } catch {
      // never made, or renamed already
    }
  }
}

/** Entries not rewritten for a month (bundles or runtimes gone since; one still in use is written again), and temporary files of writers that died. */
function removeStale(dir: string, keep: string): void {
  const now = Date.now();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // tidying is for another time
  }
  for (const name of names) {
    const path = join(dir, name);
    if (path === keep || !(name.endsWith(SUFFIX) || name.endsWith('.tmp'))) continue;
    try {
      const age = now - statSync(path).mtimeMs;
      if (age > (name.endsWith('.tmp') ? 60_000 : STALE_MS)) unlinkSync(path);
    } catch {
      // removed by another process meanwhile
    }
  }
}
