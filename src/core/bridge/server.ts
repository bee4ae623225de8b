// The publishing side: one Unix socket per process (per worker thread) in the user's bridge
// directory. It answers snapshot/subscribe/act requests in NDJSON and pushes coalesced
// snapshots to subscribers. It must never change the life of the process it lives in:
// the server and every connection are unref'd (publishing never keeps a process alive), no
// error reaches user code, nothing is written to the user's output unless FLAKE_DOCTOR_DEBUG
// asks, and the socket files are removed at exit. A process ended by a signal it does not
// handle — Ctrl-C's SIGINT, SIGTERM, SIGKILL — never runs 'exit' handlers and leaves them
// (handling the signal to clean up would change how the process dies); the next discovery
// pass removes them, the pid being gone.

import { chmodSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { CallTracker } from '../listener/tracker';
import { startObservers, type Observer } from '../observe';
import { isBridgeAction, performAction } from './actions';
import { bridgeDebug } from './debug';
import { bridgeDirectory, ensureDirectory, metaPathFor, socketFileName } from './directory';
import { BridgeError } from './errors';
import { encodeLine, LineSplitter, LineTooLongError, parseObjectLine } from './lines';
import { ownProcessInfo, ownStartIdentity } from './processInfo';
import { SnapshotSource } from './snapshot';
import { BRIDGE_STATE_KEY } from './stateKey';
import { BRIDGE_PROTOCOL_VERSION, BRIDGE_SCHEMA_VERSION, type BridgeEvent, type BridgeProcessInfo, type BridgeResponse } from './types';

export interface StartBridgeOptions {
  /** Directory for the socket (default: FLAKE_DOCTOR_BRIDGE_DIR, the runtime dir, or a per-user temp dir). */
  dir?: string;
  /** An HTTP call older than this is published as stalled (default FLAKE_DOCTOR_STALL_MS or 10 s). */
  stallThresholdMs?: number;
  /** Largest request line accepted from a client; a longer one closes that connection. */
  maxRequestBytes?: number;
  /** Minimum spacing of pushed snapshots; grows with the cost of building one. */
  minPushIntervalMs?: number;
  /** Recorded in the snapshot: how publishing was turned on. */
  via?: BridgeProcessInfo['via'];
  /**
   * How long to wait before listening (default 0: the next turn). What is observed is observed
   * from the start either way; a process that ends sooner is never listed, and pays nothing for
   * a socket.
   */
  listenDelayMs?: number;
}

export interface BridgeServer {
  /** Where this process publishes (null until listening, or when it could not publish). */
  readonly socketPath: string | null;
  /** Resolves once listening; resolves to false (never rejects) when publishing is impossible. */
  readonly ready: Promise<boolean>;
  /** Why publishing is impossible, when it is. */
  readonly failure: string | null;
  /** The process-wide HTTP call tracker the bridge publishes. */
  readonly tracker: CallTracker;
  /** What the bridge observes of the user's own code (node:http, WebSockets, listens, children). */
  readonly observers: readonly Observer[];
  /** Stops publishing and removes the socket files. */
  stop(): Promise<void>;
}

const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
const DEFAULT_MIN_PUSH_MS = 100;
/** Past this many unsent bytes to one subscriber, pushes to it wait for 'drain' (latest wins). */
const SUBSCRIBER_BACKLOG_BYTES = 4 * 1024 * 1024;
const STATE_KEY = BRIDGE_STATE_KEY;

/**
 * A built-in module loaded when first needed. process.getBuiltinModule (Node 20.16+) is
 * synchronous and needs no module loader; `import()` from a CommonJS preload would start the
 * whole ESM loader (tens of milliseconds) in a process that may never use it.
 */
async function builtin<T extends 'node:net' | 'node:worker_threads'>(
  id: T,
): Promise<T extends 'node:net' ? typeof import('node:net') : typeof import('node:worker_threads')> {
  type Loaded = T extends 'node:net' ? typeof import('node:net') : typeof import('node:worker_threads');
  const sync = typeof process.getBuiltinModule === 'function' ? (process.getBuiltinModule(id) as Loaded | undefined) : undefined;
  return sync ?? ((await import(id)) as Loaded);
}

export function stallThresholdFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FLAKE_DOCTOR_STALL_MS;
  if (raw === undefined || raw === '') return 10_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 3_600_000) {
    bridgeDebug(`FLAKE_DOCTOR_STALL_MS=${JSON.stringify(raw)} is not a whole number of ms from 1 to 3600000; using 10000`);
    return 10_000;
  }
  return n;
}

/** The bridge of this process (this thread), if one was started. */
export function currentBridge(): BridgeServer | null {
  return (globalThis as { [STATE_KEY]?: BridgeServer })[STATE_KEY] ?? null;
}

/**
 * Starts publishing this process's cores (idempotent: a second call returns the running
 * bridge, even when called from another bundle of the library). Never throws.
 */
