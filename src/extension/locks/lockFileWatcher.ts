import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { mutexPath, reclaimPath } from '../../core/lock';

/** The lock file and the two files its transitions create next to it. */
export function companionPaths(lockPath: string): string[] {
  return [lockPath, mutexPath(lockPath), reclaimPath(lockPath)];
}

/** The lock a `.mutex` or `.mutex.reclaim` file belongs to (the path itself for a lock file). */
export function lockPathOf(file: string): string {
  const reclaimSuffix = reclaimPath(''); // '.mutex.reclaim'
  const mutexSuffix = mutexPath(''); // '.mutex'
  if (file.endsWith(reclaimSuffix)) return file.slice(0, -reclaimSuffix.length);
  if (file.endsWith(mutexSuffix)) return file.slice(0, -mutexSuffix.length);
  return file;
}

export interface WatchPlan {
  /** Directories to watch (depth 0): each lock's directory, or its nearest existing ancestor. */
  roots: string[];
  /** Everything not in here is ignored: the roots, the missing directories on the way down
   * to each lock, and each lock's companion files. */
  allowed: Set<string>;
}

/**
 * chokidar 4 has no globs and does not watch paths that do not exist yet, so a lock whose
 * directory is missing is watched from its nearest existing ancestor; when a directory on
 * the way appears, the watcher is planned again (see `LockFileWatcher`).
 */
export function planWatch(lockPaths: readonly string[], exists: (path: string) => boolean = existsSync): WatchPlan {
  const roots = new Set<string>();
  const allowed = new Set<string>();
  for (const raw of lockPaths) {
    const lock = resolve(raw);
    for (const file of companionPaths(lock)) allowed.add(file);
    let dir = dirname(lock);
    allowed.add(dir);
    while (!exists(dir) && dirname(dir) !== dir) {
      dir = dirname(dir);
      allowed.add(dir);
    }
    roots.add(dir);
  }
  return { roots: [...roots].sort(), allowed };
}

/**
 * Watches lock files and their `.mutex`/`.reclaim` companions with chokidar and calls
 * `onChange` on any event (the caller coalesces). Only the named files are looked at, never
 * the rest of their directories.
 */
export class LockFileWatcher {
  private watcher: FSWatcher | null = null;
  private planKey = '';
  private lockPaths: readonly string[] = [];
  private readyPromise: Promise<void> = Promise.resolve();

  constructor(
    private readonly onChange: () => void,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Re-plans the watch; a no-op when the plan is unchanged. */
  setLockPaths(lockPaths: readonly string[]): void {
    this.lockPaths = lockPaths;
    this.replan();
  }

  /** Resolves once chokidar has finished its initial scan (tests wait for it). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  private replan(): void {
    const plan = planWatch(this.lockPaths);
    const key = JSON.stringify([plan.roots, [...plan.allowed].sort()]);
    if (key === this.planKey) return;
    this.planKey = key;
    void this.watcher?.close();
    this.watcher = null;
    if (plan.roots.length === 0) {
      this.readyPromise = Promise.resolve();
      return;
    }
    const watcher = watch(plan.roots, { depth: 0, ignoreInitial: true, ignored: (path: string) => !plan.allowed.has(resolve(path)) });
    this.watcher = watcher;
    this.readyPromise = new Promise((r) => watcher.once('ready', () => r()));
    watcher.on('all', (event) => {
      // A directory on the way to a lock appeared or went: the roots change.
      if (event === 'addDir' || event === 'unlinkDir') this.replan();
      this.onChange();
    });
    watcher.on('error', (err) => this.onError(err instanceof Error ? err : new Error(String(err))));
  }

  dispose(): void {
    void this.watcher?.close();
    this.watcher = null;
    this.planKey = '';
  }
}
