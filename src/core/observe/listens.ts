// Observer of listens: the ones that fail (EADDRINUSE, with the process holding the address)
// and the TCP servers listening in this process. Node publishes every `net.Server.listen` on
// the `tracing:net.server.listen` channels (20.x, 22, 24): asyncStart with the options,
// asyncEnd once listening, error with the bind error — synchronously, before Node emits
// 'error' to the user's handler on the next tick. So a failure is recorded whole (holder pid
// and command included) before the user's code hears of it.
//
// No listener is added to the user's server but one 'close' (to drop the server from the list);
// never 'error'. Unix-socket listens (the bridge's own among them) are not loopback servers and
// are left out.

import diagnosticsChannel from 'node:diagnostics_channel';
import type { Server } from 'node:net';
import type { Observer, ObserverContext, ObserverFactory } from './observer';
import { findPortHolder } from './portHolder';
import { currentTest, type TestRef } from './testContext';
import { ChangeSignal } from './changeSignal';
import type { ObservedRecord } from './observer';

/** A listen that failed, with who holds the address when the failure was EADDRINUSE. */
export interface ObservedListenFailure extends ObservedRecord {
  // id `listen-failure:<n>`; subject `listen 127.0.0.1:3000: address in use`; startedAt: when listen() was called.
  /** The address asked for (`::` / `0.0.0.0` for every address). */
  address: string;
  port: number;
  /** The error's code: EADDRINUSE, EACCES, … */
  code: string;
  /** When it failed. */
  failedAt: number;
  /** The process listening there, found at the moment of failure; null when none could be named. */
  holder: { pid: number | null; command: string | null; startTime: number | null; address: string } | null;
}

/** A TCP server listening in this process. */
export interface ObservedServer extends ObservedRecord {
  // id `server:<n>`; subject `listening 127.0.0.1:3000`; startedAt: when listen() was called.
  /** The bound address (`::` / `0.0.0.0` for every address). */
  address: string;
  port: number;
}

/** Failed listens kept at most (oldest dropped first). */
export const MAX_LISTEN_FAILURES = 20;
/** A failure is dropped this long after it happened: it is an event, not a lasting state. */
export const LISTEN_FAILURE_RETENTION_MS = 120_000;

const CHANNELS = {
  start: 'tracing:net.server.listen:asyncStart',
  end: 'tracing:net.server.listen:asyncEnd',
  error: 'tracing:net.server.listen:error',
} as const;

interface StartMessage {
  server?: Server;
  options?: { port?: unknown; host?: unknown; path?: unknown };
}

interface ErrorMessage {
  server?: Server;
  error?: NodeJS.ErrnoException & { address?: unknown; port?: unknown };
}

function hostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

class ListensObserver implements Observer {
  readonly name = 'listens';
  private seq = 0;
  private readonly starts = new WeakMap<Server, { startedAt: number; test: TestRef | null }>();
  private readonly servers = new Map<Server, ObservedServer>();
  private failures: ObservedListenFailure[] = [];
  private readonly signal: ChangeSignal;
  private expiry: NodeJS.Timeout | null = null;
  private readonly handlers: Array<[string, (message: unknown) => void]>;

  constructor(private readonly context: ObserverContext) {
    this.signal = new ChangeSignal('listens', context.debug);
    this.handlers = [
      [CHANNELS.start, (m) => this.guard('listen start', () => this.onStart(m as StartMessage))],
      [CHANNELS.end, (m) => this.guard('listening', () => this.onListening(m as StartMessage))],
      [CHANNELS.error, (m) => this.guard('listen error', () => this.onError(m as ErrorMessage))],
    ];
    for (const [name, handler] of this.handlers) diagnosticsChannel.subscribe(name, handler);
  }

  /** Every hook runs in the user's listen() call stack: nothing may escape into it. */
  private guard(what: string, run: () => void): void {
    try {
      run();
    } catch (err) {
      this.context.debug(`listens: ${what} not tracked: ${(err as Error).message}`);
    }
  }

