// Real processes: contention with on-disk overlap checks, and SIGKILL crash injection at each
// point of the protocol. Thresholds are small so survivors recover quickly, but nothing here
// asserts how fast anything is: only that it eventually happens and never overlaps.
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mutexPath, reclaimPath } from '../../src/core/lock/index';
import { lastJsonLine, makeTempDir, startWorker } from './helpers';

import { runContender, type ContenderSummary as Summary } from './workers/contendLoop';

/**
 * Runs `count` contender processes doing `iterations` acquisitions each, all started at once,
 * plus, if `inProcess`, this test process as one more contender (it costs no start-up).
 */
async function contend(dir: string, lockPath: string, count: number, iterations: number, options: object, inProcess = false): Promise<Summary[]> {
  const args = { lockPath, dir, iterations, options };
  const workers = Array.from({ length: count }, () => startWorker('contender', args));
  try {
    await Promise.all(workers.map((w) => w.waitForLine('ready')));
    const local = inProcess ? runContender(args) : null;
    writeFileSync(join(dir, 'go'), '');
    const results = await Promise.all(workers.map((w) => w.exited));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const summaries = results.map((r) => lastJsonLine<Summary>(r.stdout));
    if (local !== null) summaries.push(await local);
    return summaries;
  } finally {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  }
}

const points = ['after-mutex-create', 'holding-mutex', 'holding-reclaim', 'holding-lock'] as const;

describe('real processes', () => {
  // All tests of this file run concurrently (separate directories): their time is mostly
  // process start-up and waiting, which overlap well on a small machine.
  it.concurrent(
    '6 processes x 30 acquisitions: zero overlaps on disk, every lock released by its owner',
    async () => {
      // try/finally, not onTestFinished: a global hook is not reliably tied to a concurrent test.
      const { dir, cleanup } = makeTempDir();
      try {
        await sixByThirty(dir);
      } finally {
        cleanup();
      }
    },
    60_000,
  );

  // Each scenario: a crasher stops at a point and is SIGKILLed there; then survivors contend.
  // The lock's stale threshold is huge, so a dead lock holder can only be passed by dead-holder
  // detection; the mutex threshold is small, so crashed mutex/reclaim files age out soon.
  it.concurrent.each(points)(
    'SIGKILL %s: every survivor eventually acquires, no live lock is removed',
    async (point) => {
      const { dir, cleanup } = makeTempDir();
      try {
        await crashAndSurvive(dir, point);
      } finally {
        cleanup();
      }
    },
    60_000,
  );
});

async function sixByThirty(dir: string): Promise<void> {
  const lockPath = join(dir, 'restart.lock');
  // Huge stale/max-wait: no takeover of a live holder may happen, however slow the machine.
  const summaries = await contend(dir, lockPath, 6, 30, { pollIntervalMs: 2, staleMs: 600_000, maxWaitMs: 600_000 });
  expect(summaries.reduce((n, s) => n + s.acquired, 0)).toBe(180);
  expect(summaries.map((s) => s.overlaps)).toEqual([0, 0, 0, 0, 0, 0]);
  expect(summaries.map((s) => s.lostLock)).toEqual([0, 0, 0, 0, 0, 0]);
  expect(summaries.map((s) => s.releaseNoop)).toEqual([0, 0, 0, 0, 0, 0]);
  for (const s of summaries) expect(Object.keys(s.how)).toEqual(['free']);
  expect(existsSync(lockPath)).toBe(false);
  expect(existsSync(mutexPath(lockPath))).toBe(false);
}

async function crashAndSurvive(dir: string, point: (typeof points)[number]): Promise<void> {
  const lockPath = join(dir, 'restart.lock');
  // mutexStaleMs is the one timing assumption: a LIVE process holding the mutex (for a few
  // synchronous fs calls) must not be descheduled that long, or it is reaped by design.
  // 1.5 s leaves a wide margin on a loaded 2-core machine and costs each scenario ~1.5 s.
  const options = { pollIntervalMs: 5, staleMs: 600_000, maxWaitMs: 600_000, mutexStaleMs: 1_500 };
  if (point === 'holding-reclaim') {
    // The crasher only takes .reclaim to reap a stale mutex, so plant one (empty, old mtime).
    writeFileSync(mutexPath(lockPath), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(mutexPath(lockPath), old, old);
  }
  const crasher = startWorker('crasher', { lockPath, point, options });
  try {
    await crasher.waitForLine('at-point');
  } finally {
    crasher.child.kill('SIGKILL');
  }
  const crash = await crasher.exited;
  expect(crash.signal).toBe('SIGKILL');
  // The crash left exactly what it should have.
  if (point === 'after-mutex-create' || point === 'holding-mutex') expect(existsSync(mutexPath(lockPath))).toBe(true);
  if (point === 'holding-reclaim') expect(existsSync(reclaimPath(lockPath))).toBe(true);
  if (point === 'holding-lock') expect(existsSync(lockPath)).toBe(true);

  // Survivors: one more process and this test process.
  const summaries = await contend(dir, lockPath, 1, 5, options, true);
  expect(summaries.map((s) => s.acquired)).toEqual([5, 5]);
  expect(summaries.map((s) => s.overlaps)).toEqual([0, 0]);
  expect(summaries.map((s) => s.lostLock)).toEqual([0, 0]);
  expect(summaries.map((s) => s.releaseNoop)).toEqual([0, 0]);
  const how = summaries.map((s) => s.how);
  // Only the first acquisition after a dead holder is a takeover; nobody ever took over a
  // live holder (that would show up as 'stale' or 'max-wait').
  const takeovers = how.flatMap((h) => Object.keys(h).filter((k) => k !== 'free'));
  expect(takeovers).toEqual(point === 'holding-lock' ? ['dead-holder'] : []);
  expect(existsSync(lockPath)).toBe(false);
  expect(existsSync(mutexPath(lockPath))).toBe(false);
  expect(existsSync(reclaimPath(lockPath))).toBe(false);
}
