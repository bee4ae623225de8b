import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HolderSnapshot, RestartLockSnapshot } from '../../src/core/lock';
import { lockPathOf, planWatch } from '../../src/extension/locks/lockFileWatcher';
import { coarseAge, lockDescription, lockLabel, lockProblems, lockTooltipMarkdown, probeReport, probeReportParts } from '../../src/extension/locks/locksFormat';
import { isBreakable, sameLock } from '../../src/extension/locks/breakPolicy';

const NOW = 1_700_000_000_000;

function holder(fields: Partial<HolderSnapshot> = {}): HolderSnapshot {
  return {
    pid: 4242,
    token: 'tok-1',
    timestamp: NOW - 12_000,
    ageMs: 12_000,
    host: 'box',
    startTime: '123',
    bootId: 'b',
    liveness: 'alive',
    assumedLocal: false,
    alive: true,
    commandLine: 'node restart.js --fleet',
    recordedCommand: 'node restart.js --fleet',
    ...fields,
  };
}

function snap(fields: Partial<RestartLockSnapshot> = {}): RestartLockSnapshot {
  return {
    lockPath: '/ws/fleet/restart.lock',
    inspectedAt: NOW,
    state: 'held',
    summary: 'held by pid 4242',
    holder: holder(),
    corruptReason: null,
    rawContent: null,
    mutex: null,
    reclaim: null,
    thresholds: { staleMs: 30_000, mutexStaleMs: 5_000 },
    ...fields,
  };
}