  private onStart(message: StartMessage): void {
    if (!message.server) return;
    this.starts.set(message.server, { startedAt: this.context.now(), test: currentTest() });
  }

  private onListening(message: StartMessage): void {
    const server = message.server;
    if (!server) return;
    const bound = server.address();
    if (bound === null || typeof bound === 'string') return; // a Unix socket or a pipe
    const start = this.starts.get(server) ?? { startedAt: this.context.now(), test: currentTest() };
    const record: ObservedServer = {
      id: `server:${++this.seq}`,
      subject: `listening ${hostPort(bound.address, bound.port)}`,
      startedAt: start.startedAt,
      test: start.test,
      address: bound.address,
      port: bound.port,
    };
    const known = this.servers.has(server);
    this.servers.set(server, record);
    // A 'close' listener changes nothing for the server; it tells us when to forget it.
    if (!known) server.once('close', () => this.guard('close', () => this.forget(server)));
    // The retry worked: the failure on this port is history.
    const before = this.failures.length;
    this.failures = this.failures.filter((f) => f.port !== bound.port);
    if (this.failures.length !== before) this.scheduleExpiry();
    this.changed();
  }

  private forget(server: Server): void {
    if (this.servers.delete(server)) this.changed();
  }

  private onError(message: ErrorMessage): void {
    const err = message.error;
    const server = message.server;
    if (!err || !server) return;
    const start = this.starts.get(server) ?? { startedAt: this.context.now(), test: currentTest() };
    const port = typeof err.port === 'number' ? err.port : null;
    if (port === null) return; // a Unix socket path: not a loopback address
    const address = typeof err.address === 'string' ? err.address : '::';
    const code = typeof err.code === 'string' ? err.code : 'unknown';
    const now = this.context.now();
    const holder = code === 'EADDRINUSE' ? findPortHolder(port, address) : null;
    const why = code === 'EADDRINUSE' ? 'address in use' : code;
    this.failures.push({
      id: `listen-failure:${++this.seq}`,
      subject: `listen ${hostPort(address, port)}: ${why}`,
      startedAt: start.startedAt,
      test: start.test,
      address,
      port,
      code,
      failedAt: now,
      holder,
    });
    if (this.failures.length > MAX_LISTEN_FAILURES) this.failures.splice(0, this.failures.length - MAX_LISTEN_FAILURES);
    this.scheduleExpiry();
    this.changed();
  }

  /** One unref'd timer for the oldest failure's expiry: never keeps the process alive. */
  private scheduleExpiry(): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    const oldest = this.failures[0];
    if (!oldest) return;
    const wait = Math.max(0, oldest.failedAt + LISTEN_FAILURE_RETENTION_MS - this.context.now());
    this.expiry = setTimeout(() => {
      this.expiry = null;
      this.guard('expiry', () => {
        this.dropExpired(this.context.now());
        this.scheduleExpiry();
        this.changed();
      });
    }, wait);
    this.expiry.unref();
  }

  private dropExpired(now: number): void {
    this.failures = this.failures.filter((f) => now - f.failedAt < LISTEN_FAILURE_RETENTION_MS);
  }

  contribute(parts: { servers?: ObservedServer[]; listenFailures?: ObservedListenFailure[] }, now: number): void {
    this.dropExpired(now);
    // A server closed without 'close' yet (close() pending) is no longer listening.
    parts.servers = [...this.servers].filter(([server]) => server.listening).map(([, record]) => ({ ...record }));
    parts.listenFailures = this.failures.map((f) => ({ ...f, holder: f.holder ? { ...f.holder } : null }));
  }

  onDidChange(listener: () => void): () => void {
    return this.signal.add(listener);
  }

  private changed(): void {
    this.signal.fire();
  }

  dispose(): void {
    for (const [name, handler] of this.handlers) diagnosticsChannel.unsubscribe(name, handler);
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    this.servers.clear();
    this.failures = [];
    this.signal.clear();
  }
}

export const observeListens: ObserverFactory = (context) => (typeof diagnosticsChannel.subscribe === 'function' ? new ListensObserver(context) : null);
