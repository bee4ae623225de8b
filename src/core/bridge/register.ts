// `node --import flake-doctor/bridge/register …` (or `--require`): publishes this process's
// cores and its HTTP calls over the bridge with no change to the user's code.
//
// FLAKE_DOCTOR_BRIDGE_MODE (off | smart | always; default always) decides whether this process
// publishes: the extension's auto-attach sets it, since its NODE_OPTIONS reach every Node
// process of a terminal. Nothing here throws, prints, or keeps the process alive.

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAttachMode, shouldAttach } from './attachPolicy';
import { bridgeDebug } from './debug';

const MAIN_THREAD_ATTACHED = 'FLAKE_DOCTOR_BRIDGE_ATTACHED_PID';
/** The publishing part's own bundle, beside this one (see attached.ts). */
const ATTACHED_BUNDLE = 'bridge-attached.cjs';

type Attached = typeof import('./attached');
declare const __filename: string | undefined;

/**
 * A require() that resolves beside this file: the CommonJS build's own; in the ES module build
 * (`--import`, where the module loader is loaded already) one from node:module, reached through
 * process.getBuiltinModule (Node 20.16+); null before that. Not node:module in the CommonJS
 * build: loading it brings the ES module loader, which a `--require`d script does not otherwise
 * pay for.
 */
function requireHere(): NodeJS.Require | null {
  if (typeof __filename === 'string') return require;
  const nodeModule = process.getBuiltinModule?.('node:module') as typeof import('node:module') | undefined;
  return nodeModule ? nodeModule.createRequire(import.meta.url) : null;
}

/**
 * Loads the publishing part from its own file, through V8's code cache where it can be used
 * (codeCache.ts, bundled into this file but initialised only here, with the modules it needs),
 * else with a plain require, and starts it.
 */
function loadAttached(): void {
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  const file = join(dirname(here), ATTACHED_BUNDLE);
  const localRequire = requireHere();
  if (localRequire) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadWithCodeCache } = require('./codeCache') as typeof import('./codeCache');
    const cachedLoad = loadWithCodeCache(file, localRequire);
    const attached = (cachedLoad ? cachedLoad.exports : localRequire(file)) as Attached;
    attached.attach();
    cachedLoad?.save();
    return;
  }
  // An ES module on Node before 20.16 has no synchronous way in: observing starts a moment later.
  void import(pathToFileURL(file).href)
    .then((m: Attached & { default?: Attached }) => (m.default ?? m).attach())
    .catch((err: Error) => bridgeDebug(`could not start ${ATTACHED_BUNDLE}: ${err.message}`));
}

function register(): void {
  try {
    const raw = process.env.FLAKE_DOCTOR_BRIDGE_MODE;
    const mode = parseAttachMode(raw);
    if (raw !== undefined && raw !== '' && mode === null)
      bridgeDebug(`FLAKE_DOCTOR_BRIDGE_MODE=${JSON.stringify(raw)} is not off, smart or always; using always`);
    // A worker thread has no script of its own in argv: it follows its main thread's decision,
    // which the main thread leaves in the environment under its pid (a worker's env is a copy
    // taken at its start; a child process, with another pid, decides for itself). Checked
    // without loading `node:worker_threads`, which a process that exits at once should not pay.
    const mainThreadAttached = process.env[MAIN_THREAD_ATTACHED] === String(process.pid);
    if (!mainThreadAttached && !shouldAttach(mode ?? 'always', process.argv, process.execArgv)) {
      bridgeDebug(`not publishing: ${mode} mode skips ${process.argv[1] ?? 'a process without a script'}`);
      return;
    }
    process.env[MAIN_THREAD_ATTACHED] = String(process.pid);
    // Loaded only now, from its own file: a process smart mode leaves alone (npm, tsc, eslint)
    // compiles none of the bridge, observers, tracker or runner hooks.
    loadAttached();
  } catch (err) {
    bridgeDebug(`register failed: ${(err as Error).message}`);
  }
}

register();
