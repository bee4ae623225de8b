// The attached processes, for every view: watches the bridge directory (the only thing that
// runs while the views are hidden), keeps one subscribed connection per publishing process,
// and holds each one's latest snapshot. A process appears when its socket (and sidecar)
// appear, and disappears the moment its connection closes — also when it was killed, since
// the kernel closes the connection for it. No `vscode` import: tested against real processes.

import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'chokidar';
import { AdaptivePoller } from '../common/adaptivePoller';
import {
  connectBridge,
  ensureBridgeDirectory,
  listBridgeProcesses,
  type BridgeActRequest,
  type BridgeActResult,
  type BridgeClient,
  type BridgeProcessEntry,
  type BridgeSnapshot,
} from '../../core/bridge';

export interface AttachedProcess {
  /** `<pid>` for a main thread, `<pid>-t<threadId>` for a worker thread: stable while it runs. */
  key: string;
  entry: BridgeProcessEntry;
  /** Null until the first snapshot arrives. */
  snapshot: BridgeSnapshot | null;
}

export interface BridgeModelEvents {
  change: [];
  attached: [AttachedProcess];
  detached: [AttachedProcess, string];
  /** Something a person may want in the log (a directory refused, a process that failed to answer). */
  problem: [string];
}

export interface BridgeModelOptions {
  dir: string;
  /** Never attach to this pid (the extension host itself). */
  ownPid?: number;
  /** Coalesce directory events (many processes starting at once) into one scan. */
  rescanDelayMs?: number;
  /** Wait before the first retry of a failed attach; each further retry waits twice as long. */
  attachRetryMs?: number;
  /** While sweeping (a view is visible), discovery also runs this often, at the least (default 2000). */
  sweepIntervalMs?: number;
}

/** Sweeps slow down to this multiple of their interval when a pass is costly (many processes). */
const SWEEP_BACKOFF = 5;

/**
 * A failed attach is retried by another discovery pass this many times. A socket is listed from
 * the moment it is bound, but its process listens on it a moment later, and a connection in
 * between is refused — with no directory event left to bring the process back. A socket that
 * keeps failing is given up after the retries (the log says why).
 */
const ATTACH_RETRIES = 3;

export function processKey(entry: Pick<BridgeProcessEntry, 'pid' | 'threadId'>): string {
  return entry.threadId ? `${entry.pid}-t${entry.threadId}` : String(entry.pid);
}

interface Connection {
  process: AttachedProcess;
  client: BridgeClient | null;
  closed: boolean;
}

export class BridgeModel extends EventEmitter<BridgeModelEvents> {
  private readonly connections = new Map<string, Connection>();
  private watcher: FSWatcher | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private rescanAgain = false;
  private disposed = false;
  private lastProblem = '';
  /** Failed attaches so far, by socket path (forgotten once attached or no longer listed). */
  private readonly attachFailures = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /**
   * Discovery on a cadence, on top of the directory events, while someone looks (see
   * setSweeping): an event can be lost — inotify drops them when its queue overflows, which
   * many test workers starting at once can cause, and Node's fs.watch does not say so — and a
   * process whose events were lost would stay unseen for as long as it runs.
   */
  private readonly sweeper: AdaptivePoller;

  constructor(private readonly options: BridgeModelOptions) {
    super();
    const every = options.sweepIntervalMs ?? 2000;
    this.sweeper = new AdaptivePoller(() => this.rescan(), {
      minIntervalMs: every,
      maxIntervalMs: every * SWEEP_BACKOFF,
      onError: (err) => this.report(`discovery failed: ${(err as Error).message}`),
    });
  }

