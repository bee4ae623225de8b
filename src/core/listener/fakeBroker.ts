// A real HTTP broker speaking the runner-scale-set protocol as GitHub's service does (paths,
// api-version, headers, status codes and JSON field names: see protocol.ts and fakeRoutes.ts),
// with a job queue and per-call faults that can be set at start and changed at runtime. Tests
// use it to force every failure mode; the demo uses it to show a stalled call ("stall job
// acquisition"). Requests that do not speak the protocol (no api-version, no max-capacity
// header, a body of the wrong shape) get a 400 naming what is missing.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_VERSION, FAKE_CONFIG_PATH, MAX_CAPACITY_HEADER } from './endpoints';
import { applyFault, writeAnswer, type Answer, type FaultRule, type FaultTable } from './fakeFaults';
import { FAKE_QUEUE_PATH, FAKE_TENANT_PATH, route, type Route } from './fakeRoutes';
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
  /** The runner scale set this broker serves (default 1); other ids get a 404. */
  scaleSetId?: number;
  /**
   * The registration token runner-registration accepts. Default: any non-empty one, as
   * GitHub's own test server in actions/scaleset does (so `brokerUrl` alone reaches it).
   */
  registrationToken?: string;
}

export interface FakeBrokerRequest {
  name: BrokerCallName | 'unknown';
  method: string;
  path: string;
  /** Path and query as sent. */
  url: string;
  /** Request headers, lower-cased names (a test fake: its tokens are fake too). */
  headers: Record<string, string>;
  body: string;
  fault: FaultRule['kind'] | null;
  at: number;
}

export interface FakeBroker {
  /** The origin; also what the listener's `brokerUrl` shorthand takes. */
  readonly url: string;
  readonly port: number;
  /** What runner-registration hands out: `{url}/tenant/flake-doctor/`. */
  readonly actionsServiceUrl: string;
  /** A GitHub config URL on this origin (its runner-registration is `{url}/api/v3/…`). */
  readonly githubConfigUrl: string;
  readonly scaleSetId: number;
  /** A fresh admin token, for listeners given `{ actionsServiceUrl, scaleSetId, token }`. */
  issueAdminToken(): string;
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

const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });

