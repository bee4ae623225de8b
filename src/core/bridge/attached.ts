// What the register module runs in a process that publishes: the bridge server with its
// observers and, in a test file that `node --test` runs with the flake-doctor/node-test
// reporter, the per-test hooks. Built as a bundle of its own (`bridge-attached.cjs`, beside the
// register module) so that a process smart mode leaves alone — npm, tsc, eslint — compiles only
// the few lines that decide (compiling this part cost such a process about 4 ms).

import { RUN_DIR_ENV } from '../../runners/common/runChannelEnv';
import { startBridge } from './server';

/**
 * The preload reaches every Node process of a terminal, most of them short: a script, a CLI,
 * a build step. One that is done within this many ms never loads `net` nor makes a socket —
 * about 10 ms of a process that lives a few (bench/startup) — and is never listed, which it
 * would hardly have been anyway: discovery takes longer than that to show a process. Its
 * fetches are observed from the start all the same.
 */
const LISTEN_DELAY_MS = 50;

export function attach(): void {
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
}
