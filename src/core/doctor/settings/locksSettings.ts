import { isAbsolute } from 'node:path';
import { RESTART_LOCK_MUTEX_STALE_MS, RESTART_LOCK_STALE_MS } from '../../lock/options';
import { expandPath } from './expandPath';

/**
 * `flakeDoctor.locks.*` settings, validated. No `vscode` import: the caller passes a getter,
 * so validation is unit-tested. An invalid value is reported and replaced by the default; it
 * is never used.
 */
export interface LocksSettings {
  /** Glob patterns searched in every workspace folder (relative, VS Code glob syntax). */
  patterns: string[];
  /** Absolute lock file paths, variables expanded; listed even while the lock is free. */
  paths: string[];
  /** Thresholds the view judges with; they should match the fleet's own. */
  staleMs: number;
  mutexStaleMs: number;
}

import { SettingsReader, type SettingGetter } from './settingsReader';

export type { SettingGetter };

export const DEFAULT_LOCK_PATTERNS: readonly string[] = ['**/fleet/restart.lock', '**/*.restart.lock'];

export const LOCKS_DEFAULTS = {
  staleMs: RESTART_LOCK_STALE_MS,
  mutexStaleMs: RESTART_LOCK_MUTEX_STALE_MS,
} as const;

// The view judges with these thresholds, so they must be sensible for a display: below 100 ms
// every lock would flicker into "stale" between two redraws.
const MIN_THRESHOLD_MS = 100;
const MAX_THRESHOLD_MS = 7 * 24 * 3_600_000;

const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** `get(key)` returns only what the user set (undefined otherwise); `folders` expand `${workspaceFolder}`. */
export function readLocksSettings(get: SettingGetter, folders: readonly string[]): { settings: LocksSettings; errors: string[] } {
  const reader = new SettingsReader('flakeDoctor.locks', get);
  const { errors } = reader;
  const key = (k: string) => reader.key(k);

  let patterns = [...DEFAULT_LOCK_PATTERNS];
  const rawPatterns = get('patterns');
  if (rawPatterns !== undefined && rawPatterns !== null) {
    if (!Array.isArray(rawPatterns) || !rawPatterns.every(isNonEmptyString)) {
      errors.push(`${key('patterns')} must be a list of glob patterns (got ${JSON.stringify(rawPatterns)}); using ${DEFAULT_LOCK_PATTERNS.join(', ')}`);
    } else {
      const trimmed = rawPatterns.map((p) => p.trim());
      // Patterns are searched inside the workspace folders; an absolute one would silently
      // find nothing, so point the user to the setting that takes absolute paths.
      const outside = trimmed.filter((p) => isAbsolute(p) || p.startsWith('~') || p.startsWith('${'));
      if (outside.length)
        errors.push(
          `${key('patterns')}: ${outside.map((p) => JSON.stringify(p)).join(', ')} is not relative to a workspace folder; put absolute lock files in ${key('paths')}. Ignored`,
        );
      patterns = [...new Set(trimmed.filter((p) => !outside.includes(p)))];
    }
  }

  let paths: string[] = [];
  const rawPaths = get('paths');
  if (rawPaths !== undefined && rawPaths !== null) {
    if (Array.isArray(rawPaths) && rawPaths.every(isNonEmptyString)) paths = [...new Set(rawPaths.map((p) => expandPath(p.trim(), folders)))];
    else errors.push(`${key('paths')} must be a list of lock file paths (got ${JSON.stringify(rawPaths)}); using none`);
  }

  const threshold = (k: 'staleMs' | 'mutexStaleMs') => reader.int(k, LOCKS_DEFAULTS[k], MIN_THRESHOLD_MS, MAX_THRESHOLD_MS, { unit: 'ms' });

  return { settings: { patterns, paths, staleMs: threshold('staleMs'), mutexStaleMs: threshold('mutexStaleMs') }, errors };
}

export function sameLocksSettings(a: LocksSettings, b: LocksSettings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
