// Pure parsers for broker responses. A 200 whose body is truncated or the wrong shape must
// become a retriable MalformedResponseError, never a crash deep inside the loop, so every
// field the loop relies on is checked here, at the edge.

import { MalformedResponseError } from './errors';

/** runner-registration's answer: where the Actions service is, and an admin token for it. */
export interface ActionsServiceConnection {
  url: string;
  token: string;
}

export interface BrokerSession {
  sessionId: string;
  ownerName: string;
  /** The scale set the session belongs to, when the service says (`runnerScaleSet`). */
  runnerScaleSet: { id: number; name: string } | null;
  messageQueueUrl: string;
  messageQueueAccessToken: string;
  statistics: Record<string, number>;
}

export type JobMessageType = 'JobAvailable' | 'JobAssigned' | 'JobStarted' | 'JobCompleted';

/**
 * One job message of a batch, with the service's own field names (`runnerRequestId`,
 * `repositoryName`, `jobDisplayName`, `acquireJobUrl`, …). `messageType` and `runnerRequestId`
 * are checked; the rest is kept as sent, for whoever renders it.
 */
export interface JobMessage {
  messageType: JobMessageType | string;
  runnerRequestId: number;
  [field: string]: unknown;
}

export interface BrokerMessage {
  messageId: number;
  messageType: string;
  statistics: Record<string, number>;
  jobs: JobMessage[];
}

/** Scale-set message batches carry this type; anything else is a protocol error. */
export const JOB_MESSAGES_TYPE = 'RunnerScaleSetJobMessages';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function parseJson(call: string, text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new MalformedResponseError(call, `not JSON (${(err as Error).message}; ${text.length} bytes)`);
  }
}

function asObject(call: string, value: Json, what: string): { [key: string]: Json } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedResponseError(call, `${what} is not an object`);
  }
  return value;
}

function str(call: string, obj: { [key: string]: Json }, key: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || v === '') throw new MalformedResponseError(call, `missing string "${key}"`);
  return v;
}

function int(call: string, obj: { [key: string]: Json }, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new MalformedResponseError(call, `missing integer "${key}"`);
  return v;
}

function stats(value: Json | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'number') out[k] = v;
  }
  return out;
}

function httpUrlField(call: string, obj: { [key: string]: Json }, key: string): string {
  const value = str(call, obj, key);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MalformedResponseError(call, `${key} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MalformedResponseError(call, `${key} is not an http(s) URL`);
  return value;
}

/** `{ url, token }` from POST …/actions/runner-registration. */
export function parseRegistration(text: string): ActionsServiceConnection {
  const call = 'exchangeToken';
  const obj = asObject(call, parseJson(call, text), 'runner-registration response');
  return { url: httpUrlField(call, obj, 'url'), token: str(call, obj, 'token') };
}

/**
 * When an admin token expires (epoch ms), read from its JWT `exp` claim without verifying it
 * (as the reference does); null when it is not a JWT or has no `exp`.
 */
export function adminTokenExpiresAt(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

export function parseSession(text: string, call = 'createSession'): BrokerSession {
  const obj = asObject(call, parseJson(call, text), 'session');
  const messageQueueUrl = httpUrlField(call, obj, 'messageQueueUrl');
  const scaleSet = obj['runnerScaleSet'];
  let runnerScaleSet: BrokerSession['runnerScaleSet'] = null;
  if (typeof scaleSet === 'object' && scaleSet !== null && !Array.isArray(scaleSet) && typeof scaleSet['id'] === 'number') {
    runnerScaleSet = { id: scaleSet['id'], name: typeof scaleSet['name'] === 'string' ? scaleSet['name'] : '' };
  }
  return {
    sessionId: str(call, obj, 'sessionId'),
    ownerName: typeof obj['ownerName'] === 'string' ? obj['ownerName'] : '',
    runnerScaleSet,
    messageQueueUrl,
    messageQueueAccessToken: str(call, obj, 'messageQueueAccessToken'),
    statistics: stats(obj['statistics']),
  };
}

/**
 * A message's `body` is itself a JSON string holding a batch of job messages, as in the
 * scale-set protocol; unknown job message types are kept (and ignored by the loop) so a newer
 * broker does not break an older listener.
 */
export function parseMessage(text: string): BrokerMessage {
  const call = 'getMessage';
  const obj = asObject(call, parseJson(call, text), 'message');
  const messageId = int(call, obj, 'messageId');
  const messageType = str(call, obj, 'messageType');
  if (messageType !== JOB_MESSAGES_TYPE) throw new MalformedResponseError(call, `unexpected messageType "${messageType}"`);
  const body = obj['body'];
  let jobs: JobMessage[] = [];
  if (typeof body === 'string' && body !== '') {
    const batch = parseJson(call, body);
    if (!Array.isArray(batch)) throw new MalformedResponseError(call, 'body is not a JSON array');
    jobs = batch.map((item, i) => {
      const job = asObject(call, item, `body[${i}]`);
      return { ...job, messageType: str(call, job, 'messageType'), runnerRequestId: int(call, job, 'runnerRequestId') };
    });
  } else if (body !== undefined && body !== null && body !== '') {
    throw new MalformedResponseError(call, 'body is not a string');
  }
  return { messageId, messageType, statistics: stats(obj['statistics']), jobs };
}

export function parseAcquiredJobs(text: string): number[] {
  const call = 'acquireJobs';
  const obj = asObject(call, parseJson(call, text), 'acquire response');
  const value = obj['value'];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) {
    throw new MalformedResponseError(call, '"value" is not an array of integers');
  }
  return value as number[];
}

/** The request ids the listener should try to acquire from a message. */
export function availableJobIds(message: BrokerMessage): number[] {
  return message.jobs.filter((j) => j.messageType === 'JobAvailable').map((j) => j.runnerRequestId);
}
