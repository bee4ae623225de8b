// Runs in every vitest worker (added to `setupFiles` by the plugin): publishes the worker over
// the bridge, offers `loopbackAddress()`, and when a test fails adds the "Flake Doctor" section
// to its first error, so every reporter shows the culprits right next to the failure, and each
// culprit as a test annotation where vitest has them (annotations.ts). Tests
// that pass cost one beforeEach registration; nothing is scanned or read unless a test fails.
// It also says which test is running (observers stamp it on every call, session, listen and
// child at its start), and when the file ends, puts what the file left running on its meta.

import { afterAll, beforeEach, inject, type TestContext } from 'vitest';
import { LoopbackPool, type LoopbackLease } from '../core/allocator/pool';
import { currentBridge, startBridge } from '../core/bridge/server';
import { setCurrentTest, type TestRef } from '../core/observe/testContext';
import { collectFailureFacts, ownSnapshot } from '../runners/common/failureFacts';
import { takeLeftovers, type Leftover } from '../runners/common/leftovers';
import { RunningTests } from '../runners/common/runningTests';
import { annotateFailure, culpritAnnotations } from './annotations';
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
  // The same facts and rules as the jest and node:test integrations (src/runners/common).
  const facts = await collectFailureFacts({
    bridge: currentBridge() ?? bridge,
    test,
    errors: errors.map((e) => `${e.message ?? ''}\n${e.stack ?? ''}`),
    stallThresholdMs: provided.stallThresholdMs,
  });
  const meta: FailureMeta = { pid: facts.pid, culprits: facts.culprits };
  (ctx.task.meta as { flakeDoctor?: FailureMeta }).flakeDoctor = meta;
  if (facts.section && errors[0]) errors[0].message = `${errors[0].message ?? ''}\n\n${facts.section}`;
  // And one test annotation per culprit where vitest has them (≥ 3.2), for JUnit, GitHub and the default reporter.
  await annotateFailure(ctx, culpritAnnotations(facts.culprits));
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
// was left running, whoever started it — a test, or module scope and a beforeAll (listed as
// started outside any test). The lease is released before a 'fail' error is thrown (an error from an
// afterAll skips the hooks after it).
afterAll(async (file) => {
  const found = leftoverMode === 'off' ? null : leftoversNow();
  await releaseLease();
  if (leftoverMode === 'off' || !found || found.length === 0) return;
  const meta: FileEndMeta = { pid: process.pid, mode: leftoverMode, leftovers: found };
  (file.meta as { flakeDoctor?: FileEndMeta }).flakeDoctor = meta;
  if (leftoverMode === 'fail') {
    const lines = found.map((l) => `  • ${l.message}`);
    throw new Error(`Flake Doctor — this file ended with ${found.length} thing(s) still running (flakeDoctor({ leftovers: 'fail' })):\n${lines.join('\n')}`);
  }
});

/** What is running now and was not reported yet (then marked reported); null if the snapshot failed. */
function leftoversNow(): Leftover[] | null {
  try {
    return takeLeftovers(ownSnapshot(currentBridge() ?? bridge), Date.now(), reported);
  } catch {
    return null; // observing never fails a run by itself
  }
}
