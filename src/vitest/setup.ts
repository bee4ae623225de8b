// Runs in every vitest worker (added to `setupFiles` by the plugin): publishes the worker over
// the bridge, offers `loopbackAddress()`, and when a test fails adds the "Flake Doctor" section
// to its first error, so every reporter shows the culprits right next to the failure. Tests
// that pass cost one beforeEach registration; nothing is scanned or read unless a test fails.

import { threadId } from 'node:worker_threads';
import { afterAll, beforeEach, inject, type TestContext } from 'vitest';
import { LoopbackPool, type LoopbackLease } from '../core/allocator/pool';
import { scanLoopbackListeners, type LoopbackListener } from '../core/allocator/scan';
import { ownProcessInfo } from '../core/bridge/processInfo';
import { currentBridge, startBridge } from '../core/bridge/server';
import { SnapshotSource } from '../core/bridge/snapshot';
import { inspectRestartLock, type RestartLockSnapshot } from '../core/lock/inspect';
import { isDescendantOf, osProcessFacts } from '../core/process';
import { endpointsInErrors, failureCulprits, formatSection } from './culprits';
import { PROVIDE_KEY, WORKER_API_KEY, type FailureMeta, type WorkerApi } from './shared';

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
afterAll(async () => {
  const held = lease;
  lease = null;
  if (held) await (await held.catch(() => null))?.release();
});

async function listenersOrNull(): Promise<LoopbackListener[] | null> {
  try {
    return await scanLoopbackListeners();
  } catch {
    return null;
  }
}

async function describeFailure(ctx: TestContext): Promise<void> {
  const result = ctx.task.result;
  if (!result) return;
  const errors = result.errors ?? [];
  const running = currentBridge() ?? bridge;
  const snapshot = new SnapshotSource(running.tracker, ownProcessInfo('api', threadId), running.observers ?? []).build();
  const waiting = snapshot.locks.filter((l) => l.state === 'waiting').map((l) => l.lockPath);
  const locks = new Map<string, RestartLockSnapshot>();
  await Promise.all(waiting.map(async (p) => locks.set(p, await inspectRestartLock(p))));
  const culprits = failureCulprits({
    snapshot,
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
}

beforeEach((ctx) => {
  ctx.onTestFailed(() => describeFailure(ctx));
});
