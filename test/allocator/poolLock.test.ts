import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PoolLock } from '../../src/core/allocator/index';

/** A pid that surely belonged to a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('PoolLock with an empty orphaned .reclaim', () => {
  it('waits (sleeps) for the orphan to age out instead of spinning synchronously', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-poollock-'));
    const lockPath = join(dir, 'pool.json.lock');
    // A stale lock (dead holder) and an empty .reclaim: a remover killed between create and write.
    writeFileSync(lockPath, `${deadPid()}\n-\nold-token\n${Date.now()}\n`);
    writeFileSync(`${lockPath}.reclaim`, '');

    // Injected clock: it only moves when the lock sleeps. Reading it many times without a
    // sleep in between is the synchronous spin that froze the event loop; fail fast on it
    // rather than hang the test.
    let t = Date.now();
    let readsSinceSleep = 0;
    let sleeps = 0;
    const lock = new PoolLock(lockPath, {
      now: () => {
        if (++readsSinceSleep > 200) throw new Error('spinning: 200 clock reads without sleeping');
        return t;
      },
      sleep: async (ms) => {
        sleeps++;
        readsSinceSleep = 0;
        t += ms;
      },
    });
    const held = await lock.acquire();
    // The orphan was only cleared once it was older than staleMs by the (injected) clock.
    expect(sleeps).toBeGreaterThan(10);
    expect(existsSync(`${lockPath}.reclaim`)).toBe(false);
    await held.release();
    expect(existsSync(lockPath)).toBe(false);
  });
});
