// `node --import flake-doctor/bridge/register …` (or `--require`): publishes this process's
// cores and its HTTP calls over the bridge with no change to the user's code.
//
// FLAKE_DOCTOR_BRIDGE_MODE (off | smart | always; default always) decides whether this process
// publishes: the extension's auto-attach sets it, since its NODE_OPTIONS reach every Node
// process of a terminal. Nothing here throws, prints, or keeps the process alive.

import { parseAttachMode, shouldAttach } from './attachPolicy';
import { RUN_DIR_ENV } from '../../runners/common/runChannelEnv';
import { bridgeDebug } from './debug';

const MAIN_THREAD_ATTACHED = 'FLAKE_DOCTOR_BRIDGE_ATTACHED_PID';
/**
 * The preload reaches every Node process of a terminal, most of them short: a script, a CLI,
 * a build step. One that is done within this many ms never loads `net` nor makes a socket —
 * about 10 ms of a process that lives a few (bench/startup) — and is never listed, which it
 * would hardly have been anyway: discovery takes longer than that to show a process. Its
 * fetches are observed from the start all the same.
 */
const LISTEN_DELAY_MS = 50;

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
    // Loaded only now: esbuild bundles a module reached through require() behind a function that
    // runs on the first call, so a process smart mode leaves alone (npm, tsc, eslint) parses the
    // bundle but runs none of the bridge, observers, tracker or runner hooks in it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startBridge } = require('./server') as typeof import('./server');
    const bridge = startBridge({ via: 'register', listenDelayMs: LISTEN_DELAY_MS });
    // A test file run by `node --test` with the flake-doctor/node-test reporter: per-test hooks.
    // Required only then: they bring the failure gathering (socket table, lock inspection) and
    // with it child_process, crypto, worker_threads and the module loader, which every other
    // attached process — a script that lives a few ms — would otherwise load for nothing.
    if ((process.env.NODE_TEST_CONTEXT ?? '').startsWith('child') && process.env[RUN_DIR_ENV]) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { hookNodeTestChild } = require('../../runners/nodeTest/childHooks') as typeof import('../../runners/nodeTest/childHooks');
      hookNodeTestChild(bridge);
    }
  } catch (err) {
    bridgeDebug(`register failed: ${(err as Error).message}`);
  }
}

register();
