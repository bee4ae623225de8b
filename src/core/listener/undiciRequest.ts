// What the call tracker reads from undici's internal Request objects, as the diagnostics
// channels hand them out. Only fields both undici 6 (Node's bundled fetch) and undici 7 (npm)
// have, each checked at read time: the object is undici's, not ours, and may change shape.

import type { ExternalClient } from './externalClient';

/** The parts of undici's internal Request the tracker reads. */
export interface UndiciRequestLike {
  origin?: unknown;
  method?: unknown;
  path?: unknown;
  headers?: unknown;
  completed?: unknown;
  aborted?: unknown;
  abort?: unknown;
}

/** The `request` of a channel message, if it is an object. */
export function requestOf(message: unknown): (UndiciRequestLike & object) | undefined {
  const request = (message as { request?: unknown } | null)?.request;
  return typeof request === 'object' && request !== null ? (request as UndiciRequestLike) : undefined;
}

/** undici marks a request completed or aborted once it is settled. */
export function isSettled(request: UndiciRequestLike): boolean {
  return request.completed === true || request.aborted === true;
}

/**
 * How to abort the request, read at the moment of use: undici only assigns `request.abort`
 * once the request has a connection.
 */
export function abortFor(request: UndiciRequestLike): ((reason: string) => void) | undefined {
  const abort = request.abort;
  if (typeof abort !== 'function') return undefined;
  return (reason) => {
    (abort as (err: Error) => void).call(request, new Error(reason));
  };
}

export function methodOf(request: UndiciRequestLike): string {
  return typeof request.method === 'string' ? request.method : 'GET';
}

/** Queries may carry tokens: never shown. */
export function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** origin + path, query stripped. */
export function displayUrl(origin: unknown, path: unknown): string {
  const o = typeof origin === 'string' ? origin : String(origin ?? '');
  return stripQuery(o + (typeof path === 'string' ? path : ''));
}

/** undici 7 keeps headers as a flat [k, v, k, v] array; undici 6 as a raw "k: v\r\n" string. */
export function headerValue(headers: unknown, wanted: string): string | null {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const key: unknown = headers[i];
      // Cheap length test first: this runs for every request in the process.
      if (typeof key === 'string' ? key.length === wanted.length && (key === wanted || key.toLowerCase() === wanted) : String(key).toLowerCase() === wanted) {
        return String(headers[i + 1]);
      }
    }
    return null;
  }
  // Most requests do not carry the header: one allocation-free search settles those.
  if (typeof headers === 'string' && headers.length >= wanted.length && containsIgnoringCase(headers, wanted)) {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1).trim();
    }
  }
  return null;
}

const searchers = new Map<string, RegExp>();

function containsIgnoringCase(text: string, wanted: string): boolean {
  let re = searchers.get(wanted);
  if (!re) {
    re = new RegExp(wanted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
    searchers.set(wanted, re);
  }
  return re.test(text);
}

/** The tracker's adapter for undici's requests (global fetch and the npm undici alike). */
export const UNDICI_CLIENT: ExternalClient = {
  source: 'undici',
  originOf: (request) => (request as UndiciRequestLike).origin,
  pathOf: (request) => (request as UndiciRequestLike).path,
  abortFor: (request) => abortFor(request as UndiciRequestLike),
  isSettled: (request) => isSettled(request as UndiciRequestLike),
};