/** An unsigned JWT-shaped token whose `exp` the listener reads, as it reads the service's. */
function adminJwt(expiresAtMs: number): string {
  const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: 'flake-doctor-fake-broker', exp: Math.floor(expiresAtMs / 1000), jti: randomUUID() })}.fake`;
}

export async function startFakeBroker(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const host = options.host ?? '127.0.0.1';
  const holdMs = options.longPollHoldMs ?? 5_000;
  const adminTtl = options.adminTokenTtlMs ?? Infinity;
  const queueTtl = options.queueTokenTtlMs ?? Infinity;
  const sessionExpiryMs = options.sessionExpiryMs ?? 60_000;
  const rejectDuplicateOwner = options.rejectDuplicateOwner ?? true;
  const scaleSetId = options.scaleSetId ?? 1;
  if (!Number.isSafeInteger(scaleSetId) || scaleSetId <= 0) throw new TypeError(`scaleSetId must be a positive integer (got ${options.scaleSetId})`);

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
  let base = '';

  const issueAdminToken = (): string => {
    // An "infinite" TTL still gets a JWT exp (an hour on), refreshed by the listener before then.
    const exp = Date.now() + (Number.isFinite(adminTtl) ? adminTtl : 3_600_000);
    const token = adminJwt(exp);
    adminTokens.set(token, Number.isFinite(adminTtl) ? exp : Infinity);
    return token;
  };

  const issueQueueToken = (sessionId: string): string => {
    const token = `q-${randomUUID()}`;
    queueTokens.set(token, { sessionId, expiresAt: Date.now() + queueTtl });
    return token;
  };

  const statistics = (): Record<string, number> => {
    let available = 0;
    for (const state of jobs.values()) if (state === 'available') available++;
    return {
      totalAvailableJobs: available,
      totalAcquiredJobs: acquired.length,
      totalAssignedJobs: acquired.length,
      totalRunningJobs: 0,
      totalRegisteredRunners: 0,
      totalBusyRunners: 0,
      totalIdleRunners: 0,
    };
  };

  const sessionJson = (s: Session): unknown => ({
    sessionId: s.sessionId,
    ownerName: s.ownerName,
    runnerScaleSet: { id: scaleSetId, name: 'flake-doctor-fake' },
    messageQueueUrl: `${base}${FAKE_QUEUE_PATH}${encodeURIComponent(s.sessionId)}`,
    messageQueueAccessToken: s.queueToken,
    statistics: statistics(),
  });

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

  const jobJson = (requestId: number): unknown => {
    const at = new Date().toISOString();
    return {
      messageType: 'JobAvailable',
      runnerRequestId: requestId,
      acquireJobUrl: `${base}${FAKE_TENANT_PATH}_apis/runtime/runnerscalesets/${scaleSetId}/acquirejobs?api-version=${API_VERSION}`,
      repositoryName: 'flake-doctor-demo',
      ownerName: 'flake-doctor',
      jobId: randomUUID(),
      jobWorkflowRef: 'flake-doctor/flake-doctor-demo/.github/workflows/ci.yml@refs/heads/main',
      jobDisplayName: `job ${requestId}`,
      workflowRunId: requestId,
      eventName: 'push',
      requestLabels: ['flake-doctor-fake'],
      queueTime: at,
      scaleSetAssignTime: at,
      runnerAssignTime: '0001-01-01T00:00:00Z',
      finishTime: '0001-01-01T00:00:00Z',
    };
  };

  const messageJson = (m: QueuedMessage): unknown => ({
    messageId: m.messageId,
    messageType: JOB_MESSAGES_TYPE,
    body: JSON.stringify(m.requestIds.map(jobJson)),
    statistics: statistics(),
  });

  const badRequest = (message: string): Promise<Answer> => Promise.resolve(json(400, { typeName: 'InvalidRequestException', message }));

  /** What GitHub's service insists on before it looks at a call; null when the call is well formed. */
  const protocolError = (r: Route, req: IncomingMessage, url: URL): Promise<Answer> | null => {
    if (r.scaleSetId !== null) {
      if (url.searchParams.get('api-version') !== API_VERSION) return badRequest(`api-version=${API_VERSION} is required`);
      if (r.scaleSetId !== scaleSetId)
        return Promise.resolve(json(404, { typeName: 'RunnerScaleSetNotFoundException', message: `no runner scale set ${r.scaleSetId}` }));
    }
    if (r.name === 'getMessage') {
      if (!(req.headers['accept'] ?? '').includes(`api-version=${API_VERSION}`))
        return badRequest(`Accept: application/json; api-version=${API_VERSION} is required`);
      const capacity = req.headers[MAX_CAPACITY_HEADER.toLowerCase()];
      if (typeof capacity !== 'string' || !/^\d+$/.test(capacity)) return badRequest(`${MAX_CAPACITY_HEADER} must be a non-negative integer`);
    }
    return null;
  };

  /** The protocol itself: what a healthy broker answers. */
  const produce = (r: Route, req: IncomingMessage, res: ServerResponse, body: string, url: URL): Promise<Answer> => {
    const invalid = protocolError(r, req, url);
    if (invalid) return invalid;
    switch (r.name) {
      case 'probe':
        return Promise.resolve(json(200, { ok: true }));
      case 'exchangeToken': {
        const auth = req.headers['authorization'] ?? '';
        const offered = auth.startsWith('RemoteAuth ') ? auth.slice(11).trim() : '';
        if (!offered || (options.registrationToken !== undefined && offered !== options.registrationToken)) {
          return Promise.resolve(json(401, { message: 'a valid registration token is required (Authorization: RemoteAuth <token>)' }));
        }
        const registration = readJson(body) as { url?: unknown; runner_event?: unknown } | null;
        if (!registration || typeof registration.url !== 'string' || registration.runner_event !== 'register') {
          return badRequest('body must be { "url": <github config url>, "runner_event": "register" }');
        }
        return Promise.resolve(json(201, { url: `${base}${FAKE_TENANT_PATH}`, token: issueAdminToken() }));
      }
      case 'createSession': {
        if (!adminOk(req)) return Promise.resolve(json(401, { message: 'admin token expired' }));
        const ownerName = readOwner(body);
        if (rejectDuplicateOwner) {
          for (const s of sessions.values()) {
            if (s.ownerName !== ownerName) continue;
            if (isLive(s))
              return Promise.resolve(json(409, { typeName: 'TaskAgentSessionConflictException', message: `a session for ${ownerName} already exists` }));
            sessions.delete(s.sessionId);
          }
        }
        const sessionId = randomUUID();
        const s: Session = { sessionId, ownerName, queueToken: issueQueueToken(sessionId), lastSeenAt: Date.now() };
        sessions.set(sessionId, s);
        return Promise.resolve(json(200, sessionJson(s)));
      }
      case 'refreshSession': {
        if (!adminOk(req)) return Promise.resolve(json(401, { message: 'admin token expired' }));
        const s = sessions.get(r.sessionId ?? '');
        if (!s) return Promise.resolve(json(404, { message: 'no such session' }));
        s.queueToken = issueQueueToken(s.sessionId);
        s.lastSeenAt = Date.now();
        return Promise.resolve(json(200, sessionJson(s)));
      }
      case 'deleteSession': {
        if (!adminOk(req)) return Promise.resolve(json(401, { message: 'admin token expired' }));
        const existed = sessions.delete(r.sessionId ?? '');
        return Promise.resolve(existed ? { status: 204, body: '' } : json(404, { message: 'no such session' }));
      }
      case 'getMessage': {
        const s = queueSession(req);
        if (!s || s.sessionId !== r.sessionId) return Promise.resolve(json(401, { message: 'message queue token expired' }));
        const after = Number(url.searchParams.get('lastMessageId') ?? '0') || 0;
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
        if (!s || s.sessionId !== r.sessionId) return Promise.resolve(json(401, { message: 'message queue token expired' }));
        const m = messages.find((x) => x.messageId === r.messageId);
        if (!m) return Promise.resolve(json(404, { message: 'no such message' }));
        m.deleted = true;
        return Promise.resolve({ status: 204, body: '' });
      }
      case 'acquireJobs': {
        if (!queueSession(req)) return Promise.resolve(json(401, { message: 'message queue token expired' }));
        const ids = readJson(body);
        if (!Array.isArray(ids) || !ids.every((v) => Number.isSafeInteger(v))) return badRequest('body must be a JSON array of runner request ids');
        const got = (ids as number[]).filter((id) => jobs.get(id) === 'available');
        for (const id of got) {
          jobs.set(id, 'acquired');
          acquired.push(id);
        }
        return Promise.resolve(json(200, { count: got.length, value: got }));
      }
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      const r = route(req.method ?? 'GET', path);
      const rule = r ? faults[r.name] : undefined;
      if (r) counts[r.name]++;
      if (r && rule && rule.times !== undefined) {
        if (rule.times <= 1) delete faults[r.name];
        else faults[r.name] = { ...rule, times: rule.times - 1 };
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const event: FakeBrokerRequest = {
        name: r?.name ?? 'unknown',
        method: req.method ?? 'GET',
        path,
        url: req.url ?? '/',
        headers,
        body,
        fault: rule?.kind ?? null,
        at: Date.now(),
      };
      for (const listener of requestListeners) listener(event);
      if (!r) {
        writeAnswer(res, json(404, { message: `no route for ${req.method} ${path}` }));
        return;
      }
      const run = (): Promise<Answer> => produce(r, req, res, body, url);
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

  const server = createServer((req, res) => handle(req, res));
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
    actionsServiceUrl: `${base}${FAKE_TENANT_PATH}`,
    githubConfigUrl: `${base}${FAKE_CONFIG_PATH}`,
    scaleSetId,
    issueAdminToken,
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

function readJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
}
