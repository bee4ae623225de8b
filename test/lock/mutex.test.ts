// The registry mutex: stale-by-mtime reaping under .reclaim with a re-check, orphaned
// .reclaim clearing, a fresh mutex never reaped, and a failed token write cleaned up.
import { existsSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { acquireLockFile, breakRestartLock, mutexPath, reclaimPath, writeLockForTesting } from '../../src/core/lock/index';
import { makeTempDir } from './helpers';

function tempLock(): string {
  const { dir, cleanup } = makeTempDir();
  onTestFinished(cleanup);
  return join(dir, 'restart.lock');
}

function plantFile(path: string, content: string, ageMs: number): void {
  writeFileSync(path, content);
  const at = new Date(Date.now() - ageMs);
  utimesSync(path, at, at);
}

const MUTEX_STALE = 1_000;
const RETRY = 3; // distinctive, so the test can tell mutex waits from lock polls

describe('registry mutex', () => {
  it('a mutex whose creator died before writing it (empty, old mtime) is reaped', async () => {
    const lockPath = tempLock();
    plantFile(mutexPath(lockPath), '', 60_000);
    const handle = await acquireLockFile(lockPath, { mutexStaleMs: MUTEX_STALE, sleepFn: () => Promise.reject(new Error('must not wait')) });
    expect(await handle.release()).toBe(true);
    expect(existsSync(mutexPath(lockPath))).toBe(false);
    expect(existsSync(reclaimPath(lockPath))).toBe(false);
  });

  it('break reports the stale mutex it reaped', async () => {
    const lockPath = tempLock();
    writeLockForTesting(lockPath, { timestamp: Date.now() - 60_000 });
    plantFile(mutexPath(lockPath), '999999\ndeadbeef\n', 60_000);
    const report = await breakRestartLock(lockPath, { staleMs: 10_000, mutexStaleMs: MUTEX_STALE });
    expect(report.outcome).toBe('removed');
    expect(report.reaped.map((r) => r.kind)).toEqual(['stale-mutex']);
  });

  it('a fresh mutex is waited for (mutexRetryMs), never reaped', async () => {
    const lockPath = tempLock();
    writeFileSync(mutexPath(lockPath), '1\nsomeone\n');
    const sleeps: number[] = [];
    const handle = await acquireLockFile(lockPath, {
      mutexStaleMs: 600_000,
      mutexRetryMs: RETRY,
      sleepFn: async (ms) => {
        sleeps.push(ms);
        expect(readFileSync(mutexPath(lockPath), 'utf8')).toBe('1\nsomeone\n');
        if (sleeps.length === 3) unlinkSync(mutexPath(lockPath)); // its holder releases it
      },
    });
    expect(sleeps).toEqual([RETRY, RETRY, RETRY]);
    expect(await handle.release()).toBe(true);
  });

  it('re-checks under .reclaim: a mutex re-created fresh after it was judged stale survives', async () => {
    const lockPath = tempLock();
    plantFile(mutexPath(lockPath), '', 60_000);
    let replaced = false;
    const sleeps: number[] = [];
    const handle = await acquireLockFile(lockPath, {
      mutexStaleMs: MUTEX_STALE,
      mutexRetryMs: RETRY,
      hooks: {
        // Between our stale judgement and the reap, the old mutex goes and a live process
        // creates a new one (a new file with a fresh mtime).
        whileReclaimHeld: () => {
          if (replaced) return;
          replaced = true;
          unlinkSync(mutexPath(lockPath));
          writeFileSync(mutexPath(lockPath), '1\nlive\n');
        },
      },
      sleepFn: async (ms) => {
        sleeps.push(ms);
        // The live mutex is still there: the reaper did not remove it.
        expect(readFileSync(mutexPath(lockPath), 'utf8')).toBe('1\nlive\n');
        unlinkSync(mutexPath(lockPath)); // the live holder releases it
      },
    });
    expect(replaced).toBe(true);
    expect(sleeps).toEqual([RETRY]);
    expect(await handle.release()).toBe(true);
  });

  it('an orphaned .reclaim (old mtime) is cleared, then the stale mutex is reaped', async () => {
    const lockPath = tempLock();
    plantFile(mutexPath(lockPath), '', 60_000);
    plantFile(reclaimPath(lockPath), '999999\ncrashed-reaper\n', 60_000);
    const report = await breakRestartLock(lockPath, { mutexStaleMs: MUTEX_STALE, sleepFn: () => Promise.reject(new Error('must not wait')) });
    expect(report.outcome).toBe('already-free');
    expect(report.reaped.map((r) => r.kind)).toEqual(['orphaned-reclaim', 'stale-mutex']);
    expect(existsSync(reclaimPath(lockPath))).toBe(false);
    expect(existsSync(mutexPath(lockPath))).toBe(false);
  });

  it('a fresh .reclaim (another reaper at work) is waited for, not cleared', async () => {
    const lockPath = tempLock();
    plantFile(mutexPath(lockPath), '', 60_000);
    writeFileSync(reclaimPath(lockPath), '1\nother-reaper\n');
    const sleeps: number[] = [];
    const handle = await acquireLockFile(lockPath, {
      mutexStaleMs: MUTEX_STALE,
      mutexRetryMs: RETRY,
      sleepFn: async (ms) => {
        sleeps.push(ms);
        expect(readFileSync(reclaimPath(lockPath), 'utf8')).toBe('1\nother-reaper\n');
        unlinkSync(reclaimPath(lockPath)); // the other reaper finishes
      },
    });
    expect(sleeps).toEqual([RETRY]);
    expect(await handle.release()).toBe(true);
  });

  it('a mutex whose token write fails is removed by its creator', async () => {
    const lockPath = tempLock();
    await expect(
      acquireLockFile(lockPath, {
        hooks: {
          afterMutexCreate: () => {
            expect(existsSync(mutexPath(lockPath))).toBe(true);
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          },
        },
      }),
    ).rejects.toThrow('ENOSPC');
    expect(existsSync(mutexPath(lockPath))).toBe(false);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('the mutex is gone after every transition', async () => {
    const lockPath = tempLock();
    const seen: string[] = [];
    const handle = await acquireLockFile(lockPath, {
      hooks: { whileMutexHeld: (op) => void seen.push(`${op}:${existsSync(mutexPath(lockPath))}`) },
    });
    expect(existsSync(mutexPath(lockPath))).toBe(false);
    await handle.release();
    expect(seen).toEqual(['acquire:true', 'release:true']);
    expect(existsSync(mutexPath(lockPath))).toBe(false);
  });
});
