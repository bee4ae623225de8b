// Which locks a waiter takes over at once (corrupt content, a dead or reused pid) and which it
// must wait for (a live recorded process). A sleepFn that throws proves "at once": acquiring
// without ever sleeping. Thresholds are huge so age never decides.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { acquireLockFile, inspectRestartLock, isOnLocalFileSystem, systemProcessFacts, writeLockForTesting } from '../../src/core/lock/index';
import { makeTempDir, startLiveChild } from './helpers';

function tempLock(): string {
  const { dir, cleanup } = makeTempDir();
  onTestFinished(cleanup);
  return join(dir, 'restart.lock');
}

const HUGE = { staleMs: 600_000, maxWaitMs: 600_000 };
const never = (): Promise<void> => Promise.reject(new Error('slept: the lock was not taken over at once'));
const stopWaiting = (): Promise<void> => Promise.reject(new Error('waited'));

async function liveChild(): Promise<number> {
  return (await startLiveChild()).pid;
}

describe('corrupt content is taken over at once', () => {
  it.each([
    ['empty', ''],
    ['partial (pid only)', '4242\n'],
    ['partial (cut in the token)', '4242\n1700000000000\nab'],
    ['garbage', 'GARBAGE\u0000\u00ff\nmore garbage\n\n'],
    ['future timestamp', `4242\n${Date.now() + 3_600_000}\ntok\n`],
  ])('%s', async (_name, content) => {
    const lockPath = tempLock();
    writeFileSync(lockPath, content);
    expect((await inspectRestartLock(lockPath, HUGE)).state).toBe('corrupt');
    const handle = await acquireLockFile(lockPath, { ...HUGE, sleepFn: never });
    expect(handle.acquisition.how).toBe('corrupt');
    expect(await handle.release()).toBe(true);
  });
});

describe('PID reuse', () => {
  it('a live process under the recorded pid but with another start time is not the holder', async () => {
    const lockPath = tempLock();
    const pid = await liveChild();
    const real = systemProcessFacts.startTime(pid);
    expect(real).not.toBeNull();
    // The lock was written by an earlier process that had this pid: same pid, other start time.
    writeLockForTesting(lockPath, { pid, startTime: String(Number(real) + 1) });
    const s = await inspectRestartLock(lockPath, HUGE);
    expect(s.state).toBe('dead-holder');
    expect(s.holder).toMatchObject({ pid, liveness: 'pid-reused', alive: false });
    const handle = await acquireLockFile(lockPath, { ...HUGE, sleepFn: never });
    expect(handle.acquisition.how).toBe('dead-holder');
    expect(handle.acquisition.previous?.pid).toBe(pid);
    expect(await handle.release()).toBe(true);
  });

  it('the same pid with its true start time is the live holder: the waiter waits', async () => {
    const lockPath = tempLock();
    const pid = await liveChild();
    writeLockForTesting(lockPath, { pid, startTime: systemProcessFacts.startTime(pid) });
    const before = readFileSync(lockPath, 'utf8');
    await expect(acquireLockFile(lockPath, { ...HUGE, sleepFn: stopWaiting })).rejects.toThrow('waited');
    expect(readFileSync(lockPath, 'utf8')).toBe(before);
  });

  it('a lock written in an earlier boot is taken over even though its pid runs now', async () => {
    const lockPath = tempLock();
    if (systemProcessFacts.bootId() === null) return; // no boot id on this platform
    writeLockForTesting(lockPath, { bootId: 'an-earlier-boot' }); // our own live pid
    const handle = await acquireLockFile(lockPath, { ...HUGE, sleepFn: never });
    expect(handle.acquisition.how).toBe('dead-holder');
    expect(await handle.release()).toBe(true);
  });

  it('an origin-format lock (no host) on a local file system whose pid is gone is taken over at once', async () => {
    const lockPath = tempLock();
    expect(isOnLocalFileSystem(lockPath)).toBe(true); // the temp directory is a local disk or tmpfs
    const child = await startLiveChild();
    const pid = child.pid;
    await child.kill();
    expect(systemProcessFacts.probePid(pid)).toBe('not-running');
    writeFileSync(lockPath, `${pid}\n${Date.now()}\norigin-token\n`);
    const snapshot = await inspectRestartLock(lockPath, HUGE);
    expect(snapshot).toMatchObject({ state: 'dead-holder', holder: { liveness: 'dead', assumedLocal: true, alive: false } });
    const handle = await acquireLockFile(lockPath, { ...HUGE, sleepFn: never });
    expect(handle.acquisition).toMatchObject({ how: 'dead-holder', previous: { pid, token: 'origin-token' } });
    expect(await handle.release()).toBe(true);
  });

  it('an origin-format lock on a local file system whose pid runs is held by that local process', async () => {
    const lockPath = tempLock();
    const pid = await liveChild();
    writeFileSync(lockPath, `${pid}\n${Date.now()}\norigin-token\n`);
    expect(await inspectRestartLock(lockPath, HUGE)).toMatchObject({ state: 'held', holder: { liveness: 'alive', assumedLocal: true, alive: true } });
    await expect(acquireLockFile(lockPath, { ...HUGE, sleepFn: stopWaiting })).rejects.toThrow('waited');
  });

  it('an origin-format lock on storage not known to be local still waits for its age: the host is unknown', async () => {
    const lockPath = tempLock();
    const child = await startLiveChild();
    const pid = child.pid;
    await child.kill();
    writeFileSync(lockPath, `${pid}\n${Date.now()}\norigin-token\n`);
    const shared = { ...HUGE, localFileSystem: () => false };
    expect((await inspectRestartLock(lockPath, shared)).holder).toMatchObject({ liveness: 'unverifiable', assumedLocal: false, alive: false });
    await expect(acquireLockFile(lockPath, { ...shared, sleepFn: stopWaiting })).rejects.toThrow('waited');
  });
});
