import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { inspectRestartLock, type RestartLockSnapshot } from '../../core/lock';
import { Coalescer } from '../common/coalescer';
import { LockFileWatcher, lockPathOf } from './lockFileWatcher';
import type { LocksSettings } from './locksSettings';

export interface UnreadableLock {
  lockPath: string;
  message: string;
}

export interface LocksState {
  /** One snapshot per lock, sorted by path. */
  locks: RestartLockSnapshot[];
  /** Lock paths that could not be inspected (e.g. a directory in the way), with why. */
  unreadable: UnreadableLock[];
  /** Why searching the workspace for lock files failed; configured paths are still shown. */
  discoveryError: string | null;
}

/** Finds files matching the glob patterns in the workspace: lock files and their companions. */
export type LockDiscoverer = (patterns: readonly string[]) => Promise<string[]>;

export interface LocksModelOptions {
  /** Quiet time after a file event before re-inspecting: bursts of events become one. */
  coalesceMs?: number;
}

/** What must differ for the view to redraw: everything but the clock-driven fields. */
function changeKey(state: LocksState): string {
  return JSON.stringify({
    ...state,
    locks: state.locks.map((s) => ({
      ...s,
      inspectedAt: 0,
      summary: '',
      holder: s.holder && { ...s.holder, ageMs: null },
      mutex: s.mutex && { ...s.mutex, ageMs: 0 },
      reclaim: s.reclaim && { ...s.reclaim, ageMs: 0 },
    })),
  });
}

/**
 * The Restart Locks view's state: every lock found by the patterns (kept, as free, after it
 * disappears, until the next explicit rediscovery) plus the configured paths, each inspected
 * with the core's `inspectRestartLock`. New snapshots are taken:
 *  - when a lock, `.mutex` or `.reclaim` file changes (chokidar on the locks' directories), coalesced;
 *  - when a lock's age or a mutex's mtime crosses its threshold (one timer for the next such
 *    moment, so a lock turning stale reaches the status bar without any polling);
 *  - on demand: Refresh, actions, and the view's tick while it is visible (holder liveness
 *    has no file event).
 * Emits `change` only when something other than elapsed time differs. No `vscode` import:
 * tested with real files and chokidar.
 */
export class LocksModel extends EventEmitter<{ change: [LocksState]; error: [Error] }> {
  private current: LocksState = { locks: [], unreadable: [], discoveryError: null };
  private currentKey = changeKey(this.current);
  /** Lock paths found by the patterns since the last rediscovery that forgets. */
  private readonly discovered = new Set<string>();
  private discoveryError: string | null = null;
  private readonly watcher: LockFileWatcher;
  private readonly coalescer: Coalescer;
  private deadline: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(
    private settings: LocksSettings,
    private readonly discover: LockDiscoverer,
    options: LocksModelOptions = {},
  ) {
    super();
    const onError = (err: unknown) => this.emitError(err);
    this.coalescer = new Coalescer(() => this.refresh().then(() => undefined), options.coalesceMs ?? 100);
    this.watcher = new LockFileWatcher(() => this.coalescer.trigger(), onError);
    this.watcher.setLockPaths(this.lockPaths());
  }

  get state(): LocksState {
    return this.current;
  }

  get currentSettings(): LocksSettings {
    return this.settings;
  }

  snapshot(lockPath: string): RestartLockSnapshot | undefined {
    return this.current.locks.find((s) => s.lockPath === lockPath);
  }

  /** Configured paths first-class, then what the patterns found; sorted, no duplicates. */
  lockPaths(): string[] {
    return [...new Set([...this.settings.paths, ...this.discovered].map((p) => resolve(p)))].sort();
  }

  /** Resolves once the file watcher is in place (tests wait for it before writing files). */
  watching(): Promise<void> {
    return this.watcher.ready();
  }

  /** Inspects one lock now with the view's thresholds; for actions that must not act on stale facts. */
  inspect(lockPath: string): Promise<RestartLockSnapshot> {
    return inspectRestartLock(lockPath, { staleMs: this.settings.staleMs, mutexStaleMs: this.settings.mutexStaleMs });
  }

  /** Re-inspects every known lock. Cheap: a few small synchronous reads per lock. */
  async refresh(): Promise<LocksState> {
    const locks: RestartLockSnapshot[] = [];
    const unreadable: UnreadableLock[] = [];
    for (const lockPath of this.lockPaths()) {
      try {
        locks.push(await this.inspect(lockPath));
      } catch (err) {
        unreadable.push({ lockPath, message: (err as Error).message });
      }
    }
    return this.publish({ locks, unreadable, discoveryError: this.discoveryError });
  }

  /**
   * Searches the patterns again and re-inspects. `forget` drops locks found earlier that are
   * no longer there (Refresh, settings change); otherwise they stay listed as free, so that a
   * break or release is seen to have happened rather than the row vanishing.
   */
  async rediscover(forget = false): Promise<LocksState> {
    let found: string[] = [];
    try {
      found = this.settings.patterns.length ? await this.discover(this.settings.patterns) : [];
      this.discoveryError = null;
    } catch (err) {
      this.discoveryError = (err as Error).message;
    }
    if (this.disposed) return this.current;
    if (forget) this.discovered.clear();
    for (const file of found) this.discovered.add(resolve(lockPathOf(file)));
    this.watcher.setLockPaths(this.lockPaths());
    return this.refresh();
  }

  /** Files matching the patterns that appeared (from a workspace watcher): listed at once,
   * without searching the workspace again. */
  found(files: readonly string[]): void {
    const before = this.discovered.size;
    for (const file of files) this.discovered.add(resolve(lockPathOf(file)));
    if (this.discovered.size !== before) this.watcher.setLockPaths(this.lockPaths());
    this.coalescer.trigger();
  }

  updateSettings(settings: LocksSettings): Promise<LocksState> {
    this.settings = settings;
    return this.rediscover(true);
  }

  private publish(next: LocksState): LocksState {
    if (this.disposed) return next;
    this.current = next;
    this.scheduleDeadline(next.locks);
    const key = changeKey(next);
    if (key !== this.currentKey) {
      this.currentKey = key;
      this.emit('change', next);
    }
    return next;
  }

  /**
   * A held lock turns stale, and a mutex or reclaim file turns orphaned, by age alone, with
   * no file event. One timer for the earliest such moment keeps the state (and the status
   * bar) right while the view is hidden, without polling.
   */
  private scheduleDeadline(locks: readonly RestartLockSnapshot[]): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    let next = Infinity;
    for (const s of locks) {
      if (s.state === 'held' && s.holder) next = Math.min(next, s.holder.timestamp + s.thresholds.staleMs);
      for (const aux of [s.mutex, s.reclaim]) {
        if (aux && !aux.stale) next = Math.min(next, s.inspectedAt - aux.ageMs + s.thresholds.mutexStaleMs);
      }
    }
    if (!Number.isFinite(next)) return;
    // Judged with "older than", so wait a little past the moment itself.
    const delay = Math.min(2 ** 31 - 1, Math.max(0, next - Date.now()) + 50);
    this.deadline = setTimeout(() => {
      this.deadline = null;
      this.refresh().catch((err: unknown) => this.emitError(err));
    }, delay);
  }

  private emitError(err: unknown): void {
    if (!this.disposed) this.emit('error', err instanceof Error ? err : new Error(String(err)));
  }

  dispose(): void {
    this.disposed = true;
    this.coalescer.dispose();
    this.watcher.dispose();
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    this.removeAllListeners();
  }
}
