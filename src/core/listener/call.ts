// One bounded HTTP call: the fix for the origin's failure. A call on a client with no timeout
// hung forever against a broker that accepted the connection and never answered. Here every
// call owns a deadline that covers the *whole* call — connect, headers and every byte of the
// body — so neither "accept and never write" nor "headers then a trickled body" can hold it.
//
// undici's own headersTimeout/bodyTimeout are not enough: bodyTimeout restarts on every chunk
// (a trickle never trips it) and both default to 300 s. The deadline here is the single bound.

import { Agent, request, type Dispatcher } from 'undici';
import { DEFAULT_MAX_RESPONSE_BYTES, readBounded } from './body';
import { CallAbortedError, DeadlineExceededError, ResponseTooLargeError, TransportError } from './errors';
import { CALL_TAG_HEADER, type CallTracker, type TrackedCall } from './tracker';
import type { CallKind, CallOutcome, NowFn } from './types';

export interface CallSpec {
  name: string;
  kind: Exclude<CallKind, 'external'>;
  method: Dispatcher.HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole-call deadline. */
  timeoutMs: number;
  /** Outer cancellation (stop, restart). Its reason becomes the call's error. */
  signal?: AbortSignal;
  /** Largest body read; a bigger one fails the call with ResponseTooLargeError (default 8 MiB). */
  maxResponseBytes?: number;
}

export interface CallResponse {
  status: number;
  text: string;
  /** The Retry-After header as sent, or null. */
  retryAfter: string | null;
}

export interface CallDeps {
  dispatcher: Dispatcher;
  tracker?: CallTracker | undefined;
  now?: NowFn;
}

/**
 * An undici Agent for broker calls. Its per-phase timers are disabled on purpose: the
 * per-call deadline bounds everything, and a 300 s headersTimeout would otherwise cut a long
 * poll configured to be longer.
 */
export function createBrokerDispatcher(): Agent {
  return new Agent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 4_000 });
}

/** Performs the call; resolves with any HTTP status, rejects with a ListenerError. */
export async function boundedCall(spec: CallSpec, deps: CallDeps): Promise<CallResponse> {
  const now = deps.now ?? Date.now;
  const controller = new AbortController();
  const startedAt = now();
  const deadlineAt = startedAt + spec.timeoutMs;

  // libuv schedules timers from its cached loop time, so a timer armed late in a long tick
  // can fire early by that tick's length. Re-arm for the remainder against a real monotonic
  // clock (never the injected `now`, which a test may freeze) so the deadline never fires early.
  const monoDeadline = performance.now() + spec.timeoutMs;
  const onDeadline = (): void => {
    const remaining = monoDeadline - performance.now();
    if (remaining > 1) {
      timer = setTimeout(onDeadline, remaining);
      return;
    }
    controller.abort(new DeadlineExceededError(spec.name, spec.timeoutMs));
  };
  let timer = setTimeout(onDeadline, spec.timeoutMs);

  const outer = spec.signal;
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });

  let tracked: TrackedCall | undefined;
  if (deps.tracker) {
    tracked = deps.tracker.begin({
      name: spec.name,
      kind: spec.kind,
      method: spec.method,
      url: spec.url, // the tracker strips the query when it shows the call
      deadlineAt,
      startedAt,
      abort: aborterFor(controller, spec.name),
    });
  }

  // Settles as soon as the controller aborts, whatever the transport does with the signal:
  // defence in depth so a dispatcher that ignored the signal still could not hang the caller.
  let rejectOnAbort: ((reason: unknown) => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    rejectOnAbort = reject;
  });
  aborted.catch(() => undefined);
  const onAbort = (): void => rejectOnAbort?.(controller.signal.reason);
  controller.signal.addEventListener('abort', onAbort, { once: true });

  let status: number | null = null;
  try {
    if (controller.signal.aborted) throw controller.signal.reason;
    const headers: Record<string, string> = { ...spec.headers };
    if (tracked) headers[CALL_TAG_HEADER] = tracked.tag;
    const responsePromise = request(spec.url, {
      method: spec.method,
      headers,
      body: spec.body,
      signal: controller.signal,
      dispatcher: deps.dispatcher,
    });
    responsePromise.catch(() => undefined);
    const response = await Promise.race([responsePromise, aborted]);
    status = response.statusCode;
    tracked?.headersReceived(status);
    const header = (name: string): string | undefined => {
      const v = response.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const textPromise = readBounded(response.body, spec.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, spec.name, header('content-length'));
    textPromise.catch((err: unknown) => {
      // Abort so undici destroys the connection instead of draining the rest of a huge body.
      if (err instanceof ResponseTooLargeError) controller.abort(err);
    });
    const text = await Promise.race([textPromise, aborted]);
    tracked?.end({ outcome: status >= 200 && status < 300 ? 'ok' : 'http-error', status });
    return { status, text, retryAfter: header('retry-after') ?? null };
  } catch (err) {
    const normalised = controller.signal.aborted ? normaliseAbort(spec.name, controller.signal.reason) : new TransportError(spec.name, err);
    tracked?.end({ outcome: outcomeOf(normalised), status, error: normalised.message });
    throw normalised;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
    controller.signal.removeEventListener('abort', onAbort);
  }
}

function normaliseAbort(name: string, reason: unknown): Error {
  if (reason instanceof Error) return reason;
  return new CallAbortedError(name, String(reason), false);
}

function outcomeOf(err: Error): CallOutcome {
  if (err instanceof DeadlineExceededError) return 'deadline';
  if (err instanceof TransportError || err instanceof ResponseTooLargeError) return 'error';
  return 'aborted';
}

/** The tracker's way to break this call (Break in the view). */
function aborterFor(controller: AbortController, name: string): (reason: string) => void {
  return (reason) => controller.abort(new CallAbortedError(name, reason, true));
}
