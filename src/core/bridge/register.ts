// `node --import flake-doctor/bridge/register …` (or `--require`): publishes this process's
// cores and its HTTP calls over the bridge with no change to the user's code.
//
// FLAKE_DOCTOR_BRIDGE_MODE (off | smart | always; default always) decides whether this process
// publishes: the extension's auto-attach sets it, since its NODE_OPTIONS reach every Node
// process of a terminal. Nothing here throws, prints, or keeps the process alive.

import { parseAttachMode, shouldAttach } from './attachPolicy';
import { bridgeDebug } from './debug';
import { hookNodeTestChild } from '../../runners/nodeTest/childHooks';
import { startBridge } from './server';

const MAIN_THREAD_ATTACHED = 'FLAKE_DOCTOR_BRIDGE_ATTACHED_PID';

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
    const bridge = startBridge({ via: 'register' });
    // A test file run by `node --test` with the flake-doctor/node-test reporter: per-test hooks.
    hookNodeTestChild(bridge);
  } catch (err) {
    bridgeDebug(`register failed: ${(err as Error).message}`);
  }
}

register();
