// The relay server: binds, admits upgrades, creates sessions, routes their messages through
// the dispatcher, keeps the snapshot, and offers the actions a front end needs (probe, close
// one session, restart). A front end renders `snapshot()` and listens for `change`; it never
// reaches into sessions.

import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { admit } from './admission';
import { announceRelay } from './announce';
import type { LiveHandle } from '../live/registry';
import { Dispatcher } from './dispatcher';
import { HandshakeGuard } from './handshakeGuard';
import { resolveProtocol } from './protocolProfile';
import { realScheduler, type Scheduler, type TimerHandle } from './scheduler';
import { Session, type SessionHost } from './session';
import {
  RELAY_DEFAULTS,
  RelayCloseCode,
  type ClosedSessionRecord,
  type RelayEvents,
  type RelayOptions,
  type RelaySnapshot,
  type ResolvedRelayOptions,
  type SessionRole,
  type SessionSnapshot,
} from './types';

const RECENTLY_CLOSED_KEPT = 20;
const REBIND_ATTEMPTS = 40;
const REBIND_BACKOFF_MS = 50;

/** Close codes a server may put on the wire (RFC 6455 §7.4, as `ws` enforces them). */
export function isValidCloseCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999));
}

function resolveOptions(options: RelayOptions): ResolvedRelayOptions {
  const { profile, providerPath, clientPath, routingKey, ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  const protocol = resolveProtocol({
    ...(profile !== undefined ? { profile } : {}),
    ...(providerPath !== undefined ? { providerPath } : {}),
    ...(clientPath !== undefined ? { clientPath } : {}),
    ...(routingKey !== undefined ? { routingKey } : {}),
  });
  const resolved = { ...RELAY_DEFAULTS, ...defined, ...protocol, token: options.token ?? null };
  if (!Number.isFinite(resolved.handshakeTimeoutMs) || resolved.handshakeTimeoutMs <= 0) {
    throw new RangeError(`handshakeTimeoutMs must be a positive number of milliseconds (got ${String(options.handshakeTimeoutMs)})`);
  }
  return resolved;
}

function formatUrl(host: string, port: number): string {
  return `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Service Unavailable';
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `${status === 401 ? 'WWW-Authenticate: Bearer\r\n' : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export class Relay extends EventEmitter<RelayEvents> {
  readonly options: ResolvedRelayOptions;
  private readonly scheduler: Scheduler;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly dispatcher: Dispatcher;
  private readonly handshakes: HandshakeGuard;
  private readonly live = new Map<string, Session>();
  private readonly recentlyClosed: ClosedSessionRecord[] = [];
  private readonly host: SessionHost;
  private state: RelaySnapshot['state'] = 'closed';
  private boundPort = 0;
  private sessionSeq = 0;
  private restarts = 0;
  private readonly startedAt: number;
  private changeTimer: TimerHandle | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  /** Its entry in the process's live registry (what the bridge publishes) while listening. */
  private announced: LiveHandle<'relay'> | null = null;

  constructor(options: RelayOptions = {}, scheduler: Scheduler = realScheduler) {
    super();
    this.options = resolveOptions(options);
    this.scheduler = scheduler;
    this.startedAt = Date.now();
    this.dispatcher = new Dispatcher(() => scheduler.now(), this.options.routingKey);
    this.wss = new WebSocketServer({
      noServer: true,
      // PONG replies go through each session's queue (see session.ts); ws must not write its own.
      autoPong: false,
      maxPayload: this.options.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.handshakes = new HandshakeGuard(this.options.handshakeTimeoutMs, scheduler, () => this.changed());
    this.server = createServer((req, res) => {
      this.handshakes.settle(req.socket);
      res.writeHead(426, { 'Content-Type': 'text/plain' });
      res.end(`WebSocket relay: connect to ${this.options.providerPath} or ${this.options.clientPath}\n`);
    });
    this.server.on('connection', (socket: Socket) => this.handshakes.watch(socket));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.host = {
      options: this.options,
      scheduler,
      toEpoch: (t) => t - scheduler.now() + Date.now(),
      message: (session, data, isBinary) => {
        if (session.role === 'client') this.dispatcher.fromClient(session, data, isBinary);
        else this.dispatcher.fromProvider(session, data, isBinary);
      },
      closed: (session, record) => this.sessionClosed(session, record),
      error: (session, message) => {
        this.emit('sessionError', { id: session.id, message });
        this.changed();
      },
      changed: () => this.changed(),
    };
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return formatUrl(this.options.host, this.boundPort);
  }

  get providerUrl(): string {
    return `${this.url}${this.options.providerPath}`;
  }

  get clientUrl(): string {
    return `${this.url}${this.options.clientPath}`;
  }

  async listen(): Promise<void> {
    await this.bind(this.options.port);
    this.state = 'listening';
    const sweepEvery = Math.max(10, Math.min(1000, Math.floor(this.options.requestTimeoutMs / 4)));
    this.sweepTimer = setInterval(() => this.dispatcher.sweep(this.options.requestTimeoutMs), sweepEvery);
    this.sweepTimer.unref();
    this.announced ??= announceRelay(this);
  }

  sessions(): SessionSnapshot[] {
    return [...this.live.values()].map((session) => session.snapshot());
  }

  snapshot(): RelaySnapshot {
    return {
      url: this.url,
      host: this.options.host,
      port: this.boundPort,
      state: this.state,
      startedAt: this.startedAt,
      restarts: this.restarts,
      tokenRequired: this.options.token !== null,
      sessions: this.sessions(),
      recentlyClosed: this.recentlyClosed.map((record) => ({ ...record })),
      requests: { inFlight: this.dispatcher.inFlight, completed: this.dispatcher.completed, failed: this.dispatcher.failed },
      handshakes: this.handshakes.counts(),
      protocol: {
        profile: this.options.profile,
        providerPath: this.options.providerPath,
        clientPath: this.options.clientPath,
        routingKey: this.options.routingKey,
      },
    };
  }

  /** Send a PING through the session's queue; resolves with the PONG round trip in ms. */
  async probeSession(id: string): Promise<number> {
    return this.session(id).probe();
  }

  /**
   * Queue a Close for one session; resolves when its socket has closed (at most `closeDrainMs`
   * after the Close was queued, since an unanswered handshake ends in a destroy).
   */
  async closeSession(id: string, code: number = RelayCloseCode.normal, reason = 'closed by operator'): Promise<void> {
    if (!isValidCloseCode(code)) throw new RangeError(`invalid close code ${code}`);
    if (Buffer.byteLength(reason) > 123) throw new RangeError('close reason must fit in 123 bytes');
    const session = this.session(id);
    session.close(code, reason);
    await session.whenClosed();
  }

  /** Close every session with 1012 "service restart", unbind, and bind the same port again. */
  async restart(): Promise<void> {
    if (this.state !== 'listening') throw new Error(`relay cannot restart while ${this.state}`);
    this.state = 'restarting';
    this.changed();
    const unbound = this.unbind();
    await this.closeAll(RelayCloseCode.serviceRestart, 'service restart');
    await unbound;
    await this.bind(this.boundPort);
    this.restarts += 1;
    this.state = 'listening';
    this.changed();
  }

  async close(): Promise<void> {
    if (this.state === 'closed' && !this.server.listening) return;
    this.state = 'closed';
    this.announced?.remove();
    this.announced = null;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    const unbound = this.unbind();
    await this.closeAll(RelayCloseCode.goingAway, 'relay shutting down');
    await unbound;
    if (this.changeTimer !== null) this.scheduler.clearTimer(this.changeTimer);
    this.changeTimer = null;
    this.wss.close();
    this.emit('change');
  }

  private session(id: string): Session {
    const session = this.live.get(id);
    if (!session) throw new Error(`no session ${id} (it may have closed)`);
    return session;
  }

  private async closeAll(code: number, reason: string): Promise<void> {
    const sessions = [...this.live.values()];
    for (const session of sessions) session.close(code, reason);
    await Promise.all(sessions.map((session) => session.whenClosed()));
  }

  private bind(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let attempts = 0;
      const tryListen = (): void => {
        attempts += 1;
        const onError = (error: NodeJS.ErrnoException): void => {
          this.server.off('listening', onListening);
          // Rebinding right after unbinding can race a lingering socket on some kernels; and a
          // first start retries too, on purpose: after a window reload the previous extension
          // host may hold a fixed port for a moment longer. (A port someone else keeps is
          // reported after the retries, REBIND_ATTEMPTS × REBIND_BACKOFF_MS = 2 s.)
          if (error.code === 'EADDRINUSE' && port !== 0 && attempts < REBIND_ATTEMPTS) {
            setTimeout(tryListen, REBIND_BACKOFF_MS);
          } else {
            reject(error);
          }
        };
        const onListening = (): void => {
          this.server.off('error', onError);
          const address = this.server.address();
          if (address && typeof address === 'object') this.boundPort = address.port;
          resolve();
        };
        this.server.once('error', onError);
        this.server.once('listening', onListening);
        this.server.listen({ host: this.options.host, port });
      };
      tryListen();
    });
  }

  private unbind(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      // `close` stops accepting now; its callback waits for open connections, which the
      // caller is closing in parallel. Idle HTTP keep-alive sockets would hold it forever.
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      // Connections still in their handshake are neither idle nor sessions: cut them too.
      this.handshakes.destroyAll();
    });
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.handshakes.settle(socket as Socket);
    socket.on('error', () => socket.destroy());
    if (this.state !== 'listening') {
      rejectUpgrade(socket, 503, `relay is ${this.state}`);
      return;
    }
    const admission = admit(req.url, req.headers.authorization, this.options.token, this.options);
    if (!admission.ok) {
      rejectUpgrade(socket, admission.status, admission.message);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket as Socket, admission.role));
  }

  private accept(ws: WebSocket, socket: Socket, role: SessionRole): void {
    const id = `${role}-${++this.sessionSeq}`;
    const session = new Session(id, role, ws, socket, this.host);
    this.live.set(id, session);
    if (role === 'provider') this.dispatcher.addProvider(session);
    this.emit('sessionOpened', session.snapshot());
    this.changed();
  }

  private sessionClosed(session: Session, record: ClosedSessionRecord): void {
    this.live.delete(session.id);
    this.dispatcher.sessionClosed(session, record.code, record.reason);
    this.recentlyClosed.unshift(record);
    this.recentlyClosed.length = Math.min(this.recentlyClosed.length, RECENTLY_CLOSED_KEPT);
    this.emit('sessionClosed', record);
    this.changed();
  }

  private changed(): void {
    if (this.changeTimer !== null || this.state === 'closed') return;
    this.changeTimer = this.scheduler.setTimer(() => {
      this.changeTimer = null;
      this.emit('change');
    }, this.options.changeCoalesceMs);
  }
}

export type RelayHandle = Relay;

/** Start a relay and resolve once it is listening. */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const relay = new Relay(options);
  await relay.listen();
  return relay;
}
