// The runner-scale-set protocol client, as GitHub's actions/scaleset client speaks it (URLs in
// endpoints.ts):
//   exchangeToken   POST   {GitHub API}/actions/runner-registration (RemoteAuth <registration token>)
//                          → { url: actionsServiceUrl, token: admin JWT }   (registration mode only)
//   createSession   POST   …/runnerscalesets/{id}/sessions            200 (409 = owner has one)
//   refreshSession  PATCH  …/sessions/{sessionId}                     200, new queue token
//   deleteSession   DELETE …/sessions/{sessionId}                     204
//   getMessage      GET    {messageQueueUrl}[?lastMessageId=N]         200 message, 202 none
//                          Accept: application/json; api-version=6.0-preview, X-ScaleSetMaxCapacity
//   deleteMessage   DELETE {messageQueueUrl}/{messageId}               204
//   acquireJobs     POST   …/runnerscalesets/{id}/acquirejobs          [ids] → { count, value }
// Admin calls carry the admin token; queue calls (and acquireJobs) the session's queue token.
// Two 401 rules, as in the reference: a 401 on a queue call means the queue token expired, so
// refresh the session once and retry once; a 401 on an admin call means the admin token
// expired, so (registration mode) exchange it once and retry once. A second 401 is an error.

import type { Dispatcher } from 'undici';
import { boundedCall, type CallResponse } from './call';
import { MAX_CAPACITY_HEADER, messageUrl, pollUrl, QUEUE_ACCEPT, scaleSetUrl, type ListenerTarget } from './endpoints';
import { BrokerHttpError } from './errors';
import { adminTokenExpiresAt, parseAcquiredJobs, parseMessage, parseRegistration, parseSession, type BrokerMessage, type BrokerSession } from './messages';
import { parseRetryAfter } from './retryAfter';
import type { CallTracker } from './tracker';
import type { BrokerCallName, NowFn } from './types';

/** Refresh an admin token this long before its `exp`, as the reference does. */
const ADMIN_TOKEN_MARGIN_MS = 60_000;

export interface BrokerClientOptions {
  target: ListenerTarget;
  /** Sent as X-ScaleSetMaxCapacity on every GetMessage. */
  maxRunners: number;
  controlPlaneTimeoutMs: number;
  longPollTimeoutMs: number;
  maxResponseBytes?: number | undefined;
  dispatcher: Dispatcher;
  tracker?: CallTracker | undefined;
  now?: NowFn;
}

interface Request {
  name: BrokerCallName;
  method: Dispatcher.HttpMethod;
  url: string;
  authorization?: string;
  json?: unknown;
  headers?: Record<string, string>;
  /** Overrides the default deadline (long poll, stop-time delete). */
  timeoutMs?: number;
}

export class BrokerClient {
  private adminToken: string | null = null;
  private adminTokenExpiresAt: number | null = null;
  private serviceUrl: string | null;
  private current: BrokerSession | null = null;

  constructor(private readonly options: BrokerClientOptions) {
    const t = options.target;
    this.serviceUrl = t.kind === 'token' ? t.actionsServiceUrl : null;
    if (t.kind === 'token') this.adminToken = t.token;
  }

  get session(): BrokerSession | null {
    return this.current;
  }

  /** The Actions service URL: given, or learnt from runner-registration (null until then). */
  get actionsServiceUrl(): string | null {
    return this.serviceUrl;
  }

  /** Forgets the session without telling the broker (used when deletion itself failed). */
  forgetSession(): void {
    this.current = null;
  }

  /** Registration mode: trade the registration token for the service URL and an admin token. */
  async exchangeToken(signal: AbortSignal): Promise<void> {
    const t = this.options.target;
    if (t.kind !== 'registration') return;
    const res = await this.send(
      {
        name: 'exchangeToken',
        method: 'POST',
        url: t.registrationUrl,
        authorization: `RemoteAuth ${t.registrationToken}`,
        json: { url: t.githubConfigUrl, runner_event: 'register' },
      },
      signal,
    );
    const connection = parseRegistration(expectOk('exchangeToken', res, this.now()));
    this.serviceUrl = connection.url;
    this.adminToken = connection.token;
    this.adminTokenExpiresAt = adminTokenExpiresAt(connection.token);
  }

  /** One attempt; a 409 surfaces as BrokerHttpError so the loop can apply its retry bound. */
  async createSession(ownerName: string, signal: AbortSignal): Promise<BrokerSession> {
    const res = await this.admin((base) => ({ name: 'createSession', method: 'POST', url: this.scaleSet(base, 'sessions'), json: { ownerName } }), signal);
    this.current = parseSession(expectOk('createSession', res, this.now()));
    return this.current;
  }

  async refreshSession(signal: AbortSignal): Promise<BrokerSession> {
    const session = this.requireSession();
    const res = await this.admin(
      (base) => ({ name: 'refreshSession', method: 'PATCH', url: this.scaleSet(base, `sessions/${encodeURIComponent(session.sessionId)}`) }),
      signal,
    );
    this.current = parseSession(expectOk('refreshSession', res, this.now()), 'refreshSession');
    return this.current;
  }

