// What the call tracker reads from node:http's ClientRequest objects, as Node's diagnostics
// channels hand them out (Node 20, 22, 24). Every field is checked at read time: the object is
// the user's, not ours. Read only when a call is shown, aborted or swept, never per request.

import type { ExternalClient } from '../listener/externalClient';

/** The parts of a ClientRequest (and of its IncomingMessage) the tracker reads. */
export interface ClientRequestLike {
  method?: unknown;
  protocol?: unknown;
  host?: unknown;
  path?: unknown;
  socketPath?: unknown;
  destroyed?: unknown;
  socket?: { remotePort?: unknown } | null;
  res?: { complete?: unknown; destroyed?: unknown } | null;
  getHeader?: unknown;
  listenerCount?: unknown;
  destroy?: unknown;
}

/** A header the caller set (or Node set for it), or undefined; never throws. */
export function requestHeader(request: ClientRequestLike, name: string): unknown {
  return typeof request.getHeader === 'function' ? (request.getHeader as (n: string) => unknown).call(request, name) : undefined;
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/**
 * `protocol//host[:port]`. ClientRequest does not keep the port it connects to: Node writes it
 * into the Host header (`host:port`, port left out when it is the protocol's default), so it
 * is read from there when the header names the same host, and from the connected socket when
 * the caller set a Host header of its own (a virtual host against 127.0.0.1).
 */
export function originOfClientRequest(request: ClientRequestLike): string {
  const protocol = typeof request.protocol === 'string' ? request.protocol : 'http:';
  if (typeof request.socketPath === 'string' && request.socketPath !== '')
    return `${protocol.replace(/:$/, '')}+unix://${encodeURIComponent(request.socketPath)}`;
  const host = typeof request.host === 'string' ? request.host : 'localhost';
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  let port: number | null = null;
  const header = requestHeader(request, 'host');
  if (typeof header === 'string') {
    const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(header);
    if (m && (m[1] === shownHost || m[1] === host)) port = m[2] ? Number(m[2]) : defaultPort(protocol);
  }
  if (port === null) {
    const remote = request.socket?.remotePort;
    port = typeof remote === 'number' ? remote : defaultPort(protocol);
  }
  return port === defaultPort(protocol) ? `${protocol}//${shownHost}` : `${protocol}//${shownHost}:${port}`;
}

/** What a caller sees when a call is broken: Node's own shape of an abort (name AbortError, code ABORT_ERR). */
export function abortError(reason: string): Error {
  return Object.assign(new Error(reason), { name: 'AbortError', code: 'ABORT_ERR' });
}

export const NODE_HTTP_CLIENT: ExternalClient = {
  source: 'node:http',
  originOf(request) {
    const path = (request as ClientRequestLike).path;
    // Through a plain HTTP proxy the path is the whole target URL.
    if (typeof path === 'string' && /^https?:\/\//i.test(path)) return '';
    return originOfClientRequest(request as ClientRequestLike);
  },
  pathOf: (request) => (request as ClientRequestLike).path,
  abortFor(request) {
    const req = request as ClientRequestLike;
    if (typeof req.destroy !== 'function' || req.destroyed === true) return undefined;
    return (reason) => {
      // Destroying with an error emits it as the request's 'error'. With nobody listening that
      // is an uncaught exception: the whole process would die, not just the call. Refuse.
      const listening = typeof req.listenerCount === 'function' ? (req.listenerCount as (e: string) => number).call(req, 'error') : 0;
      if (listening === 0) {
        throw new Error(
          `nobody handles 'error' on this request, so aborting it would crash pid ${process.pid} with an uncaught exception; stop the process instead`,
        );
      }
      (req.destroy as (err: Error) => void).call(req, abortError(reason));
    };
  },
  isSettled(request) {
    const req = request as ClientRequestLike;
    const res = req.res;
    // A body that arrived whole is answered, read or not; before a response only destroy settles it.
    if (res && typeof res === 'object') return res.complete === true || res.destroyed === true;
    return req.destroyed === true;
  },
};
