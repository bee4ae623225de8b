// Judging a lock with injected process facts: staleness, corrupt content, and the holder's
// liveness (dead pid, reused pid, reboot, other host, origin format).
import { describe, expect, it } from 'vitest';
import { formatLockContent, judgeLock, type LockRecord, type LockHolderFacts } from '../../src/core/lock/index';

const NOW = 1_800_000_000_000;
const STALE = 30_000;

function facts(overrides: Partial<LockHolderFacts> & { running?: number[]; starts?: Record<number, string> } = {}): LockHolderFacts {
  const running = new Set(overrides.running ?? [100]);
  const starts = overrides.starts ?? { 100: '5000' };
  return {
    probePid: (pid) => (running.has(pid) ? 'running' : 'not-running'),
    startTime: (pid) => starts[pid] ?? null,
    bootId: () => 'boot-a',
    hostname: () => 'here',
    commandLine: () => null,
    ...overrides,
  };
}

function lock(fields: Partial<LockRecord> = {}): string {
  return formatLockContent({
    pid: 100,
    timestamp: NOW - 1_000,
    token: 't',
    host: 'here',
    startTime: '5000',
    bootId: 'boot-a',
    command: null,
    ...fields,
  });
}

describe('judgeLock', () => {
  it('no file is free', () => {
    expect(judgeLock(null, NOW, STALE, facts()).state).toBe('free');
  });

  it('a fresh lock of the recorded, running process is held', () => {
    const j = judgeLock(lock(), NOW, STALE, facts());
    expect(j).toMatchObject({ state: 'held', ageMs: 1_000, holder: { liveness: 'alive', pidRunning: true } });
  });

  it('a lock older than the threshold is stale even if its holder runs', () => {
    expect(judgeLock(lock({ timestamp: NOW - STALE - 1 }), NOW, STALE, facts()).state).toBe('stale');
    expect(judgeLock(lock({ timestamp: NOW - STALE }), NOW, STALE, facts()).state).toBe('held');
  });

  it('a fresh lock whose pid no longer exists has a dead holder', () => {
    const j = judgeLock(lock(), NOW, STALE, facts({ running: [] }));
    expect(j).toMatchObject({ state: 'dead-holder', holder: { liveness: 'dead', pidRunning: false } });
  });

  it('PID reuse: the pid runs with another start time, so the holder is dead', () => {
    const j = judgeLock(lock(), NOW, STALE, facts({ starts: { 100: '7777' } }));
    expect(j).toMatchObject({ state: 'dead-holder', holder: { liveness: 'pid-reused', pidRunning: true } });
  });

  it('an unreadable start time of a running pid proves nothing: held', () => {
    expect(judgeLock(lock(), NOW, STALE, facts({ starts: {} })).state).toBe('held');
  });

  it('a lock from an earlier boot has a dead holder, whatever runs under that pid now', () => {
    expect(judgeLock(lock({ bootId: 'boot-old' }), NOW, STALE, facts()).holder?.liveness).toBe('rebooted');
    expect(judgeLock(lock({ bootId: 'boot-old' }), NOW, STALE, facts()).state).toBe('dead-holder');
  });

  it('a lock from another host is never judged dead by a local pid check', () => {
    const j = judgeLock(lock({ host: 'elsewhere' }), NOW, STALE, facts({ running: [] }));
    expect(j).toMatchObject({ state: 'held', holder: { liveness: 'other-host', pidRunning: null } });
  });

  it('origin-format content (no host) is unverifiable: only age applies', () => {
    const origin = `100\n${NOW - 1_000}\nt\n`;
    const j = judgeLock(origin, NOW, STALE, facts({ running: [] }));
    expect(j).toMatchObject({ state: 'held', holder: { liveness: 'unverifiable', pidRunning: false } });
    expect(judgeLock(`100\n${NOW - STALE - 1}\nt\n`, NOW, STALE, facts()).state).toBe('stale');
  });

  it('origin-format content on a local file system is judged as a local holder', () => {
    const origin = `100\n${NOW - 1_000}\nt\n`;
    const local = () => true;
    expect(judgeLock(origin, NOW, STALE, facts({ running: [] }), local)).toMatchObject({
      state: 'dead-holder',
      holder: { liveness: 'dead', assumedLocal: true },
    });
    expect(judgeLock(origin, NOW, STALE, facts(), local)).toMatchObject({ state: 'held', holder: { liveness: 'alive', assumedLocal: true } });
    // Not known to be local: unverifiable, as before.
    expect(judgeLock(origin, NOW, STALE, facts({ running: [] }), () => false).holder).toMatchObject({ liveness: 'unverifiable', assumedLocal: false });
  });

  it('a timestamp further in the future than the threshold is corrupt; a small lead is age 0', () => {
    const far = judgeLock(lock({ timestamp: NOW + STALE + 1 }), NOW, STALE, facts());
    expect(far.state).toBe('corrupt');
    expect(far.corruptReason).toContain('in the future');
    expect(judgeLock(lock({ timestamp: NOW + 50 }), NOW, STALE, facts())).toMatchObject({ state: 'held', ageMs: 0 });
  });

  it('unparseable content is corrupt with the reason', () => {
    expect(judgeLock('', NOW, STALE, facts())).toMatchObject({ state: 'corrupt', corruptReason: 'empty file' });
  });
});
