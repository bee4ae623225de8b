// Requests in flight on node:http servers of this process: an app under supertest, a fake
// service a harness starts next to its tests. Published as the snapshot's serverRequests, so
// a stalled call to a server in the same process names the handler that has not answered.
//
// Node's channels http.server.request.start (the request's headers are parsed and it is about
// to be emitted) and http.server.response.finish (the response was sent); the response's own
// 'close' catches the rest (the client went away before an answer). Upgrades (WebSockets)
// publish neither, so they never appear here.
//
// The request path pays for one small record, a hidden property on the response, links in an
// in-flight list and one 'close' listener; what a view shows (path, addresses, the express
// route and handler names) is read only when a snapshot is built.

import diagnosticsChannel from 'node:diagnostics_channel';
import { stripQuery } from '../listener/undiciRequest';
import type { ObserverContext, ObservedParts } from './observer';
import { currentTest, type TestRef } from './testContext';
import type { ObservedRecord } from './observer';

/** A request in flight on a node:http server of this process. */
export interface ObservedServerRequest extends ObservedRecord {
  // id `srv:<n>` (no action acts on it yet); subject `GET /users/7 on 127.0.0.1:3000`.
  method: string;
  /** The request path, query stripped (it may carry tokens). */
  path: string;
  /** The server's end of the connection: the address and port the client connected to. */
  server: { address: string; port: number } | null;
  /** The client's end: in the same process when a call of this process has this port as its own. */
  client: { address: string; port: number } | null;
  /** How long it has waited, at the snapshot's time. */
  ageMs: number;
  /** Older than the process's stall threshold (FLAKE_DOCTOR_STALL_MS, default 10 s). */
  stalled: boolean;
  /** awaiting-response: no headers sent yet; sending-body: headers sent, the body not ended. */
  phase: 'awaiting-response' | 'sending-body';
  /** The express route it matched (`/users/:id`, mount path included), when express says. */
  route: string | null;
  /** The function that has it: the route's handler (express), else the server's 'request' listener, by name. */
  handler: string | null;
}

/** The server channels this observer subscribes to. */
export const NODE_HTTP_SERVER_CHANNELS = ['http.server.request.start', 'http.server.response.finish'] as const;

interface SocketLike {
  localAddress?: unknown;
  localPort?: unknown;
  remoteAddress?: unknown;
  remotePort?: unknown;
}

interface ServerRequestLike {
  method?: unknown;
  url?: unknown;
  baseUrl?: unknown;
  route?: { path?: unknown; stack?: unknown } | null;
  socket?: SocketLike | null;
}

interface ServerResponseLike {
  headersSent?: unknown;
  on?: unknown;
}

/** One request in flight: links of the in-flight list and what it was started with. */
class ServerRequestRecord {
  prev: ServerRequestRecord | null = null;
  next: ServerRequestRecord | null = null;
  readonly test: TestRef | null = currentTest();
  constructor(
    readonly owner: ServerRequests,
    readonly seq: number,
    readonly startedAt: number,
    public request: ServerRequestLike | null,
    public response: ServerResponseLike | null,
    public server: unknown,
  ) {}
}

/** The record's property on the response: a symbol of this module's own, never enumerable. */
const SLOT = Symbol('flake-doctor server request');

type Slotted = { [SLOT]?: ServerRequestRecord };

export class ServerRequests {
  private head: ServerRequestRecord | null = null;
  private tail: ServerRequestRecord | null = null;
  private count = 0;
  private seq = 0;
  private disposed = false;
  private noted = false;
  private readonly listeners = new Set<() => void>();
  private pending: NodeJS.Immediate | undefined;
  private readonly handlers: Array<[string, (message: unknown) => void]>;

  constructor(private readonly context: ObserverContext) {
    this.handlers = [
      [NODE_HTTP_SERVER_CHANNELS[0], this.onStart],
      [NODE_HTTP_SERVER_CHANNELS[1], this.onFinish],
    ];
    for (const [name, fn] of this.handlers) diagnosticsChannel.subscribe(name, fn);
  }

  /** How many are in flight (tests and the memory check read it). */
  get size(): number {
    return this.count;
  }

  contribute(parts: ObservedParts, now: number, stallThresholdMs: number): void {
    const out: ObservedServerRequest[] = [];
    for (let r = this.head; r !== null; r = r.next) {
      try {
        out.push(publish(r, now, stallThresholdMs));
      } catch (err) {
        this.failed('snapshot', err);
      }
    }
    parts.serverRequests = out;
  }

