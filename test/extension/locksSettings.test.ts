import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESTART_LOCK_MUTEX_STALE_MS, RESTART_LOCK_STALE_MS } from '../../src/core/lock';
import { DEFAULT_LOCK_PATTERNS, readLocksSettings } from '../../src/extension/locks/locksSettings';

const read = (values: Record<string, unknown>) => readLocksSettings((k) => values[k], ['/ws']);

describe('flakeDoctor.locks settings', () => {
  it('defaults: the two patterns, no paths, the library thresholds', () => {
    const { settings, errors } = read({});
    expect(errors).toEqual([]);
    expect(settings).toEqual({ patterns: [...DEFAULT_LOCK_PATTERNS], paths: [], staleMs: RESTART_LOCK_STALE_MS, mutexStaleMs: RESTART_LOCK_MUTEX_STALE_MS });
  });

  it('reports invalid values and never uses them', () => {
    const { settings, errors } = read({ patterns: '**/*.lock', paths: [42], staleMs: 10, mutexStaleMs: 1.5 });
    expect(settings).toEqual({ patterns: [...DEFAULT_LOCK_PATTERNS], paths: [], staleMs: RESTART_LOCK_STALE_MS, mutexStaleMs: RESTART_LOCK_MUTEX_STALE_MS });
    expect(errors).toHaveLength(4);
    expect(errors.join('\n')).toMatch(/flakeDoctor\.locks\.patterns must be a list of glob patterns/);
    expect(errors.join('\n')).toMatch(/flakeDoctor\.locks\.paths must be a list of lock file paths/);
    expect(errors.join('\n')).toMatch(/flakeDoctor\.locks\.staleMs must be an integer from 100 to \d+ ms \(got 10\); using 30000/);
    expect(errors.join('\n')).toMatch(/mutexStaleMs .* \(got 1\.5\)/);
  });

  it('drops absolute patterns with a pointer to the paths setting, keeps the rest, de-duplicated', () => {
    const { settings, errors } = read({ patterns: ['/var/run/x.lock', 'a/*.lock', ' a/*.lock ', '~/y.lock'] });
    expect(settings.patterns).toEqual(['a/*.lock']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /"\/var\/run\/x\.lock", "~\/y\.lock" is not relative to a workspace folder; put absolute lock files in flakeDoctor\.locks\.paths/,
    );
  });

  it('an empty pattern list turns the workspace search off', () => {
    expect(read({ patterns: [] }).settings.patterns).toEqual([]);
  });

  it('expands ~, ${userHome}, ${workspaceFolder} and resolves relative paths against the first folder', () => {
    const { settings, errors } = read({
      paths: ['~/fleet/restart.lock', '${userHome}/a.lock', '${workspaceFolder}/run/r.lock', 'rel/r.lock', '/abs/r.lock', '/abs/r.lock'],
    });
    expect(errors).toEqual([]);
    expect(settings.paths).toEqual([join(homedir(), 'fleet/restart.lock'), join(homedir(), 'a.lock'), '/ws/run/r.lock', '/ws/rel/r.lock', '/abs/r.lock']);
  });
});
