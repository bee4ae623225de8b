// Lock paths that hold something other than a small lock file: a directory at the lock or
// its `.mutex` (a clear error naming the path, from inspect, break and acquire), and a lock
// with a valid head and a long tail (only its head is read). A sleepFn that throws
// turns "would wait forever" into a failure instead of a hang.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { acquireLockFile, breakRestartLock, formatLockContent, inspectRestartLock, writeLockForTesting } from '../../src/core/lock/index';

// The read limit, as the fix defines it (4096 bytes); a literal so the test also runs against old code.
const LOCK_READ_LIMIT_BYTES = 4096;
import { makeTempDir, startLiveChild } from './helpers';

function tempLock(): string {
  const { dir, cleanup } = makeTempDir();
  onTestFinished(cleanup);
  return join(dir, 'restart.lock');
}

const HUGE = { staleMs: 600_000, maxWaitMs: 600_000, mutexStaleMs: 600_000 };
const stopWaiting = (): Promise<void> => Promise.reject(new Error('waited'));

describe('a directory in the way is a clear error naming it', () => {
  it('at the lock path: inspect, break and acquire', async () => {
    const lockPath = tempLock();
    mkdirSync(lockPath);
    const expected = `lock file ${lockPath} is a directory, not a regular file`;
    await expect(inspectRestartLock(lockPath, HUGE)).rejects.toThrow(expected);
    await expect(breakRestartLock(lockPath, { ...HUGE, sleepFn: stopWaiting })).rejects.toThrow(expected);
    await expect(acquireLockFile(lockPath, { ...HUGE, sleepFn: stopWaiting })).rejects.toThrow(expected);
    expect(existsSync(lockPath)).toBe(true);
  });

  it('at the .mutex path: inspect, break and acquire', async () => {
    const lockPath = tempLock();
    mkdirSync(`${lockPath}.mutex`);
    const expected = `lock mutex ${lockPath}.mutex is a directory, not a regular file`;
    await expect(inspectRestartLock(lockPath, HUGE)).rejects.toThrow(expected);
    await expect(breakRestartLock(lockPath, { ...HUGE, sleepFn: stopWaiting })).rejects.toThrow(expected);
    await expect(acquireLockFile(lockPath, { ...HUGE, sleepFn: stopWaiting })).rejects.toThrow(expected);
  });

  it('at the .mutex.reclaim path, once a stale mutex needs reaping', async () => {
    const lockPath = tempLock();
    writeLockForTesting(`${lockPath}.mutex`); // any file, made stale by a clock 1 s ahead
    mkdirSync(`${lockPath}.mutex.reclaim`);
    await expect(acquireLockFile(lockPath, { ...HUGE, mutexStaleMs: 0, now: () => Date.now() + 1000, sleepFn: stopWaiting })).rejects.toThrow(
      `lock mutex reclaim ${lockPath}.mutex.reclaim is a directory`,
    );
  });
});

describe('only the head of a lock file is read', () => {
  // A valid head, then a long tail. Reading the tail is what took 1.5–3.4 s inside the mutex
  // for a 20 MB tail; timing it would make the test depend on machine speed, so the tail
  // carries a fact instead: a `host=` line past the read limit. A reader that reads (and
  // parses) the whole file sees it; one that reads only the head never does.
  function lockWithLongTail(lockPath: string, pid: number): void {
    const head = formatLockContent({ pid, timestamp: Date.now(), token: 'head-token', host: null, startTime: null, bootId: null, command: null });
    writeFileSync(lockPath, `${head}${'x'.repeat(LOCK_READ_LIMIT_BYTES)}\nhost=a-host-in-the-tail\n${'y'.repeat(1 << 20)}\n`);
  }

  it('inspect and acquire judge it by its head alone', async () => {
    const lockPath = tempLock();
    const live = await startLiveChild();
    lockWithLongTail(lockPath, live.pid);
    const snapshot = await inspectRestartLock(lockPath, HUGE);
    expect(snapshot).toMatchObject({ state: 'held', holder: { pid: live.pid, token: 'head-token', host: null } });
    await expect(acquireLockFile(lockPath, { ...HUGE, sleepFn: stopWaiting })).rejects.toThrow('waited');
    const handle = await acquireLockFile(lockPath, { ...HUGE, maxWaitMs: 0, sleepFn: stopWaiting });
    expect(handle.acquisition.previous).toMatchObject({ pid: live.pid, token: 'head-token', host: null });
    expect(await handle.release()).toBe(true);
  });

  it('break judges it by its head alone', async () => {
    const lockPath = tempLock();
    lockWithLongTail(lockPath, 4_000_000);
    const report = await breakRestartLock(lockPath, { ...HUGE, force: true, expectedToken: 'head-token' });
    expect(report).toMatchObject({ outcome: 'removed', previous: { token: 'head-token', host: null } });
  });
});
