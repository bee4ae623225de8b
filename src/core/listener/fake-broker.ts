// A real HTTP broker speaking the listener protocol (see protocol.ts), with a job queue and
// per-call faults that can be set at start and changed at runtime. Tests use it to force
// every failure mode; the demo uses it to show a stalled call ("stall job acquisition").

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyFault, writeAnswer, type Answer, type FaultRule, type FaultTable } from './fake-faults';
import { JOB_MESSAGES_TYPE } from './messages';
import { BROKER_CALL_NAMES, type BrokerCallName, type Disposable } from './types';

export interface FakeBrokerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  faults?: FaultTable;
  /** How long GetMessage holds when there is no message before answering 202. */
  longPollHoldMs?: number;
  adminTokenTtlMs?: number;
  queueTokenTtlMs?: number;
  /** A session not seen for this long is dropped, ending any 409 for its owner. */
  sessionExpiryMs?: number;
  /** Answer 409 when an owner that already has a live session creates another (default true). */
  rejectDuplicateOwner?: boolean;
}

export interface FakeBrokerRequest {
  name: BrokerCallName | 'unknown';
  method: string;
  path: string;
  fault: FaultRule['kind'] | null;
  at: number;
}

export interface FakeBroker {
  readonly url: string;
  readonly port: number;
  setFault(name: BrokerCallName, rule: FaultRule | null): void;
  clearFaults(): void;
  faults(): FaultTable;
  /** Queues a job (a JobAvailable message); returns its runner request id. */
  enqueueJob(requestId?: number): number;
  /** Makes current tokens invalid, so the next call using one gets a real 401. */
  expireTokens(which?: 'admin' | 'queue' | 'all'): void;
  counts(): Record<BrokerCallName, number>;
  sessions(): Array<{ sessionId: string; ownerName: string }>;
  acquiredJobs(): number[];
  onRequest(listener: (request: FakeBrokerRequest) => void): Disposable;
  close(): Promise<void>;
}

interface Session {
  sessionId: string;
  ownerName: string;
  queueToken: string;
  lastSeenAt: number;
}

interface QueuedMessage {
  messageId: number;
  requestIds: number[];
  deleted: boolean;
}

interface Route {
  name: BrokerCallName;
  params: string[];
}

const ROUTES: Array<{ method: string; pattern: RegExp; name: BrokerCallName }> = [
  { method: 'POST', pattern: /^\/oauth\/token$/, name: 'exchangeToken' },
  { method: 'POST', pattern: /^\/sessions$/, name: 'createSession' },
  { method: 'PATCH', pattern: /^\/sessions\/([^/]+)$/, name: 'refreshSession' },
  { method: 'DELETE', pattern: /^\/sessions\/([^/]+)$/, name: 'deleteSession' },
  { method: 'GET', pattern: /^\/sessions\/([^/]+)\/messages$/, name: 'getMessage' },
  { method: 'DELETE', pattern: /^\/sessions\/([^/]+)\/messages\/(\d+)$/, name: 'deleteMessage' },
  { method: 'POST', pattern: /^\/acquirejobs$/, name: 'acquireJobs' },
  { method: 'GET', pattern: /^\/(health)?$/, name: 'probe' },
  { method: 'HEAD', pattern: /^\/(health)?$/, name: 'probe' },
];

function route(method: string, path: string): Route | null {
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (m) return { name: r.name, params: m.slice(1).map((p) => decodeURIComponent(p ?? '')) };
  }
  return null;
}

const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });

