import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mutexPath, plantDeadHolderLock, RESTART_LOCK_MUTEX_STALE_MS, RESTART_LOCK_STALE_MS, writeLockForTesting } from '../../src/core/lock';
import { LocksModel, type LocksState } from '../../src/extension/locks/locksModel';
import type { LocksSettings } from '../../src/extension/locks/locksSettings';

const settings = (fields: Partial<LocksSettings>): LocksSettings => ({
  patterns: [],
  paths: [],
  staleMs: RESTART_LOCK_STALE_MS,
  mutexStaleMs: RESTART_LOCK_MUTEX_STALE_MS,
  ...fields,
});

describe('LocksModel (real files, chokidar)', () => {
  const models: LocksModel[] = [];
  afterEach(() => {
    for (const m of models.splice(0)) m.dispose();
  });
  const track = (model: LocksModel) => (models.push(model), model);

  it('follows a lock through held, dead holder, mutex and removal, with events only on change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-locks-model-'));
    // The directory does not exist yet: the watcher starts from its nearest ancestor.
    const lockPath = join(dir, 'home', 'fleet', 'restart.lock');
    const model = track(new LocksModel(settings({ paths: [lockPath] }), async () => []));
    const seen: LocksState[] = [];
    model.on('change', (s) => seen.push(s));
    const last = () => seen.at(-1)?.locks[0];

    await model.refresh();
    await model.watching();
    expect(model.state.locks.map((s) => [s.lockPath, s.state])).toEqual([[lockPath, 'free']]);
    const events = seen.length;
    await model.refresh();
    expect(seen).toHaveLength(events); // nothing changed: no event

    const record = writeLockForTesting(lockPath); // creates home/fleet: the watch moves down
    await expect.poll(() => last()?.state, { timeout: 10_000 }).toBe('held');
    expect(last()?.holder).toMatchObject({ pid: process.pid, token: record.token, alive: true });

    await model.watching();
    const dead = await plantDeadHolderLock(lockPath);
    await expect.poll(() => last()?.state, { timeout: 10_000 }).toBe('dead-holder');
    expect(last()?.holder).toMatchObject({ pid: dead.pid, alive: false, liveness: 'dead' });

    // A mutex left by a crashed process: present, then orphaned by its mtime.
    writeFileSync(mutexPath(lockPath), `${dead.pid}\nx\n`);
    await expect.poll(() => last()?.mutex?.holderPid, { timeout: 10_000 }).toBe(dead.pid);
    expect(last()?.mutex?.stale).toBe(false);
    const old = new Date(Date.now() - 60_000);
    utimesSync(mutexPath(lockPath), old, old);
    await expect.poll(() => last()?.mutex?.stale, { timeout: 10_000 }).toBe(true);

    rmSync(mutexPath(lockPath));
    rmSync(lockPath);
    await expect.poll(() => [last()?.state, last()?.mutex], { timeout: 10_000 }).toEqual(['free', null]);
  });

  it('turns a held lock stale when its age crosses the threshold, without any file event or polling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-locks-stale-'));
    const lockPath = join(dir, 'restart.lock');
    writeLockForTesting(lockPath); // held by this (live) process
    const model = track(new LocksModel(settings({ paths: [lockPath], staleMs: 300 }), async () => []));
    const states: string[] = [];
    model.on('change', (s) => states.push(s.locks[0]!.state));
    await model.refresh();
    expect(states).toEqual(['held']);
    await expect.poll(() => states, { timeout: 10_000 }).toEqual(['held', 'stale']);
  });

  it('lists what the patterns find (companions map to their lock), keeps vanished locks until a forgetting rediscovery', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-locks-discover-'));
    const a = join(dir, 'a.restart.lock');
    const b = join(dir, 'sub', 'b.restart.lock');
    writeLockForTesting(a);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(mutexPath(b), ''); // only an (empty, fresh) mutex: a transition in progress
    let files = [a, mutexPath(b)];
    const patternsSeen: (readonly string[])[] = [];
    const model = track(
      new LocksModel(settings({ patterns: ['**/*.restart.lock'] }), async (patterns) => {
        patternsSeen.push(patterns);
        return files;
      }),
    );
    let state = await model.rediscover(true);
    expect(patternsSeen).toEqual([['**/*.restart.lock']]);
    expect(state.locks.map((s) => [s.lockPath, s.state, s.mutex !== null])).toEqual([
      [a, 'held', false],
      [b, 'free', true],
    ]);

    // A watcher reports a new lock: listed without another search.
    const c = join(dir, 'c.restart.lock');
    writeLockForTesting(c);
    model.found([c]);
    await expect.poll(() => model.state.locks.map((s) => s.lockPath), { timeout: 10_000 }).toEqual([a, c, b]);
    expect(patternsSeen).toHaveLength(1);

    rmSync(a);
    files = [mutexPath(b), c];
    state = await model.rediscover();
    expect(state.locks.find((s) => s.lockPath === a)?.state).toBe('free'); // still listed: the user sees it went
    state = await model.rediscover(true);
    expect(state.locks.map((s) => s.lockPath)).toEqual([c, b]);
  });

  it('a failing search is reported; configured paths are still shown', async () => {
    const lockPath = join(mkdtempSync(join(tmpdir(), 'fd-locks-fail-')), 'restart.lock');
    const model = track(
      new LocksModel(settings({ patterns: ['**/x.lock'], paths: [lockPath] }), async () => {
        throw new Error('search is not available');
      }),
    );
    const state = await model.rediscover(true);
    expect(state.discoveryError).toBe('search is not available');
    expect(state.locks.map((s) => s.lockPath)).toEqual([lockPath]);
  });

  it('a path that cannot be inspected is reported, not fatal to the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-locks-bad-'));
    writeFileSync(join(dir, 'file'), 'x');
    const bad = join(dir, 'file', 'restart.lock'); // ENOTDIR
    const good = join(dir, 'restart.lock');
    const model = track(new LocksModel(settings({ paths: [bad, good] }), async () => []));
    const state = await model.refresh();
    expect(state.locks.map((s) => s.lockPath)).toEqual([good]);
    expect(state.unreadable).toEqual([{ lockPath: bad, message: expect.stringMatching(/ENOTDIR/) }]);
  });
});
