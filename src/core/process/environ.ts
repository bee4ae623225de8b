// A process's environment as it was when it started (/proc/<pid>/environ, readable for the
// same user's processes only). Later setenv() calls do not show there, which is what makes it
// useful: it says what the process inherited from its parent.

import { readFileSync } from 'node:fs';
import { isValidPid } from './processFacts';

/** The value of `name` in a NUL-separated environ block, or null. */
export function environValue(raw: string, name: string): string | null {
  const prefix = `${name}=`;
  for (const entry of raw.split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return null;
}

/** Reads `/proc/<pid>/environ`; null where it cannot be read (another user, gone, no /proc). */
export function readEnviron(pid: number, procRoot = '/proc'): string | null {
  if (!isValidPid(pid)) return null;
  try {
    return readFileSync(`${procRoot}/${pid}/environ`, 'latin1');
  } catch {
    return null;
  }
}
