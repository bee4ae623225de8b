import { EventEmitter } from 'node:events';
import { dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { inspectLoopback, scanLoopbackListeners, type LoopbackListener, type LoopbackSnapshot } from '../../core/allocator';
import { findOrphanedServers, type OrphanedServer } from '../../core/observe/orphans';
import { AdaptivePoller } from '../common/adaptivePoller';
import { Coalescer } from '../common/coalescer';
import type { LoopbackSettings } from './loopbackSettings';

/**
 * Holds the latest Loopback snapshot and decides when to take a new one:
 *  - when a pool file changes (chokidar), coalesced;
 *  - periodically, but only while the view is visible, at a period adapted to scan cost;
 *  - on demand (Refresh, after an action).
 * Emits `change` only when the snapshot differs from the previous one (ignoring its time).
 * No `vscode` import, so it is tested with real files and sockets.
 */
/** How soon a conflict should show in the visible view: scan wait plus the scan itself. */
const LOOPBACK_LATENCY_GOAL_MS = 2000;

export class LoopbackModel extends EventEmitter<{ change: [LoopbackSnapshot]; error: [Error] }> {
  private current: LoopbackSnapshot | null = null;
  private currentKey = '';
  private watcher: FSWatcher | null = null;
  private readonly poller: AdaptivePoller;
  private readonly coalescer: Coalescer;
  private refreshing: Promise<LoopbackSnapshot> | null = null;
  private orphanList: OrphanedServer[] = [];

  constructor(
    private settings: LoopbackSettings,
    private readonly scan?: () => Promise<LoopbackListener[]>,
    /** The bridge directory attached processes record their children in; unset: orphaned servers are not looked for. */
    private readonly bridgeDir?: () => string,
  ) {
    super();
    this.poller = new AdaptivePoller(() => this.refresh().then(() => undefined), {
      minIntervalMs: settings.minScanIntervalMs,
      maxIntervalMs: Math.max(settings.minScanIntervalMs, 30_000),
      // A fault on an address shows within 2 s while the view is visible (issue: time from fault to warning).
      latencyGoalMs: Math.max(settings.minScanIntervalMs, LOOPBACK_LATENCY_GOAL_MS),
      onError: (err) => this.emit('error', err as Error),
    });
    this.coalescer = new Coalescer(() => this.refresh().then(() => undefined), 150);
    this.watchPoolFiles();
  }

  get snapshot(): LoopbackSnapshot | null {
    return this.current;
  }

  /** Listeners whose test process has exited (from the same scan as the snapshot). */
  get orphans(): readonly OrphanedServer[] {
    return this.orphanList;
  }

  get scanIntervalMs(): number {
    return this.poller.currentIntervalMs;
  }

  get poolFiles(): readonly string[] {
    return this.settings.poolFiles;
  }

  get currentSettings(): LoopbackSettings {
    return this.settings;
  }

  /** Concurrent callers share one scan. */
  refresh(): Promise<LoopbackSnapshot> {
    this.refreshing ??= this.takeSnapshot().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async takeSnapshot(): Promise<LoopbackSnapshot> {
    const { config, poolFiles, foreignPoolFiles, originStart } = this.settings;
    // One scan serves the addresses and the orphan detector.
    const seen: { listeners: LoopbackListener[] | null } = { listeners: null };
    const scan = async (): Promise<LoopbackListener[]> => (seen.listeners = await (this.scan ?? scanLoopbackListeners)());
    const snapshot = await inspectLoopback({ config, poolFiles, foreignPoolFiles, originStart, scan });
    const dir = this.bridgeDir?.();
    this.orphanList = seen.listeners && dir ? await findOrphanedServers(seen.listeners, { dir }) : [];
    const key = JSON.stringify({ ...snapshot, takenAt: 0, orphans: this.orphanList });
    this.current = snapshot;
    if (key !== this.currentKey) {
      this.currentKey = key;
      this.emit('change', snapshot);
    }
    return snapshot;
  }

  setVisible(visible: boolean): void {
    this.poller.setActive(visible);
  }

  updateSettings(settings: LoopbackSettings): void {
    this.settings = settings;
    this.watchPoolFiles();
    void this.refresh().catch((err: Error) => this.emit('error', err));
  }

  private watchPoolFiles(): void {
    void this.watcher?.close();
    const files = new Set([...this.settings.poolFiles, ...this.settings.foreignPoolFiles].map((f) => resolve(f)));
    const dirs = [...new Set([...files].map((f) => dirname(f)))];
    // Watch the directories (a pool file may not exist yet, and is replaced by rename),
    // ignoring everything in them but the pool files themselves.
    this.watcher = watch(dirs, {
      depth: 0,
      ignoreInitial: true,
      ignored: (path: string) => !files.has(resolve(path)) && !dirs.includes(resolve(path)),
    });
    this.watcher.on('all', () => this.coalescer.trigger());
    this.watcher.on('error', (err) => this.emit('error', err as Error));
  }

  dispose(): void {
    this.poller.dispose();
    this.coalescer.dispose();
    void this.watcher?.close();
    this.watcher = null;
    this.removeAllListeners();
  }
}
