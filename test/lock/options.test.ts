// Invalid options are rejected with an error naming the option, before anything is touched.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { acquireLockFile, acquireRestartLock, breakRestartLock, inspectRestartLock, type LockOptions } from '../../src/core/lock/index';
import { makeTempDir } from './helpers';

function tempDir(): string {
  const { dir, cleanup } = makeTempDir();
  onTestFinished(cleanup);
  return dir;
}

const invalid: [string, unknown, RegExp][] = [
  ['staleMs', -1, /staleMs must be a non-negative integer.*-1/],
  ['staleMs', Number.NaN, /staleMs must be a finite number.*NaN/],
  ['maxWaitMs', Number.POSITIVE_INFINITY, /maxWaitMs must be a finite number.*Infinity/],
  ['maxWaitMs', 1.5, /maxWaitMs must be a non-negative integer.*1\.5/],
  ['pollIntervalMs', 0, /pollIntervalMs must be at least 1 ms/],
  ['pollIntervalMs', '100', /pollIntervalMs must be a finite number.*"100"/],
  ['mutexStaleMs', -5_000, /mutexStaleMs must be a non-negative integer/],
  ['mutexRetryMs', 0, /mutexRetryMs must be at least 1 ms/],
  ['now', 12, /now must be a function/],
  ['sleepFn', 'soon', /sleepFn must be a function/],
  ['localFileSystem', true, /localFileSystem must be a function/],
];

describe('invalid options', () => {
  it.each(invalid)('acquireLockFile rejects %s = %s', async (name, value, message) => {
    const lockPath = join(tempDir(), 'x.lock');
    await expect(acquireLockFile(lockPath, { [name]: value } as LockOptions)).rejects.toThrow(message);
    expect(existsSync(lockPath)).toBe(false);
    expect(existsSync(`${lockPath}.mutex`)).toBe(false);
  });

  it('acquireRestartLock rejects invalid options without creating anything', async () => {
    const home = tempDir();
    await expect(acquireRestartLock(home, undefined, { maxWaitMs: -1 })).rejects.toThrow(RangeError);
    expect(existsSync(join(home, 'fleet'))).toBe(false);
  });

  it('rejects a non-object options argument', async () => {
    await expect(acquireLockFile(join(tempDir(), 'x.lock'), 5 as unknown as LockOptions)).rejects.toThrow(/options must be an object/);
  });

  it('inspect and break validate too', async () => {
    const lockPath = join(tempDir(), 'x.lock');
    await expect(inspectRestartLock(lockPath, { staleMs: -1 })).rejects.toThrow(/staleMs/);
    await expect(breakRestartLock(lockPath, { staleMs: Number.NaN })).rejects.toThrow(/staleMs/);
    await expect(breakRestartLock(lockPath, { force: 'yes' as unknown as boolean })).rejects.toThrow(/force must be a boolean/);
    await expect(breakRestartLock(lockPath, { expectedToken: '' })).rejects.toThrow(/expectedToken/);
  });

  it('accepts zero thresholds where they make sense', async () => {
    const lockPath = join(tempDir(), 'x.lock');
    const handle = await acquireLockFile(lockPath, { staleMs: 0, maxWaitMs: 0, mutexStaleMs: 0 });
    expect(await handle.release()).toBe(true);
  });
});
