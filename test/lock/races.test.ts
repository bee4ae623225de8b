// The origin's regressions and the release/takeover races, with the interleaving forced by
// barriers, hooks, an injected sleepFn and an injected clock: nothing depends on timing.
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  acquireLockFile,
  acquireRestartLock,
  breakRestartLock,
  parseLockContent,
  restartLockPath,
  writeLockForTesting,
  type LockHandle,
} from '../../src/core/lock/index';
import { createBarrier, deferred, makeTempDir, yieldSleep } from './helpers';

function tempLock(): string {
  const { dir, cleanup } = makeTempDir();
  onTestFinished(cleanup);
  return join(dir, 'restart.lock');
}

function tokenOnDisk(lockPath: string): string | null {
  if (!existsSync(lockPath)) return null;
  const parsed = parseLockContent(readFileSync(lockPath, 'utf8'));
  return parsed.ok ? parsed.record.token : null;
}

// Stale by age: 60 s old against a 10 s threshold. Its holder (this process) is alive, so only
// the age makes it takeable.
function plantStale(lockPath: string): string {
  return writeLockForTesting(lockPath, { timestamp: Date.now() - 60_000 }).token;
}

const THRESHOLDS = { staleMs: 10_000, maxWaitMs: 600_000 };

describe('origin regression: concurrent breakers of a stale lock', () => {
  it('three breakers that all judged the lock stale: never two owners, three distinct tokens, lock gone', async () => {
    const lockPath = tempLock();
    plantStale(lockPath);
    const allLooked = createBarrier(3);
    let owners = 0;
    let maxOwners = 0;
    const tokens: string[] = [];
    const hows: string[] = [];
    const lookedAt: string[] = [];

    const breaker = async (): Promise<void> => {
      let first = true;
      const handle = await acquireLockFile(lockPath, {
        ...THRESHOLDS,
        pollIntervalMs: 1,
        sleepFn: yieldSleep,
        hooks: {
          // Every breaker has looked at the lock (and judged it stale) before any of them acts.
          beforeTransition: async (state) => {
            if (!first) return;
            first = false;
            lookedAt.push(state);
            await allLooked.wait();
          },
        },
      });
      owners += 1;
      maxOwners = Math.max(maxOwners, owners);
      expect(tokenOnDisk(lockPath)).toBe(handle.token);
      // Own the lock across several event-loop turns so the others get to act meanwhile.
      for (let i = 0; i < 10; i++) await yieldSleep();
      expect(tokenOnDisk(lockPath)).toBe(handle.token);
      owners -= 1;
      tokens.push(handle.token);
      hows.push(handle.acquisition.how);
      expect(await handle.release()).toBe(true);
    };

    await Promise.all([breaker(), breaker(), breaker()]);
    expect(lookedAt).toEqual(['stale', 'stale', 'stale']);
    expect(maxOwners).toBe(1);
    expect(new Set(tokens).size).toBe(3);
    // Only one took the stale lock over; the other two got it free, after a release.
    expect(hows.sort()).toEqual(['free', 'free', 'stale']);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('two breakers with a barrier: one takes over, the other observes the fresh owner and waits', async () => {
    const lockPath = tempLock();
    const staleToken = plantStale(lockPath);
    const bothLooked = createBarrier(2);
    const aAcquired = deferred<LockHandle>();
    const bSleeps: number[] = [];
    let tokenDuringBSleep: string | null = null;

    const a = acquireLockFile(lockPath, {
      ...THRESHOLDS,
      hooks: { beforeTransition: () => bothLooked.wait() },
    }).then((handle) => {
      aAcquired.resolve(handle);
      return handle;
    });
    const b = acquireLockFile(lockPath, {
      ...THRESHOLDS,
      pollIntervalMs: 37,
      hooks: {
        beforeTransition: async (state) => {
          if (bSleeps.length > 0) return;
          expect(state).toBe('stale');
          await bothLooked.wait();
          await aAcquired.promise; // B acts only after A has taken over.
        },
      },
      sleepFn: async (ms) => {
        bSleeps.push(ms);
        if (bSleeps.length === 1) {
          tokenDuringBSleep = tokenOnDisk(lockPath);
          await (await aAcquired.promise).release();
        }
      },
    });

    const [ha, hb] = await Promise.all([a, b]);
    expect(ha.acquisition.how).toBe('stale');
    expect(ha.acquisition.previous?.token).toBe(staleToken);
    // B's sleepFn ran with the poll interval while A's fresh lock was on disk.
    expect(bSleeps[0]).toBe(37);
    expect(tokenDuringBSleep).toBe(ha.token);
    // B got the lock only after A released it: free, not a takeover of A.
    expect(hb.acquisition.how).toBe('free');
    expect(hb.acquisition.previous).toBeNull();
    expect(await hb.release()).toBe(true);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('three concurrent breakRestartLock calls on a stale lock: exactly one removes it', async () => {
    const lockPath = tempLock();
    const staleToken = plantStale(lockPath);
    const allReady = createBarrier(3);
    const reports = await Promise.all([0, 1, 2].map(() => breakRestartLock(lockPath, { ...THRESHOLDS, hooks: { beforeTransition: () => allReady.wait() } })));
    expect(reports.map((r) => r.outcome).sort()).toEqual(['already-free', 'already-free', 'removed']);
    expect(reports.find((r) => r.outcome === 'removed')?.previous?.token).toBe(staleToken);
    expect(existsSync(lockPath)).toBe(false);
  });
});

describe('lock-free look versus a lock being created', () => {
  it('a waiter that catches a new lock still empty does not take it over: it re-reads under the mutex', async () => {
    const lockPath = tempLock();
    // The moment inside another process's acquire between creating the lock file and writing
    // it: it holds the mutex, the lock file exists and is empty.
    const creator = { pid: process.pid, token: 'creator-token' };
    writeFileSync(`${lockPath}.mutex`, `${creator.pid}\nmutex-token\n`);
    writeFileSync(lockPath, '');
    const looked: string[] = [];
    const sleeps: number[] = [];
    const waiting = acquireLockFile(lockPath, {
      ...THRESHOLDS,
      pollIntervalMs: 50,
      mutexRetryMs: 3,
      hooks: { beforeTransition: (state) => void looked.push(state) },
      sleepFn: async (ms) => {
        sleeps.push(ms);
        if (ms === 3) {
          // The creator finishes: writes its record and releases the mutex.
          writeLockForTesting(lockPath, { token: creator.token });
          unlinkSync(`${lockPath}.mutex`);
          return;
        }
        throw new Error('stop waiting');
      },
    });
    await expect(waiting).rejects.toThrow('stop waiting');
    expect(looked).toEqual(['corrupt']); // its lock-free look saw the empty file...
    expect(sleeps).toEqual([3, 50]); // ...it waited for the mutex, re-read, and then polled
    expect(tokenOnDisk(lockPath)).toBe(creator.token); // the creator's lock is intact
  });
});

describe('release and takeover', () => {
  it('a release by a non-owner is a no-op', async () => {
    const lockPath = tempLock();
    const a = await acquireLockFile(lockPath, THRESHOLDS);
    // maxWaitMs 0: B takes the fresh lock over at once, as a waiter at its maximum wait does.
    const b = await acquireLockFile(lockPath, { ...THRESHOLDS, maxWaitMs: 0 });
    expect(b.acquisition.how).toBe('max-wait');
    expect(b.acquisition.previous?.token).toBe(a.token);
    expect(await a.release()).toBe(false);
    expect(tokenOnDisk(lockPath)).toBe(b.token);
    expect(await b.release()).toBe(true);
    expect(await b.release()).toBe(false);
    expect(existsSync(lockPath)).toBe(false);
  });

  it("a forced break does not let the old owner's release remove the next owner's lock", async () => {
    const lockPath = tempLock();
    const a = await acquireLockFile(lockPath, THRESHOLDS);
    const report = await breakRestartLock(lockPath, { ...THRESHOLDS, force: true });
    expect(report.outcome).toBe('removed');
    expect(report.previous?.token).toBe(a.token);
    const c = await acquireLockFile(lockPath, THRESHOLDS);
    expect(await a.release()).toBe(false);
    expect(tokenOnDisk(lockPath)).toBe(c.token);
    expect(await c.release()).toBe(true);
  });

  it('a waiter takes over a fresh live lock only once the maximum wait has passed (injected clock)', async () => {
    const lockPath = tempLock();
    let now = Date.now();
    const holder = await acquireLockFile(lockPath, { ...THRESHOLDS, now: () => now });
    const sleeps: number[] = [];
    const waiter = await acquireLockFile(lockPath, {
      staleMs: 600_000,
      maxWaitMs: 1_000,
      pollIntervalMs: 100,
      now: () => now,
      sleepFn: async (ms) => {
        sleeps.push(ms);
        expect(tokenOnDisk(lockPath)).toBe(holder.token);
        now += ms;
      },
    });
    // 10 polls of 100 ms reach 1000 ms of waiting; not one poll earlier.
    expect(sleeps).toEqual(Array(10).fill(100));
    expect(waiter.acquisition.how).toBe('max-wait');
    expect(waiter.acquisition.waitedMs).toBe(1_000);
    expect(await holder.release()).toBe(false);
    expect(await waiter.release()).toBe(true);
  });

  it('an aborted wait rejects and leaves the held lock alone', async () => {
    const lockPath = tempLock();
    const holder = await acquireLockFile(lockPath, THRESHOLDS);
    const controller = new AbortController();
    const waiting = acquireLockFile(lockPath, {
      ...THRESHOLDS,
      signal: controller.signal,
      sleepFn: async () => controller.abort(new Error('gave up')),
    });
    await expect(waiting).rejects.toThrow('gave up');
    expect(tokenOnDisk(lockPath)).toBe(holder.token);
    expect(await holder.release()).toBe(true);
  });

  it('acquireRestartLock uses <home>/fleet/restart.lock and its sleepFn', async () => {
    const { dir, cleanup } = makeTempDir();
    onTestFinished(cleanup);
    expect(restartLockPath(dir)).toBe(join(dir, 'fleet', 'restart.lock'));
    const first = await acquireRestartLock(dir);
    expect(tokenOnDisk(restartLockPath(dir))).toBe(first.token);
    const sleeps: number[] = [];
    const second = acquireRestartLock(dir, async (ms) => {
      sleeps.push(ms);
      await first.release();
    });
    const handle = await second;
    expect(sleeps).toEqual([100]); // RESTART_LOCK_POLL_INTERVAL_MS
    expect(handle.acquisition.how).toBe('free');
    expect(await handle.release()).toBe(true);
  });
});
