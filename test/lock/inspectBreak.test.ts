// The snapshot the view renders and the break it offers, on real files and real processes.
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  acquireLockFile,
  breakRestartLock,
  inspectRestartLock,
  mutexPath,
  plantDeadHolderLock,
  reclaimPath,
  systemProcessFacts,
  writeLockForTesting,
} from '../../src/core/lock/index';
import { makeTempDir, startLiveChild } from './helpers';

function tempLock(): string {
  const { dir, cleanup } = makeTempDir();
  onTestFinished(cleanup);
  return join(dir, 'restart.lock');
}

const never = (): Promise<void> => Promise.reject(new Error('must not wait'));

/** A real, running process other than us, stopped when the test ends. */
async function liveChild(): Promise<number> {
  return (await startLiveChild()).pid;
}

describe('inspectRestartLock', () => {
  it('free', async () => {
    const s = await inspectRestartLock(tempLock());
    expect(s).toMatchObject({ state: 'free', holder: null, mutex: null, reclaim: null, summary: 'free' });
  });

  it('held by a live process, with its live command line; JSON round-trips', async () => {
    const lockPath = tempLock();
    const handle = await acquireLockFile(lockPath);
    const s = await inspectRestartLock(lockPath);
    expect(s.state).toBe('held');
    expect(s.holder).toMatchObject({ pid: process.pid, token: handle.token, liveness: 'alive', alive: true });
    expect(s.holder?.commandLine).toContain('node');
    expect(s.holder?.ageMs).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    await handle.release();
  });

  it('stale by age', async () => {
    const lockPath = tempLock();
    writeLockForTesting(lockPath, { timestamp: Date.now() - 60_000 });
    const s = await inspectRestartLock(lockPath, { staleMs: 10_000 });
    expect(s.state).toBe('stale');
    expect(s.holder?.ageMs).toBeGreaterThanOrEqual(60_000);
    expect(s.summary).toMatch(/^stale/);
  });

  it('dead holder: planted by a SIGKILLed process', async () => {
    const lockPath = tempLock();
    const planted = await plantDeadHolderLock(lockPath);
    expect(systemProcessFacts.probePid(planted.pid)).toBe('not-running');
    const s = await inspectRestartLock(lockPath);
    expect(s.state).toBe('dead-holder');
    expect(s.holder).toMatchObject({ pid: planted.pid, liveness: 'dead', alive: false, token: planted.record.token });
    expect(s.holder?.commandLine).toContain('dead holder');
  });

  it('corrupt: reason and raw content for the user', async () => {
    const lockPath = tempLock();
    writeFileSync(lockPath, 'garbage\n');
    const s = await inspectRestartLock(lockPath);
    expect(s).toMatchObject({ state: 'corrupt', rawContent: 'garbage\n', holder: null });
    expect(s.corruptReason).toContain('partial');
  });

  it('future timestamp: corrupt, but the holder it names is shown', async () => {
    const lockPath = tempLock();
    writeLockForTesting(lockPath, { timestamp: Date.now() + 3_600_000 });
    const s = await inspectRestartLock(lockPath);
    expect(s.state).toBe('corrupt');
    expect(s.corruptReason).toContain('in the future');
    expect(s.holder).toMatchObject({ pid: process.pid, ageMs: null });
  });

  it('reports .mutex and .reclaim files, their age, holder and whether they are orphaned', async () => {
    const lockPath = tempLock();
    const pid = await liveChild();
    writeFileSync(mutexPath(lockPath), `${pid}\ntok\n`);
    writeFileSync(reclaimPath(lockPath), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(reclaimPath(lockPath), old, old);
    const s = await inspectRestartLock(lockPath, { mutexStaleMs: 5_000 });
    expect(s.mutex).toMatchObject({ path: mutexPath(lockPath), stale: false, holderPid: pid, holderRunning: true });
    expect(s.reclaim).toMatchObject({ path: reclaimPath(lockPath), stale: true, holderPid: null, holderRunning: null });
    expect(s.reclaim!.ageMs).toBeGreaterThanOrEqual(60_000);
    expect(s.summary).toContain('orphaned .reclaim');
  });
});

describe('breakRestartLock', () => {
  it('refuses a fresh lock of a live holder, and leaves it untouched', async () => {
    const lockPath = tempLock();
    const pid = await liveChild();
    const record = writeLockForTesting(lockPath, { pid, startTime: systemProcessFacts.startTime(pid) });
    const before = readFileSync(lockPath, 'utf8');
    const report = await breakRestartLock(lockPath);
    expect(report).toMatchObject({ outcome: 'refused', judgedState: 'held', previousLiveness: 'alive', forced: false });
    expect(report.previous?.token).toBe(record.token);
    expect(report.message).toContain(`pid ${pid}`);
    expect(readFileSync(lockPath, 'utf8')).toBe(before);
  });

  it('with force, removes a fresh lock of a live holder', async () => {
    const lockPath = tempLock();
    const pid = await liveChild();
    writeLockForTesting(lockPath, { pid, startTime: systemProcessFacts.startTime(pid) });
    const report = await breakRestartLock(lockPath, { force: true });
    expect(report).toMatchObject({ outcome: 'removed', judgedState: 'held', forced: true });
    expect(report.message).toContain('(forced)');
    expect(existsSync(lockPath)).toBe(false);
  });

  it('removes a dead holder lock without force, and the report names the holder; JSON round-trips', async () => {
    const lockPath = tempLock();
    const planted = await plantDeadHolderLock(lockPath);
    const report = await breakRestartLock(lockPath, { expectedToken: planted.record.token });
    expect(report).toMatchObject({ outcome: 'removed', judgedState: 'dead-holder', previousLiveness: 'dead' });
    expect(report.previous).toEqual(planted.record);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('refuses when the lock has since been taken by another holder than the one the user saw', async () => {
    const lockPath = tempLock();
    const planted = await plantDeadHolderLock(lockPath);
    const newOwner = await acquireLockFile(lockPath, { sleepFn: never });
    expect(newOwner.acquisition.how).toBe('dead-holder');
    const report = await breakRestartLock(lockPath, { expectedToken: planted.record.token, force: true });
    expect(report.outcome).toBe('refused');
    expect(report.previous?.token).toBe(newOwner.token);
    expect(await newOwner.release()).toBe(true);
  });

  it('removes corrupt content and says it was already free when there is nothing', async () => {
    const lockPath = tempLock();
    writeFileSync(lockPath, '');
    const report = await breakRestartLock(lockPath);
    expect(report).toMatchObject({ outcome: 'removed', judgedState: 'corrupt', previousCorruptReason: 'empty file', previous: null });
    expect((await breakRestartLock(lockPath)).outcome).toBe('already-free');
  });

  it('clears an orphaned .reclaim left beside no mutex, but never a fresh one', async () => {
    const lockPath = tempLock();
    writeFileSync(reclaimPath(lockPath), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(reclaimPath(lockPath), old, old);
    const report = await breakRestartLock(lockPath, { mutexStaleMs: 5_000 });
    expect(report.outcome).toBe('already-free');
    expect(report.reaped).toEqual([expect.objectContaining({ kind: 'orphaned-reclaim', path: reclaimPath(lockPath) })]);
    expect(existsSync(reclaimPath(lockPath))).toBe(false);
    expect((await inspectRestartLock(lockPath)).reclaim).toBeNull();

    // A .reclaim younger than the threshold may belong to a live reaper: it stays.
    writeFileSync(reclaimPath(lockPath), '');
    expect((await breakRestartLock(lockPath, { mutexStaleMs: 5_000 })).reaped).toEqual([]);
    expect(existsSync(reclaimPath(lockPath))).toBe(true);
  });
});