  /** Sweep the directory on a cadence (while a view showing attached processes is visible), or stop. */
  setSweeping(active: boolean): void {
    this.sweeper.setActive(active && !this.disposed);
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Creates the directory if needed (0700), starts watching it and scans once. */
  async start(): Promise<void> {
    try {
      ensureBridgeDirectory(this.options.dir);
    } catch (err) {
      this.report((err as Error).message);
      return;
    }
    this.watcher = watch(this.options.dir, { depth: 0, ignoreInitial: true, persistent: true });
    this.watcher.on('all', () => this.scheduleRescan());
    this.watcher.on('error', (err) => this.report(`watching ${this.options.dir}: ${(err as Error).message}`));
    await this.rescan();
  }

  processes(): AttachedProcess[] {
    return [...this.connections.values()].filter((c) => !c.closed).map((c) => c.process);
  }

  process(key: string): AttachedProcess | undefined {
    const c = this.connections.get(key);
    return c && !c.closed ? c.process : undefined;
  }

  /** Sends an action to the process that owns `target`. */
  async act(key: string, request: BridgeActRequest): Promise<BridgeActResult> {
    const c = this.connections.get(key);
    if (!c || c.closed || !c.client) throw new Error(`process ${key} is no longer attached (it exited)`);
    return c.client.act(request);
  }

  scheduleRescan(): void {
    if (this.disposed || this.rescanTimer) return;
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = null;
      void this.rescan();
    }, this.options.rescanDelayMs ?? 30);
  }

  /** One discovery pass; overlapping requests fold into one more pass after the current one. */
  rescan(): Promise<void> {
    if (this.scanning) {
      this.rescanAgain = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.rescanAgain = false;
        await this.scanOnce();
      } while (this.rescanAgain && !this.disposed);
    })().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    let entries: BridgeProcessEntry[];
    try {
      entries = await listBridgeProcesses({ dir: this.options.dir });
    } catch (err) {
      this.report((err as Error).message);
      return;
    }
    const seen = new Set<string>();
    const listed = new Set(entries.map((e) => e.socketPath));
    for (const path of [...this.attachFailures.keys()]) if (!listed.has(path)) this.attachFailures.delete(path);
    for (const entry of entries) {
      if (entry.pid === this.options.ownPid) continue;
      const key = processKey(entry);
      seen.add(key);
      const existing = this.connections.get(key);
      // A new socket for a known key is a new incarnation (the old one is gone).
      if (existing && existing.process.entry.socketPath === entry.socketPath) continue;
      if (existing) this.drop(key, 'replaced by a new process with the same pid');
      this.attach(key, entry);
    }
    for (const key of [...this.connections.keys()]) if (!seen.has(key)) this.drop(key, 'its socket is gone');
  }

  private attach(key: string, entry: BridgeProcessEntry): void {
    const connection: Connection = { process: { key, entry, snapshot: null }, client: null, closed: false };
    this.connections.set(key, connection);
    void connectBridge(entry.socketPath).then(
      (client) => {
        if (connection.closed || this.disposed) {
          client.close();
          return;
        }
        connection.client = client;
        this.attachFailures.delete(entry.socketPath);
        client.onDidClose((error) => {
          this.drop(key, error ? error.message : 'it exited', connection);
          // Discovery removes what a killed process left behind.
          this.scheduleRescan();
        });
        client.onDidChange((snapshot) => {
          if (connection.closed) return;
          connection.process = { ...connection.process, snapshot };
          this.emit('change');
        });
        this.emit('attached', connection.process);
      },
      (err: Error) => {
        this.report(`could not attach to pid ${entry.pid}: ${err.message}`);
        this.drop(key, err.message, connection);
        this.retryAttach(entry.socketPath);
      },
    );
  }

  private retryAttach(socketPath: string): void {
    const failures = (this.attachFailures.get(socketPath) ?? 0) + 1;
    this.attachFailures.set(socketPath, failures);
    if (failures > ATTACH_RETRIES || this.disposed) return;
    const timer = setTimeout(
      () => {
        this.retryTimers.delete(timer);
        void this.rescan();
      },
      (this.options.attachRetryMs ?? 100) * 2 ** (failures - 1),
    );
    this.retryTimers.add(timer);
  }

  private drop(key: string, why: string, only?: Connection): void {
    const c = this.connections.get(key);
    if (!c || (only && c !== only)) return;
    c.closed = true;
    this.connections.delete(key);
    c.client?.close();
    this.emit('detached', c.process, why);
    this.emit('change');
  }

  private report(message: string): void {
    if (message === this.lastProblem) return;
    this.lastProblem = message;
    this.emit('problem', message);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.sweeper.dispose();
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const c of this.connections.values()) {
      c.closed = true;
      c.client?.close();
    }
    this.connections.clear();
    this.removeAllListeners();
    await this.watcher?.close();
    this.watcher = null;
  }
}
