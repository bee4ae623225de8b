// Break, the destructive command of two views, driven through a fake Host against real lock
// files and a real process: what is asked, in which order, what the default is, and what is
// (not) touched. The end-to-end tests drive the same commands through the real dialogs.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { plantDeadHolderLock, RESTART_LOCK_MUTEX_STALE_MS, RESTART_LOCK_STALE_MS, writeLockForTesting } from '../../src/core/lock';
import { breakLockCommand, FORCE_BREAK, KEEP_LOCK } from '../../src/extension/locks/commands/breakLock';
import { LocksModel } from '../../src/extension/locks/locksModel';
import { breakAddressCommand } from '../../src/extension/loopback/commands/breakAddress';
import { LoopbackModel } from '../../src/extension/loopback/loopbackModel';
import { fakeHost, silentLog } from '../helpers/fakeHost';
import { freePortOn, randomRangeStart } from '../helpers/ports';
import { startPlainListener, stopChild } from '../helpers/processes';
import type { ChildProcess } from 'node:child_process';

const disposables: Array<{ dispose(): void }> = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const d of disposables.splice(0)) d.dispose();
  for (const c of children.splice(0)) await stopChild(c);
});

function locksFor(lockPath: string, answers: Array<boolean | string | undefined>, trusted = true) {
  const model = new LocksModel({ patterns: [], paths: [lockPath], staleMs: RESTART_LOCK_STALE_MS, mutexStaleMs: RESTART_LOCK_MUTEX_STALE_MS }, async () => []);
  disposables.push(model);
  const host = fakeHost({ trusted, answers });
  return { model, host, ctx: { model, host, log: silentLog, label: (p: string) => basename(p) } };
}

describe('Break of a restart lock (fake host, real files)', () => {
  it("offers to force a live holder's lock with the safe answer as the default, and keeps the lock on it", async () => {
    const lockPath = join(mkdtempSync(join(tmpdir(), 'fd-break-lock-')), 'api.restart.lock');
    writeLockForTesting(lockPath);
    const { model, host, ctx } = locksFor(lockPath, [true, KEEP_LOCK]);
    await model.refresh();
    await breakLockCommand(ctx, lockPath);
    expect(host.asked.map((a) => a.message)).toEqual([
      `Break the restart lock api.restart.lock held by pid ${process.pid}?`,
      `Force the break? pid ${process.pid} is running and its lock is fresh.`,
    ]);
    // Enter on the second modal picks its first action: it must be the safe one.
    expect(host.asked[1].actions).toEqual([KEEP_LOCK, FORCE_BREAK]);
    expect(existsSync(lockPath)).toBe(true);
  });

  it('forces the break only when Force Break is chosen explicitly', async () => {
    const lockPath = join(mkdtempSync(join(tmpdir(), 'fd-break-lock-')), 'api.restart.lock');
    writeLockForTesting(lockPath);
    const { model, ctx } = locksFor(lockPath, [true, FORCE_BREAK]);
    await model.refresh();
    await breakLockCommand(ctx, lockPath);
    expect(existsSync(lockPath)).toBe(false);
  });

  it("breaks a dead holder's lock after one confirmation naming the holder", async () => {
    const lockPath = join(mkdtempSync(join(tmpdir(), 'fd-break-lock-')), 'api.restart.lock');
    const dead = await plantDeadHolderLock(lockPath);
    const { model, host, ctx } = locksFor(lockPath, [true]);
    await model.refresh();
    await breakLockCommand(ctx, lockPath);
    expect(host.asked).toHaveLength(1);
    expect(host.asked[0].detail).toContain(`Holder pid ${dead.pid}`);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('refuses in an untrusted workspace without asking anything', async () => {
    const lockPath = join(mkdtempSync(join(tmpdir(), 'fd-break-lock-')), 'api.restart.lock');
    await plantDeadHolderLock(lockPath);
    const { host, ctx } = locksFor(lockPath, [true], false);
    await breakLockCommand(ctx, lockPath);
    expect(host.asked).toHaveLength(0);
    expect(host.said[0]).toMatch(/^warn: .*disabled in untrusted workspaces/);
    expect(existsSync(lockPath)).toBe(true);
  });
});

describe('Break of a loopback address (fake host, real process)', () => {
  async function holderOnAddress() {
    const start = randomRangeStart(2);
    const address = `127.0.0.${start}`;
    const port = await freePortOn([address]);
    const child = await startPlainListener(address, [port]);
    children.push(child);
    const poolFile = join(mkdtempSync(join(tmpdir(), 'fd-break-addr-')), 'pool.json');
    const model = new LoopbackModel({
      config: { start, count: 2, probePorts: [port] },
      poolFiles: [poolFile],
      foreignPoolFiles: [],
      originStart: 2,
      minScanIntervalMs: 1000,
      breakGraceMs: 1000,
      connectProbe: false,
    });
    disposables.push(model);
    return { address, port, child, model };
  }

  it('names the pid and command line in the modal, then stops the holder', async () => {
    const { address, port, child, model } = await holderOnAddress();
    const host = fakeHost({ answers: [true] });
    const exited = new Promise((r) => child.once('exit', r));
    await breakAddressCommand(model, host, silentLog, address);
    expect(host.asked).toHaveLength(1);
    expect(host.asked[0].message).toBe(`Stop 1 process holding ports on ${address}?`);
    expect(host.asked[0].detail).toContain(`pid ${child.pid} (ports ${port})`);
    await exited;
    expect(host.said.at(-1)).toMatch(new RegExp(`^info: Break ${address.replace(/\./g, '\\.')}: pid ${child.pid} stopped`));
  });

  it('touches nothing when the modal is cancelled', async () => {
    const { address, child, model } = await holderOnAddress();
    const host = fakeHost({ answers: [false] });
    await breakAddressCommand(model, host, silentLog, address);
    expect(host.asked).toHaveLength(1);
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
  });
});