export function startBridge(options: StartBridgeOptions = {}): BridgeServer {
  const holder = globalThis as { [STATE_KEY]?: BridgeServer };
  const existing = holder[STATE_KEY];
  if (existing) return existing;
  const server = new PublishingServer(options);
  holder[STATE_KEY] = server;
  return server;
}

class PublishingServer implements BridgeServer {
  socketPath: string | null = null;
  failure: string | null = null;
  readonly ready: Promise<boolean>;
  readonly tracker: CallTracker;
  readonly observers: readonly Observer[];
  private readonly source: SnapshotSource;
  private readonly via: BridgeProcessInfo['via'];
  private info: BridgeProcessInfo | null = null;
  private readonly maxRequestBytes: number;
  private readonly minPushMs: number;
  private server: Server | null = null;
  private readonly subscribers = new Set<Socket>();
  private readonly starved = new Set<Socket>();
  private unwatch: (() => void) | null = null;
  private pushTimer: NodeJS.Timeout | null = null;
  private lastPushAt = 0;
  private pushCostMs = 0;
  private stopped = false;
  private readonly onExit = (): void => this.removeFiles();
  private deferred: NodeJS.Timeout | null = null;
  private settle: (ok: boolean) => void = () => undefined;

  constructor(options: StartBridgeOptions) {
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.minPushMs = options.minPushIntervalMs ?? DEFAULT_MIN_PUSH_MS;
    // At once: the channel subscription, so the process's very first fetch is seen.
    // recentLimit 0: the bridge publishes calls in flight only, so ended ones are dropped at once.
    this.tracker = new CallTracker({
      stallThresholdMs: options.stallThresholdMs ?? stallThresholdFromEnv(),
      observeProcess: true,
      skipAllTagged: true,
      recentLimit: 0,
      debug: bridgeDebug,
    });
    // Also at once, for the same reason: their channel subscriptions cost nothing to load.
    this.observers = startObservers({ tracker: this.tracker, now: Date.now, debug: bridgeDebug });
    this.via = options.via ?? 'api';
    this.source = new SnapshotSource(this.tracker, null, this.observers);
    // Everything else later: `net`, and through `listen()` `cluster`, `child_process` and
    // `dgram`, cost milliseconds to load, the socket and its sidecar more, and a process that
    // is done before then (a `node -e`, a CLI) should not pay for them. An unref'd timeout, not
    // an unref'd immediate: the loop's poll wakes for a due timer but not for an unref'd
    // immediate, so a process idle on a long timer would never get round to publishing.
    this.ready = new Promise<boolean>((resolve) => {
      this.settle = resolve;
      this.deferred = setTimeout(() => {
        this.deferred = null;
        this.listen(options.dir).then(resolve, (err: Error) => {
          this.failure = err.message;
          bridgeDebug(`not publishing: ${err.message}`);
          resolve(false);
        });
      }, options.listenDelayMs ?? 0);
      this.deferred.unref();
    });
  }