export async function startFakeBroker(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const host = options.host ?? '127.0.0.1';
  const holdMs = options.longPollHoldMs ?? 5_000;
  const adminTtl = options.adminTokenTtlMs ?? Infinity;
  const queueTtl = options.queueTokenTtlMs ?? Infinity;
  const sessionExpiryMs = options.sessionExpiryMs ?? 60_000;
  const rejectDuplicateOwner = options.rejectDuplicateOwner ?? true;

  const faults: FaultTable = { ...options.faults };
  const adminTokens = new Map<string, number>();
  const queueTokens = new Map<string, { sessionId: string; expiresAt: number }>();
  const sessions = new Map<string, Session>();
  const messages: QueuedMessage[] = [];
  const jobs = new Map<number, 'available' | 'acquired'>();
  const acquired: number[] = [];
  const waiters = new Set<() => void>();
  const held = new Set<() => void>();
  const requestListeners = new Set<(r: FakeBrokerRequest) => void>();
  const counts = Object.fromEntries(BROKER_CALL_NAMES.map((n) => [n, 0])) as Record<BrokerCallName, number>;
  let messageSeq = 0;
  let requestSeq = 1000;

  const issueQueueToken = (sessionId: string): string => {
    const token = `q-${randomUUID()}`;
    queueTokens.set(token, { sessionId, expiresAt: Date.now() + queueTtl });
    return token;
  };

  const sessionJson = (s: Session, base: string): unknown => ({
    sessionId: s.sessionId,
    ownerName: s.ownerName,
    messageQueueUrl: `${base}/sessions/${encodeURIComponent(s.sessionId)}/messages`,
    messageQueueAccessToken: s.queueToken,
    statistics: statistics(),
  });

  const statistics = (): Record<string, number> => {
    let available = 0;
    for (const state of jobs.values()) if (state === 'available') available++;
    return { totalAvailableJobs: available, totalAcquiredJobs: acquired.length };
  };

  const isLive = (s: Session): boolean => Date.now() - s.lastSeenAt < sessionExpiryMs;

  const bearer = (req: IncomingMessage): string => {
    const h = req.headers['authorization'] ?? '';
    return h.startsWith('Bearer ') ? h.slice(7) : '';
  };

  const adminOk = (req: IncomingMessage): boolean => {
    const expiresAt = adminTokens.get(bearer(req));
    return expiresAt !== undefined && expiresAt > Date.now();
  };

  /** The session a valid queue token belongs to, or null (→ 401). */
  const queueSession = (req: IncomingMessage): Session | null => {
    const entry = queueTokens.get(bearer(req));
    if (!entry || entry.expiresAt <= Date.now()) return null;
    const s = sessions.get(entry.sessionId);
    if (!s || s.queueToken !== bearer(req)) return null;
    s.lastSeenAt = Date.now();
    return s;
  };

  const nextMessage = (after: number): QueuedMessage | undefined => messages.find((m) => !m.deleted && m.messageId > after);

  const messageJson = (m: QueuedMessage): unknown => ({
    messageId: m.messageId,
    messageType: JOB_MESSAGES_TYPE,
    statistics: statistics(),
    body: JSON.stringify(m.requestIds.map((id) => ({ messageType: 'JobAvailable', runnerRequestId: id }))),
  });

  /** The protocol itself: what a healthy broker answers. */
  const produce = (name: BrokerCallName, params: string[], req: IncomingMessage, res: ServerResponse, body: string, base: string): Promise<Answer> => {
    switch (name) {
      case 'probe':
        return Promise.resolve(json(200, { ok: true }));
      case 'exchangeToken': {
        const token = `a-${randomUUID()}`;
        adminTokens.set(token, Date.now() + adminTtl);
        return Promise.resolve(json(200, { access_token: token, token_type: 'Bearer', expires_in: Number.isFinite(adminTtl) ? Math.floor(adminTtl / 1000) : 3600 }));
      }
      case 'createSession': {
        if (!adminOk(req)) return Promise.resolve(json(401, { message: 'admin token expired' }));
        const ownerName = readOwner(body);
        if (rejectDuplicateOwner) {
          for (const s of sessions.values()) {
            if (s.ownerName !== ownerName) continue;
            if (isLive(s)) return Promise.resolve(json(409, { message: `a session for ${ownerName} already exists` }));
            sessions.delete(s.sessionId);
          }
        }
        const sessionId = randomUUID();
        const s: Session = { sessionId, ownerName, queueToken: issueQueueToken(sessionId), lastSeenAt: Date.now() };
        sessions.set(sessionId, s);
        return Promise.resolve(json(200, sessionJson(s, base)));
      }
      case 'refreshSession': {
        if (!adminOk(req)) return Promise.resolve(json(401, { message: 'admin token expired' }));
        const s = sessions.get(params[0] ?? '');
        if (!s) return Promise.resolve(json(404, { message: 'no such session' }));
        s.queueToken = issueQueueToken(s.sessionId);
        s.lastSeenAt = Date.now();
        return Promise.resolve(json(200, sessionJson(s, base)));
      }
      case 'deleteSession': {
        if (!adminOk(req)) return Promise.resolve(json(401, { message: 'admin token expired' }));
        const existed = sessions.delete(params[0] ?? '');
        return Promise.resolve(existed ? { status: 204, body: '' } : json(404, { message: 'no such session' }));
      }
      case 'getMessage': {
        const s = queueSession(req);
        if (!s || s.sessionId !== params[0]) return Promise.resolve(json(401, { message: 'message queue token expired' }));
        const after = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('lastMessageId') ?? '0') || 0;
        const ready = nextMessage(after);
        if (ready) return Promise.resolve(json(200, messageJson(ready)));
        // Long poll: hold until a message arrives or the hold time passes.
        return new Promise<Answer>((resolve) => {
          const finish = (): void => {
            clearTimeout(timer);
            waiters.delete(wake);
            held.delete(finish);
            s.lastSeenAt = Date.now();
            const m = nextMessage(after);
            resolve(m ? json(200, messageJson(m)) : { status: 202, body: '' });
          };
          const wake = (): void => {
            if (nextMessage(after)) finish();
          };
          const timer = setTimeout(finish, holdMs);
          waiters.add(wake);
          held.add(finish);
          res.once('close', () => {
            clearTimeout(timer);
            waiters.delete(wake);
            held.delete(finish);
          });
        });
      }
      case 'deleteMessage': {
        const s = queueSession(req);
        if (!s || s.sessionId !== params[0]) return Promise.resolve(json(401, { message: 'message queue token expired' }));
        const m = messages.find((x) => x.messageId === Number(params[1]));
        if (!m) return Promise.resolve(json(404, { message: 'no such message' }));
        m.deleted = true;
        return Promise.resolve({ status: 204, body: '' });
      }
      case 'acquireJobs': {
        if (!queueSession(req)) return Promise.resolve(json(401, { message: 'message queue token expired' }));
        const ids = readRequestIds(body);
        const got = ids.filter((id) => jobs.get(id) === 'available');
        for (const id of got) {
          jobs.set(id, 'acquired');
          acquired.push(id);
        }
        return Promise.resolve(json(200, { count: got.length, value: got }));
      }
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse, base: string): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const r = route(req.method ?? 'GET', path);
      const rule = r ? faults[r.name] : undefined;
      if (r) counts[r.name]++;
      if (r && rule && rule.times !== undefined) {
        if (rule.times <= 1) delete faults[r.name];
        else faults[r.name] = { ...rule, times: rule.times - 1 };
      }
      const event: FakeBrokerRequest = { name: r?.name ?? 'unknown', method: req.method ?? 'GET', path, fault: rule?.kind ?? null, at: Date.now() };
      for (const listener of requestListeners) listener(event);
      if (!r) {
        writeAnswer(res, json(404, { message: `no route for ${req.method} ${path}` }));
        return;
      }
      const run = (): Promise<Answer> => produce(r.name, r.params, req, res, body, base);
      if (!rule) {
        void run().then((a) => writeAnswer(res, a));
        return;
      }
      applyFault(rule, req, res, run, (cleanup) => {
        held.add(cleanup);
        res.once('close', () => held.delete(cleanup));
      });
    });
  };

  let base = '';
  const server = createServer((req, res) => handle(req, res, base));
  // A long poll or a stall legitimately keeps a request open; the server must not time it out.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: base,
    port,
    setFault(name, rule) {
      if (rule) faults[name] = { ...rule };
      else delete faults[name];
    },
    clearFaults() {
      for (const name of BROKER_CALL_NAMES) delete faults[name];
    },
    faults: () => ({ ...faults }),
    enqueueJob(requestId) {
      const id = requestId ?? ++requestSeq;
      jobs.set(id, 'available');
      messages.push({ messageId: ++messageSeq, requestIds: [id], deleted: false });
      for (const wake of [...waiters]) wake();
      return id;
    },
    expireTokens(which = 'all') {
      if (which !== 'queue') adminTokens.clear();
      if (which !== 'admin') queueTokens.clear();
    },
    counts: () => ({ ...counts }),
    sessions: () => [...sessions.values()].filter(isLive).map((s) => ({ sessionId: s.sessionId, ownerName: s.ownerName })),
    acquiredJobs: () => [...acquired],
    onRequest(listener) {
      requestListeners.add(listener);
      return { dispose: () => requestListeners.delete(listener) };
    },
    async close() {
      for (const cleanup of [...held]) cleanup();
      held.clear();
      requestListeners.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function readOwner(body: string): string {
  try {
    const parsed = JSON.parse(body) as { ownerName?: unknown };
    return typeof parsed.ownerName === 'string' && parsed.ownerName ? parsed.ownerName : 'anonymous';
  } catch {
    return 'anonymous';
  }
}

function readRequestIds(body: string): number[] {
  try {
    const parsed = JSON.parse(body) as { requestIds?: unknown };
    return Array.isArray(parsed.requestIds) ? parsed.requestIds.filter((v): v is number => typeof v === 'number') : [];
  } catch {
    return [];
  }
}
