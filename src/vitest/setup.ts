// Runs in every vitest worker (added to `setupFiles` by the plugin): publishes the worker over
// the bridge, offers `loopbackAddress()`, and when a test fails adds the "Flake Doctor" section
// to its first error, so every reporter shows the culprits right next to the failure, and each
// culprit as a test annotation where vitest has them (annotations.ts). Tests
// that pass cost one beforeEach registration; nothing is scanned or read unless a test fails.
// It also says which test is running (observers stamp it on every call, session, listen and
// child at its start), and when the file ends, puts what the file left running on its meta.

import { threadId } from 'node:worker_threads';
import { afterAll, beforeEach, inject, type TestContext } from 'vitest';
import { LoopbackPool, type LoopbackLease } from '../core/allocator/pool';
import { scanLoopbackListeners, type LoopbackListener } from '../core/allocator/scan';
import { ownProcessInfo } from '../core/bridge/processInfo';
import { currentBridge, startBridge } from '../core/bridge/server';
import { SnapshotSource } from '../core/bridge/snapshot';
import type { BridgeSnapshot } from '../core/bridge/types';
import { inspectRestartLock, type RestartLockSnapshot } from '../core/lock/inspect';
import { isDescendantOf, osProcessFacts } from '../core/process';
import { setCurrentTest, type TestRef } from '../core/observe/testContext';
import { annotateFailure, culpritAnnotations } from './annotations';
import { fileLeftovers } from './attribution';
import { endpointsInErrors, failureCulprits, formatSection } from './culprits';
import { RunningTests } from './runningTests';
import { PROVIDE_KEY, WORKER_API_KEY, type FailureMeta, type FileEndMeta, type WorkerApi } from './shared';

const provided = inject(PROVIDE_KEY);
const bridge = startBridge({ via: 'api', stallThresholdMs: provided.stallThresholdMs, ...(provided.bridgeDir ? { dir: provided.bridgeDir } : {}) });

// One lease per worker, taken on first request, released after the test file.
let lease: Promise<LoopbackLease> | null = null;
const api: WorkerApi = {
  loopbackAddress: async () => {
    lease ??= new LoopbackPool(provided.loopback).acquire();
    return (await lease).address;
  },
};
(globalThis as { [WORKER_API_KEY]?: WorkerApi })[WORKER_API_KEY] = api;
async function releaseLease(): Promise<void> {
  const held = lease;
  lease = null;
  if (held) await (await held.catch(() => null))?.release();
}

async function listenersOrNull(): Promise<LoopbackListener[] | null> {
  try {
    return await scanLoopbackListeners();
  } catch {
    return null;
  }
}

function workerSnapshot(): BridgeSnapshot {
  const running = currentBridge() ?? bridge;
  return new SnapshotSource(running.tracker, ownProcessInfo('api', threadId), running.observers ?? []).build();
}

type Task = TestContext['task'];

/** A test as its records name it: the file relative to the project root (vitest's own file name) and the full name, as reporters show it. */
function testRef(task: Task): TestRef {
  const names = [task.name];
  for (let suite = task.suite; suite && suite !== task.file && suite.name; suite = suite.suite) names.unshift(suite.name);
  return { file: task.file.name, name: names.join(' > ') };
}

async function describeFailure(ctx: TestContext, test: TestRef): Promise<void> {
  const result = ctx.task.result;
  if (!result) return;
  const errors = result.errors ?? [];
  const snapshot = workerSnapshot();
  const waiting = snapshot.locks.filter((l) => l.state === 'waiting').map((l) => l.lockPath);
  const locks = new Map<string, RestartLockSnapshot>();
  await Promise.all(waiting.map(async (p) => locks.set(p, await inspectRestartLock(p))));
  const culprits = failureCulprits({
    snapshot,
    test,
    now: Date.now(),
    stallThresholdMs: provided.stallThresholdMs,
    listeners: await listenersOrNull(),
    errorEndpoints: endpointsInErrors(errors.map((e) => `${e.message ?? ''}\n${e.stack ?? ''}`)),
    locks,
    isOwn: (pid) => pid === process.pid || isDescendantOf(osProcessFacts, pid, process.pid),
  });
  const meta: FailureMeta = { pid: process.pid, culprits };
  (ctx.task.meta as { flakeDoctor?: FailureMeta }).flakeDoctor = meta;
  const section = formatSection(culprits, process.pid);
  if (section && errors[0]) errors[0].message = `${errors[0].message ?? ''}\n\n${section}`;
  // And one test annotation per culprit where vitest has them (≥ 3.2), for JUnit, GitHub and the default reporter.
  await annotateFailure(ctx, culpritAnnotations(culprits));
}

// The test to stamp: set in the first beforeEach of every test (the setup file's hooks come
// before the test file's), cleared once its last afterEach has run (onTestFinished runs after
// them). Under test.concurrent, see RunningTests: overlapping tests stamp nothing.
const running = new RunningTests();

beforeEach((ctx) => {
  const test = testRef(ctx.task);
  setCurrentTest(running.start(ctx.task.id, test));
  ctx.onTestFinished(() => setCurrentTest(running.end(ctx.task.id)));
  ctx.onTestFailed(() => describeFailure(ctx, test));
});

// What was reported at the end of earlier files in this worker (isolate: false runs several
// files in one process): each thing is reported once, at the end of the file it was seen in.
const REPORTED_KEY = Symbol.for('flake-doctor.vitest-reported-leftovers.v1');
const reported: Set<string> = ((globalThis as { [REPORTED_KEY]?: Set<string> })[REPORTED_KEY] ??= new Set());
const leftoverMode = provided.leftovers ?? 'warn';

// The setup file's one afterAll. afterAll hooks run in stack order (vitest's default
// sequence.hooks), so this runs after every afterAll of the test file: what they did not close
// was left running. The lease is released before a 'fail' error is thrown (an error from an
// afterAll skips the hooks after it).
afterAll(async (file) => {
  const found = leftoverMode === 'off' ? null : leftoversNow();
  await releaseLease();
  if (leftoverMode === 'off' || !found || found.leftovers.length === 0) return;
  const meta: FileEndMeta = { pid: process.pid, mode: leftoverMode, leftovers: found.leftovers };
  (file.meta as { flakeDoctor?: FileEndMeta }).flakeDoctor = meta;
  if (leftoverMode === 'fail') {
    const lines = found.leftovers.map((l) => `  • ${l.message}`);
    throw new Error(
      `Flake Doctor — this file ended with ${found.leftovers.length} thing(s) still running (flakeDoctor({ leftovers: 'fail' })):\n${lines.join('\n')}`,
    );
  }
});

/** What is running now and was not reported yet (then marked reported); null if the snapshot failed. */
function leftoversNow(): ReturnType<typeof fileLeftovers> | null {
  try {
    const found = fileLeftovers(workerSnapshot(), Date.now(), reported);
    for (const key of found.keys) reported.add(key);
    return found;
  } catch {
    return null; // observing never fails a run by itself
  }
}
