// One OTLP/HTTP export, retried as the specification asks — 429/502/503/504 and dropped
// connections again, after Retry-After when the server gives one, else after an exponential
// backoff with jitter — but never past the caller's deadline: a retry that would end after it
// is not made. Nothing here keeps the process alive past the deadline: every request is
// destroyed by then, and no connection is pooled.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { OtlpConfig } from './otlpConfig';
import { partialSuccess, statusMessage, type PartialSuccess } from './otlpResponse';

/** The specification's cap on a response the client reads. */
const RESPONSE_LIMIT = 4 * 1024 * 1024;
const RETRYABLE = new Set([429, 502, 503, 504]);

export interface SendClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: SendClock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export type SendResult = { ok: true; attempts: number; partial: PartialSuccess | null } | { ok: false; attempts: number; reason: string };

type Attempt = { kind: 'answer'; status: number; headers: IncomingMessage['headers']; body: Buffer } | { kind: 'error'; message: string; retryable: boolean };

function attempt(config: OtlpConfig, body: Buffer, contentType: string, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const request = config.url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const done = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const req = request(config.url, {
      method: 'POST',
      agent: false,
      headers: { ...config.headers, 'Content-Type': contentType, 'Content-Length': body.length },
    });
    const timer = setTimeout(() => {
      done({ kind: 'error', message: `no answer within ${timeoutMs} ms`, retryable: false });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ kind: 'error', message: err.code ?? err.message, retryable: true }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > RESPONSE_LIMIT) {
          done({ kind: 'error', message: `HTTP ${res.statusCode} with a response over ${RESPONSE_LIMIT} bytes`, retryable: false });
          req.destroy();
        } else chunks.push(c);
      });
      res.on('end', () => done({ kind: 'answer', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (err) => done({ kind: 'error', message: err.message, retryable: true }));
    });
    req.end(body);
  });
}

/** Retry-After as ms from now: delta-seconds or an HTTP-date; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now: number): number | null {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export async function sendWithRetry(
  config: OtlpConfig,
  body: Buffer,
  contentType: string,
  deadline: number,
  clock: SendClock = REAL_CLOCK,
): Promise<SendResult> {
  const json = contentType === 'application/json';
  for (let attempts = 1; ; attempts++) {
    const remaining = deadline - clock.now();
    if (remaining <= 0) return { ok: false, attempts: attempts - 1, reason: 'out of time' };
    const a = await attempt(config, body, contentType, remaining);
    let why: string;
    let delay: number | null = null;
    if (a.kind === 'answer') {
      if (a.status >= 200 && a.status < 300) return { ok: true, attempts, partial: partialSuccess(a.body, json) };
      const message = statusMessage(a.body, json);
      why = `HTTP ${a.status}${message ? ` (${message})` : ''}`;
      // Only the throttling and gateway codes are retried; 400 and every other code are final.
      if (!RETRYABLE.has(a.status)) return { ok: false, attempts, reason: why };
      delay = retryAfterMs(a.headers['retry-after'], clock.now());
      if (delay !== null) why += `, Retry-After ${Math.ceil(delay / 1000)} s`;
    } else {
      why = a.message;
      if (!a.retryable) return { ok: false, attempts, reason: why };
    }
    // Exponential backoff with jitter where the server named no time: 100 ms, 200 ms, 400 ms…
    const wait = delay ?? Math.round(100 * 2 ** (attempts - 1) * (0.5 + Math.random() / 2));
    if (clock.now() + wait >= deadline) return { ok: false, attempts, reason: `${why}; no retry within the export bound` };
    await clock.sleep(wait);
  }
}