describe('Restart Locks row text', () => {
  it('names state, pid, coarse age and command line', () => {
    expect(lockDescription(snap(), NOW)).toBe('held · pid 4242 · 10 s · node restart.js --fleet');
    expect(lockDescription(snap({ state: 'dead-holder', holder: holder({ liveness: 'dead', alive: false }) }), NOW + 3000)).toBe(
      'dead holder · pid 4242 · 10 s · node restart.js --fleet',
    );
    expect(lockDescription(snap({ state: 'corrupt', holder: null, corruptReason: 'empty content', rawContent: '' }), NOW)).toBe('corrupt · empty content');
  });

  it('ages in 5-second steps under a minute, so a visible row does not redraw every second', () => {
    expect([0, 999, 4000, 9999, 10_000, 59_999, 125_000].map(coarseAge)).toEqual(['<10 s', '<10 s', '<10 s', '<10 s', '10 s', '50 s', '2 min']);
  });

  it('flags stale, dead-holder, corrupt and orphaned companions; not a live holder', () => {
    expect(lockProblems(snap())).toEqual([]);
    expect(lockProblems(snap({ state: 'free', holder: null }))).toEqual([]);
    expect(lockProblems(snap({ state: 'stale' }))).toEqual(['stale']);
    expect(lockProblems(snap({ state: 'dead-holder' }))).toEqual(['dead holder']);
    const orphan = { path: '/ws/fleet/restart.lock.mutex', ageMs: 9000, stale: true, holderPid: 7, holderRunning: false };
    const s = snap({ state: 'free', holder: null, mutex: orphan, reclaim: { ...orphan, path: '/ws/fleet/restart.lock.mutex.reclaim' } });
    expect(lockProblems(s)).toEqual(['orphaned .mutex', 'orphaned .reclaim']);
    expect(lockDescription(s, NOW)).toBe('free · orphaned .mutex · orphaned .reclaim');
    expect(isBreakable(s)).toBe(true);
    expect(isBreakable(snap({ state: 'free', holder: null }))).toBe(false);
  });

  it('the tooltip has every fact', () => {
    const md = lockTooltipMarkdown('fleet/restart.lock', snap({ state: 'dead-holder', holder: holder({ liveness: 'pid-reused' }) }), NOW);
    for (const fact of [
      '**fleet/restart.lock** — dead holder',
      '| holder pid | 4242 |',
      'the pid now belongs to another process',
      '`node restart.js --fleet`',
      '`tok-1`',
      '12 s ago',
      '`box`',
      '`/ws/fleet/restart.lock`',
    ]) {
      expect(md).toContain(fact);
    }
  });

  it('the tooltip says when an origin-format holder was taken to be local, and why', () => {
    const origin = holder({ host: null, startTime: null, bootId: null, liveness: 'dead', assumedLocal: true, alive: false });
    const md = lockTooltipMarkdown('fleet/restart.lock', snap({ state: 'dead-holder', holder: origin }), NOW);
    expect(md).toContain('gone: no process has this pid (origin-format lock: no host recorded, taken to be this machine');
    expect(md).toContain('| host | not recorded (origin format); this machine, since the lock is on a local file system |');
  });

  it('probe report: the state and pid first (the toast), every fact in the details', () => {
    const s = snap({ summary: 'dead holder: pid 4242 is gone', state: 'dead-holder', holder: holder({ liveness: 'dead' }) });
    expect(probeReport('fleet/restart.lock', s)).toBe('Probe fleet/restart.lock: dead holder, pid 4242');
    expect(probeReportParts('fleet/restart.lock', s).details).toContain('holder gone: no process has this pid\ntoken tok-1');
  });

  it('labels are relative to the workspace folder, prefixed when there are several', () => {
    expect(lockLabel('/ws/fleet/restart.lock', [{ name: 'ws', path: '/ws' }])).toBe('fleet/restart.lock');
    expect(
      lockLabel('/b/x.restart.lock', [
        { name: 'a', path: '/a' },
        { name: 'b', path: '/b' },
      ]),
    ).toBe('b/x.restart.lock');
    expect(lockLabel(join(homedir(), 'fleet/restart.lock'), [{ name: 'ws', path: '/ws' }])).toBe('~/fleet/restart.lock');
    expect(lockLabel('/wsx/r.lock', [{ name: 'ws', path: '/ws' }])).toBe('/wsx/r.lock');
  });

  it('a break goes ahead only on the lock the user saw', () => {
    expect(sameLock(snap(), snap({ state: 'stale' }))).toBe(true);
    expect(sameLock(snap(), snap({ holder: holder({ token: 'tok-2' }) }))).toBe(false);
    expect(sameLock(snap(), snap({ state: 'free', holder: null }))).toBe(false);
    const corrupt = snap({ state: 'corrupt', holder: null, rawContent: 'garbage' });
    expect(sameLock(corrupt, { ...corrupt })).toBe(true);
    expect(sameLock(corrupt, { ...corrupt, rawContent: 'other' })).toBe(false);
    expect(sameLock(corrupt, snap())).toBe(false);
  });
});

describe('watch plan', () => {
  it('maps companion files to their lock', () => {
    expect(lockPathOf('/a/restart.lock.mutex.reclaim')).toBe('/a/restart.lock');
    expect(lockPathOf('/a/restart.lock.mutex')).toBe('/a/restart.lock');
    expect(lockPathOf('/a/restart.lock')).toBe('/a/restart.lock');
  });

  it('watches each lock directory, or its nearest existing ancestor, and only the named files', () => {
    const existing = new Set(['/', '/a', '/a/fleet', '/b']);
    const plan = planWatch(['/a/fleet/restart.lock', '/a/fleet/x.restart.lock', '/b/c/d/r.lock'], (p) => existing.has(p));
    expect(plan.roots).toEqual(['/a/fleet', '/b']);
    for (const p of [
      '/a/fleet',
      '/a/fleet/restart.lock',
      '/a/fleet/restart.lock.mutex',
      '/a/fleet/restart.lock.mutex.reclaim',
      '/b',
      '/b/c',
      '/b/c/d',
      '/b/c/d/r.lock',
    ]) {
      expect(plan.allowed.has(p), p).toBe(true);
    }
    expect(plan.allowed.has('/a/fleet/other.txt')).toBe(false);
  });
});