  /** "The requests in flight changed", coalesced to one call per turn of the event loop. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const [name, fn] of this.handlers) diagnosticsChannel.unsubscribe(name, fn);
    while (this.head) this.end(this.head);
    this.listeners.clear();
    if (this.pending) clearImmediate(this.pending);
  }

  private readonly onStart = (message: unknown): void => {
    try {
      const { request, response, server } = message as { request?: unknown; response?: unknown; server?: unknown };
      if (this.disposed || typeof response !== 'object' || response === null || typeof request !== 'object' || request === null) return;
      const res = response as ServerResponseLike;
      if (typeof res.on !== 'function') return;
      const record = new ServerRequestRecord(this, ++this.seq, this.context.now(), request, res, server);
      Object.defineProperty(response, SLOT, { value: record, writable: true, configurable: true, enumerable: false });
      (res.on as (event: string, fn: (this: Slotted) => void) => unknown).call(res, 'close', onResponseClose);
      record.prev = this.tail;
      if (this.tail === null) this.head = record;
      else this.tail.next = record;
      this.tail = record;
      this.count++;
      this.changed();
    } catch (err) {
      this.failed('request start', err);
    }
  };

  private readonly onFinish = (message: unknown): void => {
    try {
      const response = (message as { response?: unknown } | null)?.response;
      const record = typeof response === 'object' && response !== null ? (response as Slotted)[SLOT] : undefined;
      if (record) this.end(record);
    } catch (err) {
      this.failed('response finish', err);
    }
  };

  /** Takes a request out of the in-flight list (its response finished or closed). */
  end(record: ServerRequestRecord): void {
    if (record.response === null) return;
    (record.response as Slotted)[SLOT] = undefined;
    if (record.prev === null) this.head = record.next;
    else record.prev.next = record.next;
    if (record.next === null) this.tail = record.prev;
    else record.next.prev = record.prev;
    record.prev = record.next = null;
    record.request = record.response = null;
    record.server = null;
    this.count--;
    this.changed();
  }

  private changed(): void {
    if (this.listeners.size === 0 || this.pending !== undefined || this.disposed) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      for (const listener of this.listeners) listener();
    });
    this.pending.unref();
  }

  failed(where: string, err: unknown): void {
    if (this.noted) return;
    this.noted = true;
    this.context.debug(`node:http server ${where}: not tracked: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** The responses' 'close' listener: one function for all of them; the response is `this`. */
function onResponseClose(this: Slotted): void {
  const record = this[SLOT];
  if (!record) return;
  try {
    record.owner.end(record);
  } catch (err) {
    record.owner.failed('response close', err);
  }
}

function endpoint(address: unknown, port: unknown): { address: string; port: number } | null {
  return typeof address === 'string' && typeof port === 'number' ? { address: address.replace(/^::ffff:/, ''), port } : null;
}

function functionNames(fns: unknown): string | null {
  if (!Array.isArray(fns)) return null;
  const names = fns.map((f: unknown) => (typeof f === 'function' ? f.name || '<anonymous>' : null)).filter((n): n is string => n !== null);
  return names.length > 0 ? names.join(', ') : null;
}

/** express: the route's layers, each with its handler function (express 4 and 5 keep it as `handle`). */
function expressHandler(route: { stack?: unknown }): string | null {
  if (!Array.isArray(route.stack)) return null;
  return functionNames(route.stack.map((layer: unknown) => (layer as { handle?: unknown } | null)?.handle));
}

function publish(r: ServerRequestRecord, now: number, stallThresholdMs: number): ObservedServerRequest {
  const req = r.request ?? {};
  const method = typeof req.method === 'string' ? req.method : 'GET';
  const path = stripQuery(typeof req.url === 'string' ? req.url : '/');
  const socket = req.socket ?? null;
  const server = socket ? endpoint(socket.localAddress, socket.localPort) : null;
  const client = socket ? endpoint(socket.remoteAddress, socket.remotePort) : null;
  const route = req.route && typeof req.route.path === 'string' ? `${typeof req.baseUrl === 'string' ? req.baseUrl : ''}${req.route.path}` : null;
  const listeners = (r.server as { listeners?: unknown } | null)?.listeners;
  const handler =
    (req.route ? expressHandler(req.route) : null) ??
    (typeof listeners === 'function' ? functionNames((listeners as (e: string) => unknown).call(r.server, 'request')) : null);
  const at = server ? `${server.address.includes(':') ? `[${server.address}]` : server.address}:${server.port}` : 'a server of this process';
  return {
    id: `srv:${r.seq}`,
    subject: `${method} ${path} on ${at}`,
    startedAt: r.startedAt,
    test: r.test,
    method,
    path,
    server,
    client,
    ageMs: Math.max(0, now - r.startedAt),
    stalled: now - r.startedAt >= stallThresholdMs,
    phase: r.response?.headersSent === true ? 'sending-body' : 'awaiting-response',
    route,
    handler,
  };
}
