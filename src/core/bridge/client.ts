// The consuming side: connects to one process's bridge socket, after checking that the socket
// and its directory are this user's. Every request is bounded by a timeout, so a frozen or
// malicious process can delay a view but never hang it; a malformed message from the process
// closes the connection with an error that says what was wrong.

import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { bridgeDirectory, checkDirectory, checkSocket } from './directory';
import { listBridgeProcesses } from './discovery';
import { BridgeError } from './errors';
import { encodeLine, LineSplitter, parseObjectLine } from './lines';
import {
  BRIDGE_PROTOCOL_VERSION,
  BRIDGE_SCHEMA_VERSION,
  type BridgeActRequest,
  type BridgeActResult,
  type BridgeErrorCode,
  type BridgeSnapshot,
} from './types';

export interface ConnectBridgeOptions {
  /** Directory to look a pid up in (default: FLAKE_DOCTOR_BRIDGE_DIR, the runtime dir, or a per-user temp dir). */
  dir?: string;
  /** For a pid: which of its threads (default 0, the main thread). */
  threadId?: number;
  /** Connecting, and waiting for the process's hello (default 2 s). */
  connectTimeoutMs?: number;
  /** snapshot() and subscribe (default 5 s). */
  requestTimeoutMs?: number;
  /** act(): probes wait for a PONG or a broker answer (default 30 s). */
  actTimeoutMs?: number;
  /** Largest message accepted from the process (default 64 MiB). */
  maxMessageBytes?: number;
}

