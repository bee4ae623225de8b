// Which handler has a stalled call: the request in flight on a node:http server of a process
// (its snapshot's serverRequests) that a call's URL reaches. For a call to an app in the same
// process (supertest) this is what a person needs: not "pid 123 does not answer" — that is the
// test process itself — but which of its handlers has not answered.

import type { BridgeSnapshot, ObservedServerRequest } from '../../bridge/types';

/**
 * The server request of `snapshot` serving `call`: same port (a port names one server of a
 * process), same method, same path (queries stripped on both sides). Null when the snapshot
 * publishes no server requests, or none matches.
 */
export function serverRequestFor(call: { method: string; url: string }, snapshot: BridgeSnapshot | null | undefined): ObservedServerRequest | null {
  const requests = snapshot?.serverRequests;
  if (!requests || requests.length === 0) return null;
  let url: URL;
  try {
    url = new URL(call.url);
  } catch {
    return null;
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return requests.find((r) => r.server !== null && r.server.port === port && r.method === call.method && r.path === url.pathname) ?? null;
}

/** `handler hangsForever (route /users/:id)`, for a problem's message. */
export function describeHandler(request: ObservedServerRequest): string {
  const name = request.handler ? `handler ${request.handler}` : `the handler of ${request.method} ${request.path}`;
  const route = request.route && request.route !== request.path ? ` (route ${request.route})` : '';
  const phase = request.phase === 'sending-body' ? ' has sent headers but not ended its body' : ' has not answered';
  return `${name}${route}${phase}`;
}
