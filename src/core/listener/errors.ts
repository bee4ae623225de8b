// Error classes for the listener. Every failure a broker call can produce maps to one of
// these, so the loop and the supervisor decide by class (retry, refresh, back to polling)
// instead of by sniffing message strings.

/** Base class: every listener error names the call it came from, for the snapshot. */
export class ListenerError extends Error {
  readonly callName: string | null;
  constructor(message: string, callName: string | null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.callName = callName;
  }
}

/** The call's own deadline fired before the whole response (headers *and* body) arrived. */
export class DeadlineExceededError extends ListenerError {
  readonly timeoutMs: number;
  constructor(callName: string, timeoutMs: number) {
    super(`${callName} exceeded its ${timeoutMs} ms deadline`, callName);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The call was aborted from outside: a user "Break" (byUser), a restart, or stop().
 * Kept distinct from DeadlineExceededError so a user abort is not counted as a broker fault.
 */
export class CallAbortedError extends ListenerError {
  readonly byUser: boolean;
  constructor(callName: string, reason: string, byUser: boolean) {
    super(`${callName} aborted: ${reason}`, callName);
    this.byUser = byUser;
  }
}

/** The broker answered with a status the call does not accept. */
export class BrokerHttpError extends ListenerError {
  readonly status: number;
  readonly bodySnippet: string;
  /** What the broker's Retry-After asked for (ms), or null: the next attempt waits at least this. */
  readonly retryAfterMs: number | null;
  constructor(callName: string, status: number, body: string, retryAfterMs: number | null = null) {
    const snippet = body.length > 200 ? `${body.slice(0, 200)}…` : body;
    const wait = retryAfterMs !== null ? ` (Retry-After ${Math.round(retryAfterMs / 1000)} s)` : '';
    super(`${callName} failed with HTTP ${status}${wait}${snippet ? `: ${snippet}` : ''}`, callName);
    this.status = status;
    this.bodySnippet = snippet;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The response body is larger than the call's limit; the rest was not read. Retriable. */
export class ResponseTooLargeError extends ListenerError {
  readonly limitBytes: number;
  constructor(callName: string, limitBytes: number, declaredBytes: number | null) {
    const what = declaredBytes !== null ? `declares ${declaredBytes} bytes` : `exceeded ${limitBytes} bytes`;
    super(`${callName} response body ${what}, over the ${limitBytes}-byte limit (maxResponseBytes); not read`, callName);
    this.limitBytes = limitBytes;
  }
}

/** A 2xx whose body is not what the protocol promises (truncated JSON, wrong shape). */
export class MalformedResponseError extends ListenerError {
  constructor(callName: string, detail: string) {
    super(`${callName} returned a malformed body: ${detail}`, callName);
  }
}

/** The connection failed or closed early (refused, reset, body cut short). Retriable. */
export class TransportError extends ListenerError {
  constructor(callName: string, cause: unknown) {
    super(`${callName} transport error: ${describeCause(cause)}`, callName, { cause });
  }
}

/** Session creation kept hitting 409 "session already exists" past the retry bound. */
export class SessionConflictError extends ListenerError {
  readonly attempts: number;
  constructor(attempts: number) {
    super(`session still conflicts (409) after ${attempts} attempts`, 'createSession');
    this.attempts = attempts;
  }
}

/** Abort reason used by restart(): the supervisor starts a new session at once. */
export class RestartRequestedError extends ListenerError {
  constructor() {
    super('restart requested', null);
  }
}

/** Abort reason used by stop(): nothing is retried after it. */
export class ListenerStoppedError extends ListenerError {
  constructor() {
    super('listener stopped', null);
  }
}

export function isHttpStatus(err: unknown, status: number): err is BrokerHttpError {
  return err instanceof BrokerHttpError && err.status === status;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${cause.message}` : cause.message;
  }
  return String(cause);
}

/** JSON-safe description of an error for snapshots and events. */
export interface ErrorInfo {
  name: string;
  message: string;
  callName: string | null;
  status: number | null;
}

export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof ListenerError) {
    return {
      name: err.name,
      message: err.message,
      callName: err.callName,
      status: err instanceof BrokerHttpError ? err.status : null,
    };
  }
  if (err instanceof Error) return { name: err.name, message: err.message, callName: null, status: null };
  return { name: 'Error', message: String(err), callName: null, status: null };
}
