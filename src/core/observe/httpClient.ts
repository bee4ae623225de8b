// Observer of node:http: client calls (axios, got, node-fetch 2, supertest, superagent,
// http.get — everything that is not undici) join the process's call tracker next to undici's,
// and requests in flight on this process's own node:http servers are published as
// serverRequests (httpServer.ts), so a call to an app in the same process names its handler.
//
// Node's diagnostics channels (all on Node 20.20, 22 and 24):
//  - http.client.request.start: the caller called end(); the call starts here;
//  - http.client.response.finish: the headers arrived (despite the name). The body is followed
//    through the response's own 'end' and 'close' events — never 'data' (it would switch the
//    stream to flowing) and never 'error' (it would swallow the caller's crash);
//  - http.client.request.error: destroy, abort, ECONNREFUSED, ECONNRESET, before or after the
//    headers.
// A request never answered publishes nothing after start: the tracker's stall timer ages it.
// While nobody watches the tracker, a call is only remembered (see listener/tracker.ts): the
// headers and error events find no entry and return, and no response gets listeners. If the
// call is still in flight when someone looks, the tracker adopts it and this observer catches
// up from the request itself (its response, if one came) and follows the body from there.
// A WebSocket (or any) upgrade request is left to the WebSockets observer; CONNECT (a proxy
// tunnel) is not a call that gets an answer, so it is not tracked either.

import diagnosticsChannel from 'node:diagnostics_channel';
import type { CallEndInfo } from '../listener/trackedCall';
import type { AdoptedCall, ExternalClient } from '../listener/externalClient';
import { NODE_HTTP_CLIENT, requestHeader, type ClientRequestLike } from './nodeHttpRequest';
import { ServerRequests } from './httpServer';
import type { Observer, ObserverFactory, ObservedParts } from './observer';

export type { ObservedServerRequest } from './httpServer';

/** The node:http channels this observer subscribes to (bench/ subscribes no-ops to the same: the floor). */
export const NODE_HTTP_CLIENT_CHANNELS = ['http.client.request.start', 'http.client.response.finish', 'http.client.request.error'] as const;

interface ResponseLike {
  req?: unknown;
  statusCode?: unknown;
  complete?: unknown;
  on?: unknown;
}

const ENDED_OK: CallEndInfo = Object.freeze({ outcome: 'ok' });
const BODY_CUT: CallEndInfo = Object.freeze({ outcome: 'error', error: 'the response closed before its body ended' });

export const observeHttpClient: ObserverFactory = (context) => {
  const { tracker } = context;
  let disposed = false;
  let noted = false;
  // A hook never throws into the user's code: the call is left untracked, with one debug note.
  const failed = (where: string, err: unknown): void => {
    if (noted) return;
    noted = true;
    context.debug(`node:http ${where}: not tracked: ${(err as Error)?.message ?? String(err)}`);
  };
  const entryOf = (request: unknown): ReturnType<typeof tracker.externalEntry> =>
    typeof request === 'object' && request !== null && !disposed ? tracker.externalEntry(request) : undefined;

  // Response listeners: one function each for every response (no closure per call); the
  // response is `this`, its request is `this.req`.
  function onResponseEnd(this: ResponseLike): void {
    try {
      entryOf(this.req)?.end(ENDED_OK);
    } catch (err) {
      failed('response end', err);
    }
  }
  function onResponseClose(this: ResponseLike): void {
    try {
      entryOf(this.req)?.end(this.complete === true ? ENDED_OK : BODY_CUT);
    } catch (err) {
      failed('response close', err);
    }
  }

  /** The headers came: note the status and follow the body through the response's own events. */
  const followResponse = (call: AdoptedCall, response: ResponseLike): void => {
    if (typeof response.on !== 'function') return;
    call.headersReceived(typeof response.statusCode === 'number' ? response.statusCode : 0);
    const on = response.on as (event: string, fn: (this: ResponseLike) => void) => unknown;
    on.call(response, 'end', onResponseEnd);
    on.call(response, 'close', onResponseClose);
  };
  const client: ExternalClient = {
    ...NODE_HTTP_CLIENT,
    adopt(request, call) {
      if (disposed) return;
      try {
        const response = (request as ClientRequestLike).res;
        if (typeof response === 'object' && response !== null) followResponse(call, response as ResponseLike);
      } catch (err) {
        failed('adopting a call', err);
      }
    },
  };

  const onStart = (message: unknown): void => {
    try {
      const request = (message as { request?: unknown } | null)?.request;
      if (typeof request !== 'object' || request === null) return;
      const req = request as ClientRequestLike;
      const method = typeof req.method === 'string' ? req.method : 'GET';
      if (method === 'CONNECT' || requestHeader(req, 'upgrade') !== undefined) return;
      tracker.trackExternal(request, client, method);
    } catch (err) {
      failed('request start', err);
    }
  };
  const onHeaders = (message: unknown): void => {
    try {
      const { request, response } = message as { request?: unknown; response?: ResponseLike };
      const entry = entryOf(request);
      if (!entry || typeof response !== 'object' || response === null) return;
      followResponse(entry, response);
    } catch (err) {
      failed('response headers', err);
    }
  };
  const onError = (message: unknown): void => {
    try {
      const { request, error } = message as { request?: unknown; error?: unknown };
      const entry = entryOf(request);
      if (!entry) return;
      const aborted = (error as { code?: unknown } | null)?.code === 'ABORT_ERR';
      entry.end({ outcome: aborted ? 'aborted' : 'error', error: error instanceof Error ? error.message : String(error) });
    } catch (err) {
      failed('request error', err);
    }
  };

  const handlers: Array<[string, (message: unknown) => void]> = [
    [NODE_HTTP_CLIENT_CHANNELS[0], onStart],
    [NODE_HTTP_CLIENT_CHANNELS[1], onHeaders],
    [NODE_HTTP_CLIENT_CHANNELS[2], onError],
  ];
  for (const [name, fn] of handlers) diagnosticsChannel.subscribe(name, fn);
  const servers = new ServerRequests(context);

  const observer: Observer = {
    name: 'node:http',
    contribute(parts: ObservedParts, now: number): void {
      servers.contribute(parts, now, tracker.stallThresholdMs);
    },
    // Client calls signal through the tracker already; this observer's own part is the server side.
    onDidChange: (listener) => servers.onDidChange(listener),
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const [name, fn] of handlers) diagnosticsChannel.unsubscribe(name, fn);
      servers.dispose();
    },
  };
  return observer;
};