export interface BridgeClient {
  readonly pid: number;
  readonly threadId: number;
  readonly socketPath: string;
  readonly closed: boolean;
  snapshot(): Promise<BridgeSnapshot>;
  /** Every new snapshot the process pushes (coalesced by the process); subscribes on first use. */
  onDidChange(listener: (snapshot: BridgeSnapshot) => void): { dispose(): void };
  /** The connection ended: the process exited, closed it, or sent something malformed (error). */
  onDidClose(listener: (error: Error | null) => void): { dispose(): void };
  act(request: BridgeActRequest): Promise<BridgeActResult>;
  close(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface ClientEvents {
  change: [BridgeSnapshot];
  close: [Error | null];
}

export async function connectBridge(socketPathOrPid: string | number, options: ConnectBridgeOptions = {}): Promise<BridgeClient> {
  let socketPath: string;
  if (typeof socketPathOrPid === 'number') {
    const dir = options.dir ?? bridgeDirectory();
    const threadId = options.threadId ?? 0;
    const entry = (await listBridgeProcesses({ dir })).find((e) => e.pid === socketPathOrPid && e.threadId === threadId);
    if (!entry)
      throw new BridgeError(
        'closed',
        `pid ${socketPathOrPid} does not publish in ${dir} (start it with --import flake-doctor/bridge/register, or FLAKE_DOCTOR_BRIDGE=1)`,
      );
    socketPath = entry.socketPath;
  } else {
    socketPath = socketPathOrPid;
    checkDirectory(dirname(socketPath));
  }
  checkSocket(socketPath);
  const client = new Client(socketPath, options);
  await client.open();
  return client;
}

class Client extends EventEmitter<ClientEvents> implements BridgeClient {
  pid = 0;
  threadId = 0;
  closed = false;
  private socket: Socket | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private subscribed = false;
  private readonly splitter: LineSplitter;
  private helloWaiter: { resolve(): void; reject(e: Error): void } | null = null;

  constructor(
    readonly socketPath: string,
    private readonly options: ConnectBridgeOptions,
  ) {
    super();
    this.splitter = new LineSplitter(options.maxMessageBytes ?? 64 * 1024 * 1024);
  }

  open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new BridgeError('timeout', `no hello from ${this.socketPath} within ${this.options.connectTimeoutMs ?? 2000} ms (is the process frozen?)`));
      }, this.options.connectTimeoutMs ?? 2000);
      this.helloWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const socket = connect(this.socketPath);
      this.socket = socket;
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (err) => this.fail(new BridgeError('closed', `bridge connection to ${this.socketPath}: ${err.message}`)));
      socket.on('close', () => this.fail(null));
    });
  }

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (err) {
      this.fail(new BridgeError('too_large', `process sent a ${(err as Error).message}`));
      return;
    }
    for (const line of lines) {
      if (this.closed) return;
      try {
        this.onMessage(parseObjectLine(line));
      } catch (err) {
        this.fail(new BridgeError('bad_message', `process sent a ${(err as Error).message}`));
        return;
      }
    }
  }

  private onMessage(message: Record<string, unknown>): void {
    if (message.event === 'hello') {
      if (message.protocol !== BRIDGE_PROTOCOL_VERSION) throw new Error(`hello with protocol ${String(message.protocol)}, expected ${BRIDGE_PROTOCOL_VERSION}`);
      if (message.schemaVersion !== BRIDGE_SCHEMA_VERSION)
        throw new Error(`hello with schema ${String(message.schemaVersion)}, expected ${BRIDGE_SCHEMA_VERSION}`);
      this.pid = Number(message.pid);
      this.threadId = Number(message.threadId);
      this.helloWaiter?.resolve();
      this.helloWaiter = null;
      return;
    }
    if (message.event === 'snapshot') {
      this.emit('change', checkSnapshot(message.snapshot));
      return;
    }
    const id = message.id;
    const error = message.error as { code?: unknown; message?: unknown } | undefined;
    if (id === null && error) {
      // The process closes the connection after this: say why.
      this.fail(new BridgeError(toCode(error.code), `process refused a message: ${String(error.message)}`));
      return;
    }
    if (typeof id !== 'number') throw new Error('message with neither event nor id');
    const pending = this.pending.get(id);
    if (!pending) return; // timed out already
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(new BridgeError(toCode(error.code), String(error.message)));
    else pending.resolve(message.result);
  }

  private request(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    if (this.closed || !this.socket) return Promise.reject(new BridgeError('closed', `bridge connection to ${this.socketPath} is closed`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BridgeError('timeout', `${method} got no answer from pid ${this.pid} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket?.write(encodeLine(params === undefined ? { id, method } : { id, method, params }));
    });
  }

  async snapshot(): Promise<BridgeSnapshot> {
    const result = await this.request('snapshot', undefined, this.options.requestTimeoutMs ?? 5000);
    try {
      return checkSnapshot(result);
    } catch (err) {
      // A process that answers with a malformed snapshot cannot be trusted for the next one.
      this.fail(err as Error);
      throw err;
    }
  }

  onDidChange(listener: (snapshot: BridgeSnapshot) => void): { dispose(): void } {
    this.on('change', listener);
    if (!this.subscribed) {
      this.subscribed = true;
      this.request('subscribe', undefined, this.options.requestTimeoutMs ?? 5000)
        .then((first) => this.emit('change', checkSnapshot(first)))
        .catch((err: Error) => this.fail(err));
    }
    return { dispose: () => this.off('change', listener) };
  }

  onDidClose(listener: (error: Error | null) => void): { dispose(): void } {
    this.on('close', listener);
    return { dispose: () => this.off('close', listener) };
  }

  async act(request: BridgeActRequest): Promise<BridgeActResult> {
    return (await this.request('act', request, this.options.actTimeoutMs ?? 30_000)) as BridgeActResult;
  }

  close(): void {
    this.fail(null);
  }

  private fail(error: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.destroy();
    const reason = error ?? new BridgeError('closed', `bridge connection to ${this.socketPath} closed (the process exited or stopped publishing)`);
    this.helloWaiter?.reject(reason);
    this.helloWaiter = null;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.pending.clear();
    this.emit('close', error);
    this.removeAllListeners();
  }
}

const CODES: readonly BridgeErrorCode[] = [
  'bad_message',
  'too_large',
  'unknown_method',
  'unknown_target',
  'unsupported_action',
  'action_failed',
  'timeout',
  'closed',
];
function toCode(value: unknown): BridgeErrorCode {
  return CODES.includes(value as BridgeErrorCode) ? (value as BridgeErrorCode) : 'action_failed';
}

/** The fields every renderer relies on; a snapshot without them is a malformed message. */
function checkSnapshot(value: unknown): BridgeSnapshot {
  const s = value as Partial<BridgeSnapshot> | null;
  if (typeof s !== 'object' || s === null) throw new BridgeError('bad_message', 'snapshot is not an object');
  if (s.schemaVersion !== BRIDGE_SCHEMA_VERSION)
    throw new BridgeError('bad_message', `snapshot schema ${String(s.schemaVersion)}, expected ${BRIDGE_SCHEMA_VERSION}`);
  for (const key of ['httpCalls', 'relays', 'listeners', 'leases', 'locks'] as const) {
    if (!Array.isArray(s[key])) throw new BridgeError('bad_message', `snapshot without a ${key} array`);
  }
  if (typeof s.process !== 'object' || s.process === null || typeof s.process.pid !== 'number')
    throw new BridgeError('bad_message', 'snapshot without process.pid');
  return s as BridgeSnapshot;
}