  async deleteSession(signal: AbortSignal, timeoutMs?: number): Promise<void> {
    const session = this.current;
    if (!session) return;
    const res = await this.admin(
      (base) => ({
        name: 'deleteSession',
        method: 'DELETE',
        url: this.scaleSet(base, `sessions/${encodeURIComponent(session.sessionId)}`),
        ...(timeoutMs ? { timeoutMs } : {}),
      }),
      signal,
    );
    // 404: already gone (expired on the broker side) — the goal is reached either way.
    if (res.status !== 404) expectOk('deleteSession', res, this.now());
    this.current = null;
  }

  /** null when the broker had no message for us (202). */
  async getMessage(lastMessageId: number, signal: AbortSignal): Promise<BrokerMessage | null> {
    const res = await this.queue(
      (s) => ({
        name: 'getMessage',
        method: 'GET',
        url: pollUrl(s.messageQueueUrl, lastMessageId),
        authorization: `Bearer ${s.messageQueueAccessToken}`,
        headers: { accept: QUEUE_ACCEPT, [MAX_CAPACITY_HEADER]: String(this.options.maxRunners) },
        timeoutMs: this.options.longPollTimeoutMs,
      }),
      signal,
    );
    if (res.status === 202) return null;
    return parseMessage(expectOk('getMessage', res, this.now()));
  }

  async deleteMessage(messageId: number, signal: AbortSignal): Promise<void> {
    const res = await this.queue(
      (s) => ({ name: 'deleteMessage', method: 'DELETE', url: messageUrl(s.messageQueueUrl, messageId), authorization: `Bearer ${s.messageQueueAccessToken}` }),
      signal,
    );
    if (res.status !== 404) expectOk('deleteMessage', res, this.now());
  }

  /** POST the request ids as a JSON array with the *queue* token; resolves with those acquired. */
  async acquireJobs(requestIds: number[], signal: AbortSignal): Promise<number[]> {
    const res = await this.queue(
      (s) => ({
        name: 'acquireJobs',
        method: 'POST',
        url: this.scaleSet(this.requireServiceUrl(), 'acquirejobs'),
        authorization: `Bearer ${s.messageQueueAccessToken}`,
        json: requestIds,
      }),
      signal,
    );
    return parseAcquiredJobs(expectOk('acquireJobs', res, this.now()));
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private scaleSet(base: string, rest: string): string {
    return scaleSetUrl(base, this.options.target.scaleSetId, rest);
  }

  private requireServiceUrl(): string {
    if (!this.serviceUrl) throw new Error('no Actions service URL yet');
    return this.serviceUrl;
  }

  private requireSession(): BrokerSession {
    if (!this.current) throw new Error('no broker session');
    return this.current;
  }

  private adminTokenStale(): boolean {
    if (!this.adminToken) return true;
    return this.adminTokenExpiresAt !== null && this.adminTokenExpiresAt - ADMIN_TOKEN_MARGIN_MS <= this.now();
  }

  /** Admin call: exchanges a token first if needed (or about to expire), and once more on a 401. */
  private async admin(build: (serviceUrl: string) => Omit<Request, 'authorization'>, signal: AbortSignal): Promise<CallResponse> {
    const registration = this.options.target.kind === 'registration';
    if (registration && this.adminTokenStale()) await this.exchangeToken(signal);
    const first = await this.send({ ...build(this.requireServiceUrl()), authorization: `Bearer ${this.adminToken ?? ''}` }, signal);
    // A given admin token cannot be renewed here: its 401 is the caller's error to see.
    if (first.status !== 401 || !registration) return first;
    await this.exchangeToken(signal);
    return this.send({ ...build(this.requireServiceUrl()), authorization: `Bearer ${this.adminToken ?? ''}` }, signal);
  }

  /** Message-queue call: on a 401 the queue token expired; refresh the session once. */
  private async queue(build: (s: BrokerSession) => Request, signal: AbortSignal): Promise<CallResponse> {
    const first = await this.send(build(this.requireSession()), signal);
    if (first.status !== 401) return first;
    await this.refreshSession(signal);
    return this.send(build(this.requireSession()), signal);
  }

  private send(req: Request, signal: AbortSignal): Promise<CallResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (req.authorization) headers['authorization'] = req.authorization;
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    }
    return boundedCall(
      {
        name: req.name,
        kind: req.name === 'getMessage' ? 'long-poll' : 'control-plane',
        method: req.method,
        url: req.url,
        headers,
        ...(body !== undefined ? { body } : {}),
        timeoutMs: req.timeoutMs ?? this.options.controlPlaneTimeoutMs,
        ...(this.options.maxResponseBytes !== undefined ? { maxResponseBytes: this.options.maxResponseBytes } : {}),
        signal,
      },
      { dispatcher: this.options.dispatcher, tracker: this.options.tracker, ...(this.options.now ? { now: this.options.now } : {}) },
    );
  }
}

function expectOk(name: string, res: CallResponse, now: number): string {
  if (res.status < 200 || res.status >= 300) throw new BrokerHttpError(name, res.status, res.text, parseRetryAfter(res.retryAfter, now));
  return res.text;
}