  private async listen(dirOption: string | undefined): Promise<boolean> {
    if (this.stopped) return false;
    const [{ createServer }, { threadId }] = await Promise.all([builtin('node:net'), builtin('node:worker_threads')]);
    const info = ownProcessInfo(this.via, threadId);
    this.info = info;
    this.source.info = info;
    const dir = dirOption ?? bridgeDirectory();
    ensureDirectory(dir);
    const socketPath = join(dir, socketFileName({ pid: info.pid, start: ownStartIdentity(), threadId: info.threadId }));
    if (Buffer.byteLength(socketPath) > 107)
      throw new Error(`socket path ${socketPath} is longer than a Unix socket allows (107 bytes); set FLAKE_DOCTOR_BRIDGE_DIR to a shorter directory`);
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    // Before listen(): not even the listen in progress may keep the process alive.
    server.unref();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => bridgeDebug(`server error: ${err.message}`));
    if (this.stopped) {
      server.close();
      return false;
    }
    this.socketPath = socketPath;
    process.on('exit', this.onExit);
    try {
      chmodSync(socketPath, 0o600);
      const meta = metaPathFor(socketPath);
      const tmp = `${meta}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ pid: info.pid, threadId: info.threadId, command: info.command, cwd: info.cwd, startedAt: info.startedAt }), {
        mode: 0o600,
      });
      renameSync(tmp, meta);
    } catch (err) {
      bridgeDebug(`could not write the sidecar for ${socketPath}: ${(err as Error).message}`);
    }
    bridgeDebug(`publishing on ${socketPath}`);
    return true;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.deferred) {
      clearTimeout(this.deferred);
      this.deferred = null;
      this.settle(false);
    }
    const holder = globalThis as { [STATE_KEY]?: BridgeServer };
    if (holder[STATE_KEY] === this) delete holder[STATE_KEY];
    await this.ready;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.unwatch?.();
    this.unwatch = null;
    for (const s of this.subscribers) s.destroy();
    this.subscribers.clear();
    this.tracker.dispose();
    for (const observer of this.observers) observer.dispose();
    process.off('exit', this.onExit);
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.removeFiles();
  }

  private removeFiles(): void {
    if (!this.socketPath) return;
    for (const path of [this.socketPath, metaPathFor(this.socketPath)]) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone (a discovery pass may have judged us dead after a freeze).
      }
    }
    this.socketPath = null;
  }

  private accept(socket: Socket): void {
    // A connected view must not keep a test process alive after its work is done.
    socket.unref();
    socket.on('error', () => undefined);
    socket.on('close', () => this.unsubscribe(socket));
    const hello: BridgeEvent = {
      event: 'hello',
      protocol: BRIDGE_PROTOCOL_VERSION,
      schemaVersion: BRIDGE_SCHEMA_VERSION,
      pid: process.pid,
      threadId: this.info?.threadId ?? 0,
    };
    socket.write(encodeLine(hello));
    const splitter = new LineSplitter(this.maxRequestBytes);
    socket.on('data', (chunk: Buffer) => {
      // After a refusal the rest of what the peer sends is read and dropped, so it gets our
      // error line and a clean close rather than a reset.
      if (socket.writableEnded) return;
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch (err) {
        this.refuse(socket, err instanceof LineTooLongError ? 'too_large' : 'bad_message', (err as Error).message);
        return;
      }
      for (const line of lines) {
        if (socket.destroyed || !this.handle(socket, line)) return;
      }
    });
  }

  /** Handles one request line; false when the connection was closed for it. */
  private handle(socket: Socket, line: string): boolean {
    let request: Record<string, unknown>;
    try {
      request = parseObjectLine(line);
    } catch (err) {
      this.refuse(socket, 'bad_message', (err as Error).message);
      return false;
    }
    const id = request.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      this.refuse(socket, 'bad_message', 'malformed message: a request needs a whole-number "id"');
      return false;
    }
    const reply = (response: BridgeResponse): void => {
      if (!socket.destroyed) socket.write(encodeLine(response));
    };
    switch (request.method) {
      case 'snapshot':
        reply({ id, result: this.source.build() });
        return true;
      case 'subscribe':
        reply({ id, result: this.source.build() });
        this.subscribe(socket);
        return true;
      case 'act': {
        const params = request.params as { target?: unknown; action?: unknown } | undefined;
        if (typeof params !== 'object' || params === null || typeof params.target !== 'string' || !isBridgeAction(params.action)) {
          reply({ id, error: { code: 'bad_message', message: 'act needs params { target: string, action: "probe" | "break" | "restart" }' } });
          return true;
        }
        performAction({ target: params.target, action: params.action }, this.tracker, this.observers).then(
          (result) => reply({ id, result }),
          (err: Error) => reply({ id, error: { code: err instanceof BridgeError ? err.code : 'action_failed', message: err.message } }),
        );
        return true;
      }
      default:
        reply({ id, error: { code: 'unknown_method', message: `unknown method ${JSON.stringify(request.method)}; use snapshot, subscribe or act` } });
        return true;
    }
  }

  /** A malformed or oversized message: say why, then close this connection only. */
  private refuse(socket: Socket, code: 'bad_message' | 'too_large', message: string): void {
    bridgeDebug(`closing a connection: ${message}`);
    const response: BridgeResponse = { id: null, error: { code, message } };
    socket.end(encodeLine(response));
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private subscribe(socket: Socket): void {
    this.subscribers.add(socket);
    this.unwatch ??= this.source.watch(() => this.schedulePush());
  }

  private unsubscribe(socket: Socket): void {
    this.subscribers.delete(socket);
    this.starved.delete(socket);
    if (this.subscribers.size === 0) {
      this.unwatch?.();
      this.unwatch = null;
      if (this.pushTimer) clearTimeout(this.pushTimer);
      this.pushTimer = null;
    }
  }

  /**
   * Coalesces change signals into at most one snapshot per interval: the interval is the
   * larger of minPushIntervalMs and twenty times what the last snapshot cost to build, so a
   * process with thousands of calls in flight does not spend its time describing itself.
   */
  private schedulePush(): void {
    if (this.pushTimer || this.subscribers.size === 0) return;
    const interval = Math.max(this.minPushMs, 20 * this.pushCostMs);
    const wait = Math.max(0, this.lastPushAt + interval - Date.now());
    this.pushTimer = setTimeout(() => this.push(), wait);
    this.pushTimer.unref();
  }

  private push(): void {
    this.pushTimer = null;
    const started = performance.now();
    const line = encodeLine({ event: 'snapshot', snapshot: this.source.build() } satisfies BridgeEvent);
    this.pushCostMs = performance.now() - started;
    this.lastPushAt = Date.now();
    for (const socket of this.subscribers) {
      if (socket.writableLength > SUBSCRIBER_BACKLOG_BYTES) {
        // A reader that does not keep up gets the latest snapshot when it drains, not a queue.
        if (!this.starved.has(socket)) {
          this.starved.add(socket);
          socket.once('drain', () => {
            this.starved.delete(socket);
            this.schedulePush();
          });
        }
        continue;
      }
      socket.write(line);
    }
  }
}
