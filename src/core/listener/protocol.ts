// The broker protocol client, modelled on the runner-scale-set listener's client:
//   POST   {broker}/oauth/token                       token exchange (admin token)
//   POST   {broker}/sessions                           create message session (409 = exists)
//   PATCH  {broker}/sessions/{id}                      refresh session (new queue token)
//   DELETE {broker}/sessions/{id}                      delete session
//   GET    {messageQueueUrl}?lastMessageId=N           long poll; 200 = message, 202 = none
//   DELETE {messageQueueUrl}/{messageId}               acknowledge
//   POST   {broker}/acquirejobs                        acquire job request ids
// Two 401 rules, as in the reference: a 401 on a message-queue call means the queue token
// expired, so refresh the session once and retry once; a 401 on an admin call means the admin
// token expired, so exchange it once and retry once. A second 401 is an error.

import type { Dispatcher } from 'undici';
import { boundedCall, type CallResponse } from './call';
import { BrokerHttpError } from './errors';
import {
  parseAccessToken,
  parseAcquiredJobs,
  parseMessage,
  parseSession,
  type BrokerMessage,
  type BrokerSession,
} from './messages';
import type { CallTracker } from './tracker';
import type { BrokerCallName, NowFn } from './types';

export interface BrokerClientOptions {
  brokerUrl: string;
  clientId: string;
  controlPlaneTimeoutMs: number;
  longPollTimeoutMs: number;
  dispatcher: Dispatcher;
  tracker?: CallTracker | undefined;
  now?: NowFn;
}

interface Request {
  name: BrokerCallName;
  method: Dispatcher.HttpMethod;
  url: string;
  token?: string;
  json?: unknown;
  /** Overrides the default deadline (long poll, stop-time delete). */
  timeoutMs?: number;
}

export class BrokerClient {
  private readonly base: URL;
  private adminToken: string | null = null;
  private current: BrokerSession | null = null;

  constructor(private readonly options: BrokerClientOptions) {
    this.base = new URL(options.brokerUrl.endsWith('/') ? options.brokerUrl : `${options.brokerUrl}/`);
  }

  get session(): BrokerSession | null {
    return this.current;
  }

  /** Forgets the session without telling the broker (used when deletion itself failed). */
  forgetSession(): void {
    this.current = null;
  }

  async exchangeToken(signal: AbortSignal): Promise<void> {
    const res = await this.send(
      { name: 'exchangeToken', method: 'POST', url: this.at('oauth/token'), json: { grant_type: 'client_credentials', client_id: this.options.clientId } },
      signal,
    );
    this.adminToken = parseAccessToken(expectOk('exchangeToken', res)).accessToken;
  }

  /** One attempt; a 409 surfaces as BrokerHttpError so the loop can apply its retry bound. */
  async createSession(ownerName: string, signal: AbortSignal): Promise<BrokerSession> {
    const res = await this.admin({ name: 'createSession', method: 'POST', url: this.at('sessions'), json: { ownerName } }, signal);
    this.current = parseSession(expectOk('createSession', res));
    return this.current;
  }

  async refreshSession(signal: AbortSignal): Promise<BrokerSession> {
    const session = this.requireSession();
    const res = await this.admin({ name: 'refreshSession', method: 'PATCH', url: this.at(`sessions/${encodeURIComponent(session.sessionId)}`) }, signal);
    this.current = parseSession(expectOk('refreshSession', res), 'refreshSession');
    return this.current;
  }

  async deleteSession(signal: AbortSignal, timeoutMs?: number): Promise<void> {
    const session = this.current;
    if (!session) return;
    const res = await this.admin(
      { name: 'deleteSession', method: 'DELETE', url: this.at(`sessions/${encodeURIComponent(session.sessionId)}`), ...(timeoutMs ? { timeoutMs } : {}) },
      signal,
    );
    // 404: already gone (expired on the broker side) — the goal is reached either way.
    if (res.status !== 404) expectOk('deleteSession', res);
    this.current = null;
  }

  /** null when the broker had no message for us (202). */
  async getMessage(lastMessageId: number, signal: AbortSignal): Promise<BrokerMessage | null> {
    const res = await this.queue((s) => {
      const url = new URL(s.messageQueueUrl);
      url.searchParams.set('lastMessageId', String(lastMessageId));
      return { name: 'getMessage', method: 'GET', url: url.toString(), token: s.messageQueueAccessToken, timeoutMs: this.options.longPollTimeoutMs };
    }, signal);
    if (res.status === 202) return null;
    return parseMessage(expectOk('getMessage', res));
  }

  async deleteMessage(messageId: number, signal: AbortSignal): Promise<void> {
    const res = await this.queue(
      (s) => ({ name: 'deleteMessage', method: 'DELETE', url: `${s.messageQueueUrl.replace(/\/$/, '')}/${messageId}`, token: s.messageQueueAccessToken }),
      signal,
    );
    if (res.status !== 404) expectOk('deleteMessage', res);
  }

  async acquireJobs(requestIds: number[], signal: AbortSignal): Promise<number[]> {
    const res = await this.queue(
      (s) => ({ name: 'acquireJobs', method: 'POST', url: this.at('acquirejobs'), token: s.messageQueueAccessToken, json: { requestIds } }),
      signal,
    );
    return parseAcquiredJobs(expectOk('acquireJobs', res));
  }

  private at(path: string): string {
    return new URL(path, this.base).toString();
  }

  private requireSession(): BrokerSession {
    if (!this.current) throw new Error('no broker session');
    return this.current;
  }

  /** Admin call: exchanges a token first if needed, and once more on a 401. */
  private async admin(req: Omit<Request, 'token'>, signal: AbortSignal): Promise<CallResponse> {
    if (!this.adminToken) await this.exchangeToken(signal);
    const first = await this.send({ ...req, token: this.adminToken ?? '' }, signal);
    if (first.status !== 401) return first;
    await this.exchangeToken(signal);
    return this.send({ ...req, token: this.adminToken ?? '' }, signal);
  }

  /** Message-queue call: on a 401 the queue token expired; refresh the session once. */
  private async queue(build: (s: BrokerSession) => Request, signal: AbortSignal): Promise<CallResponse> {
    const first = await this.send(build(this.requireSession()), signal);
    if (first.status !== 401) return first;
    await this.refreshSession(signal);
    return this.send(build(this.requireSession()), signal);
  }

  private send(req: Request, signal: AbortSignal): Promise<CallResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.token) headers['authorization'] = `Bearer ${req.token}`;
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
        signal,
      },
      { dispatcher: this.options.dispatcher, tracker: this.options.tracker, ...(this.options.now ? { now: this.options.now } : {}) },
    );
  }
}

function expectOk(name: string, res: CallResponse): string {
  if (res.status < 200 || res.status >= 300) throw new BrokerHttpError(name, res.status, res.text);
  return res.text;
}
