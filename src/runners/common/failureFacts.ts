// "Collect the facts for a failure in this process": what a runner integration calls, in the
// process where the test ran, at the moment a test failed. It takes this process's bridge
// snapshot, reads the socket table and the restart locks the process waits for, and hands them
// to the pure culprit rules. Runner-neutral: the jest setup file and the node:test hooks call
// it; the vitest setup file can too. This file is the one place the runner integrations use
// the culprit rules (failureCulprits / formatSection), so a change of their facts (the failing
// test, for own/leftover attribution) is made here once.

import { threadId } from 'node:worker_threads';
import { scanLoopbackListeners, type LoopbackListener } from '../../core/allocator/scan';
import { ownProcessInfo } from '../../core/bridge/processInfo';
import type { BridgeServer } from '../../core/bridge/server';
import { SnapshotSource } from '../../core/bridge/snapshot';
import type { BridgeSnapshot } from '../../core/bridge/types';
import { inspectRestartLock, type RestartLockSnapshot } from '../../core/lock/inspect';
import type { TestRef } from '../../core/observe/testContext';
import { isDescendantOf, osProcessFacts } from '../../core/process';
import { endpointsInErrors, failureCulprits, formatSection } from '../../vitest/culprits';
import type { FailureCulprit } from '../../vitest/shared';

export interface FailureInput {
  bridge: BridgeServer;
  /** The failing test (for attribution of what it started). */
  test: TestRef;
  /** The test's error texts (message and stack): address:port pairs in them are looked up. */
  errors: readonly string[];
  stallThresholdMs: number;
  now?: number;
}

export interface FailureFacts {
  pid: number;
  culprits: FailureCulprit[];
  /** The text to show with the failure; '' when nothing is named. */
  section: string;
}

/** This process's (this thread's) snapshot, as the bridge would publish it. */
export function ownSnapshot(bridge: BridgeServer): BridgeSnapshot {
  return new SnapshotSource(bridge.tracker, ownProcessInfo('api', threadId), bridge.observers ?? []).build();
}

async function listenersOrNull(): Promise<LoopbackListener[] | null> {
  try {
    return await scanLoopbackListeners();
  } catch {
    return null; // no socket table: loopback culprits are not named, the rest still are
  }
}

export async function collectFailureFacts(input: FailureInput): Promise<FailureFacts> {
  const snapshot = ownSnapshot(input.bridge);
  const waiting = snapshot.locks.filter((l) => l.state === 'waiting').map((l) => l.lockPath);
  const locks = new Map<string, RestartLockSnapshot>();
  await Promise.all(waiting.map(async (p) => locks.set(p, await inspectRestartLock(p))));
  // The failing test: what it started is named as its own, what earlier tests left running apart.
  const culprits = failureCulprits({
    snapshot,
    test: input.test,
    now: input.now ?? Date.now(),
    stallThresholdMs: input.stallThresholdMs,
    listeners: await listenersOrNull(),
    errorEndpoints: endpointsInErrors(input.errors),
    locks,
    isOwn: (pid) => pid === process.pid || isDescendantOf(osProcessFacts, pid, process.pid),
  });
  return { pid: process.pid, culprits, section: formatSection(culprits, process.pid) };
}

/**
 * The stall threshold for a failed test when the runner does not say its timeout: the
 * FLAKE_DOCTOR_STALL_MS setting, else half of how long the failing test ran (a timed-out test
 * ran for its timeout: the vitest plugin's "half the test timeout"), between 100 ms and 10 s.
 */
export function stallThresholdFor(testDurationMs: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = Number(env.FLAKE_DOCTOR_STALL_MS);
  if (Number.isInteger(raw) && raw >= 1) return raw;
  return Math.min(10_000, Math.max(100, Math.floor(testDurationMs / 2)));
}
