// The call tracker: one registry of every HTTP call in flight, so a view can show each call's
// age against its deadline and flag the stalled ones.
//
// Two sources feed it:
//  - the listener's own calls register themselves (they know their name and deadline);
//  - any other undici client or global fetch in the process is seen through undici's
//    diagnostics channels. Node's bundled undici (behind global fetch) and the npm undici
//    publish on the same channel names, and channels are process-global by name, so one
//    subscription sees both. This is what lets the tracker diagnose code it did not write.

import diagnosticsChannel from 'node:diagnostics_channel';
import type { CallKind, CallOutcome, CallPhase, CallSnapshot, Disposable, NowFn } from './types';

/** Header the listener puts on its own requests so the channel subscriber can skip them. */
export const CALL_TAG_HEADER = 'x-flake-doctor-call';

const CH_CREATE = 'undici:request:create';
const CH_HEADERS = 'undici:request:headers';
const CH_TRAILERS = 'undici:request:trailers';
const CH_ERROR = 'undici:request:error';
/** Every undici channel the tracker subscribes to (bench/ subscribes no-ops to the same ones: the floor). */
export const TRACKED_CHANNELS: readonly string[] = [CH_CREATE, CH_HEADERS, CH_TRAILERS, CH_ERROR];

export interface CallTrackerOptions {
  now?: NowFn;
  /** A call older than this is flagged stalled even before its deadline (long polls excepted). */
  stallThresholdMs?: number;
  /** How many finished calls to keep for the "recent" list. */
  recentLimit?: number;
  /** Subscribe to undici's diagnostics channels to see every call in the process. */
  observeProcess?: boolean;
  /**
   * Also skip calls tagged by *other* trackers (a broker listener's own calls). The bridge's
   * process-wide tracker sets this: those calls are published under their listener already.
   */
  skipAllTagged?: boolean;
}

export interface BeginCallInfo {
  name: string;
  kind: CallKind;
  method: string;
  /** The request URL; the tracker strips its query (tokens) when it shows the call. */
  url: string;
  deadlineAt: number | null;
  /** When the call started (default: now); lets deadlineAt - startedAt equal the timeout exactly. */
  startedAt?: number;
  /** How to abort the call; absent when the tracker cannot abort it. */
  abort?: (reason: string) => void;
}

export interface CallEndInfo {
  outcome: CallOutcome;
  status?: number | null;
  error?: string | null;
}

/** The handle a caller holds while its call is in flight. */
export interface TrackedCall {
  readonly id: string;
  /** The header value that marks the request as ours (see CALL_TAG_HEADER). */
  readonly tag: string;
  headersReceived(status: number): void;
  end(info: CallEndInfo): void;
}

export type TrackerEvent = { type: 'call-started' | 'call-ended' | 'call-stalled'; call: CallSnapshot; at: number };

/** The parts of undici's internal Request we read; both undici 6 and 7 have them. */
interface UndiciRequestLike {
  origin?: unknown;
  method?: unknown;
  path?: unknown;
  headers?: unknown;
  completed?: unknown;
  aborted?: unknown;
  abort?: unknown;
}

/**
 * One call in flight (and, once ended, one of the recent calls). It is also the handle an
 * own caller holds, so registering a call allocates one object and no closures. Snapshots
 * are built from it only when someone looks (calls(), recent(), an event with a listener);
 * the URL is stripped of its query at that point, not on the request path.
 */
class Entry implements TrackedCall {
  phase: CallPhase = 'awaiting-headers';
  status: number | null = null;
  endedAt: number | null = null;
  outcome: CallOutcome | null = null;
  error: string | null = null;
  /** Final `stalled` value, fixed when the call ends. */
  stalledAtEnd = false;
  ended = false;
  /** When the call counts as stalled, on the tracker's clock (Infinity: never by time). */
  readonly stallAt: number;
  /** The same moment on the monotonic clock, for the shared stall timer. */
  readonly stallDue: number;
  stallNotified = false;
  private shownUrl: string | null = null;
  /** An external call's origin and path as undici gave them: kept, not joined, until shown. */
  private origin: unknown = undefined;
  private path: unknown = undefined;

  constructor(
    private readonly owner: CallTracker,
    readonly id: string,
    private readonly givenName: string | null,
    readonly kind: CallKind,
    readonly method: string,
    /** Unstripped URL (own calls), or null for an external call (read from `request`). */
    private readonly rawUrl: string | null,
    readonly startedAt: number,
    readonly deadlineAt: number | null,
    public abortFn: ((reason: string) => void) | undefined,
    /** For external calls: the undici request object, checked for leaks at read time. */
    public request: UndiciRequestLike | undefined,
    stallThresholdMs: number,
    now: number,
  ) {
    const byThreshold = kind === 'long-poll' ? Infinity : startedAt + stallThresholdMs;
    this.stallAt = deadlineAt === null ? byThreshold : Math.min(byThreshold, deadlineAt);
    this.stallDue = this.stallAt === Infinity ? Infinity : performance.now() + (this.stallAt - now);
  }

  get tag(): string {
    return this.owner.tagPrefix + this.id;
  }

  get url(): string {
    if (this.shownUrl === null) {
      this.shownUrl = this.rawUrl === null ? displayUrl(this.request ?? { origin: this.origin, path: this.path }) : stripQuery(this.rawUrl);
    }
    return this.shownUrl;
  }

  /**
   * The call ended: keep what the URL is made of and let go of the request. Joining and
   * stripping the URL here would cost every call a string; it is done if someone looks.
   */
  releaseRequest(): void {
    if (this.request && this.shownUrl === null) {
      this.origin = this.request.origin;
      this.path = this.request.path;
    }
    this.request = undefined;
  }

  get name(): string {
    return this.givenName ?? `${this.method} ${this.url}`;
  }

  headersReceived(status: number): void {
    if (this.ended) return;
    this.phase = 'receiving-body';
    this.status = status;
  }

  end(info: CallEndInfo): void {
    // Element access reaches the tracker's private method: finishing is not public API.
    if (!this.ended) this.owner['finish'](this, info);
  }

  snapshot(stalled: boolean): CallSnapshot {
    return {
      id: this.id,
      name: this.name,
      kind: this.kind,
      method: this.method,
      url: this.url,
      startedAt: this.startedAt,
      deadlineAt: this.deadlineAt,
      stalled,
      phase: this.phase,
      status: this.status,
      endedAt: this.endedAt,
      outcome: this.outcome,
      error: this.error,
    };
  }
}

let trackerSeq = 0;

export class CallTracker implements Disposable {
  readonly stallThresholdMs: number;
  /** Prefix of the CALL_TAG_HEADER values this tracker hands out. */
  readonly tagPrefix: string;
  private readonly now: NowFn;
  private readonly recentLimit: number;
  private readonly inFlight = new Map<string, Entry>();
  /** Finished calls, oldest first (at most recentLimit). */
  private readonly recentCalls: Entry[] = [];
  /**
   * In-flight external calls by their undici request. A Map, not a WeakMap: the entry in
   * `inFlight` holds the request strongly anyway until the call ends, when both let go of it,
   * and a Map spares every request the garbage collector's ephemeron work.
   */
  private readonly byRequest = new Map<object, Entry>();
  private readonly listeners = new Set<(e: TrackerEvent) => void>();
  /** Listeners of the coalesced signal (see onDidChangeCalls). */
  private readonly signalListeners = new Set<() => void>();
  private signalPending: NodeJS.Immediate | undefined;
  private readonly unsubscribers: Array<() => void> = [];
  private seq = 0;
  /**
   * One timer for the whole tracker, armed for the earliest stall moment among the calls in
   * flight (monotonic clock), instead of one timer per call: a call that ends in time costs
   * no timer work at all. A call that ends before its stall moment is simply skipped when the
   * timer fires, and the timer is re-armed for the next one.
   */
  private stallTimer: NodeJS.Timeout | undefined;
  private stallTimerDue = Infinity;
  private disposed = false;
  private readonly skipAllTagged: boolean;

  constructor(options: CallTrackerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.stallThresholdMs = options.stallThresholdMs ?? 10_000;
    this.recentLimit = options.recentLimit ?? 50;
    this.tagPrefix = `t${++trackerSeq}-${process.pid}:`;
    this.skipAllTagged = options.skipAllTagged ?? false;
    if (options.observeProcess ?? true) this.observeProcess();
  }

  /** Registers one of our own calls. */
  begin(info: BeginCallInfo): TrackedCall {
    const now = this.now();
    const entry = new Entry(
      this,
      `c${++this.seq}`,
      info.name,
      info.kind,
      info.method,
      info.url,
      info.startedAt ?? now,
      info.deadlineAt,
      info.abort,
      undefined,
      this.stallThresholdMs,
      now,
    );
    this.add(entry);
    return entry;
  }

  /** Calls in flight, with `stalled` computed for this moment. */
  calls(): CallSnapshot[] {
    const now = this.now();
    const out: CallSnapshot[] = [];
    for (const entry of this.inFlight.values()) {
      if (entry.request && isSettled(entry.request)) {
        // A request that settled without a channel event (rare paths in undici) must not
        // linger as a ghost "stalled" call.
        this.finish(entry, { outcome: 'error', error: 'settled without a diagnostics event' });
        continue;
      }
      // Once announced stalled (the timer may fire a tick early), a call stays stalled.
      out.push(entry.snapshot(entry.stallNotified || now >= entry.stallAt));
    }
    return out;
  }

  /** Finished calls, oldest first. */
  recent(): CallSnapshot[] {
    return this.recentCalls.map((e) => e.snapshot(e.stalledAtEnd));
  }

  /** Aborts an in-flight call by id; false if unknown or not abortable. */
  abort(id: string, reason = 'aborted by user'): boolean {
    const entry = this.inFlight.get(id);
    // undici only assigns request.abort once the request has a connection, so an external
    // call's abort is looked up at the moment of use.
    const abort = entry?.request ? abortFor(entry.request) : entry?.abortFn;
    if (!abort) return false;
    abort(reason);
    return true;
  }

  /**
   * Every call event with a snapshot of the call: each one builds that snapshot, so subscribe
   * only where the details are needed (a log line per stalled call). A view that re-reads
   * `calls()` wants `onDidChangeCalls` instead.
   */
  onDidChange(listener: (e: TrackerEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * "Something about the calls changed": no payload, no snapshot, and coalesced — however many
   * calls start, end or stall within one turn of the event loop, listeners hear it once, in
   * the next turn (a timer-free immediate, unref'd so it never keeps a process alive).
   */
  onDidChangeCalls(listener: () => void): Disposable {
    this.signalListeners.add(listener);
    return { dispose: () => this.signalListeners.delete(listener) };
  }

  dispose(): void {
    this.disposed = true;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.stallTimerDue = Infinity;
    this.inFlight.clear();
    this.byRequest.clear();
    this.listeners.clear();
    this.signalListeners.clear();
    if (this.signalPending) clearImmediate(this.signalPending);
    this.signalPending = undefined;
  }

  private add(entry: Entry): void {
    this.inFlight.set(entry.id, entry);
    if (entry.stallDue < this.stallTimerDue) this.armStallTimer(entry.stallDue);
    this.emit('call-started', entry, false, this.now());
  }

  /**
   * Stalling is a function of time, not of any event, so a timer turns it into one: the view
   * learns a call went stalled without polling. unref'd so it never keeps a process alive.
   */
  private armStallTimer(due: number): void {
    if (this.disposed) return;
    clearTimeout(this.stallTimer);
    this.stallTimerDue = due;
    this.stallTimer = setTimeout(this.onStallTimer, Math.max(0, due - performance.now()));
    this.stallTimer.unref();
  }

  private readonly onStallTimer = (): void => {
    this.stallTimer = undefined;
    this.stallTimerDue = Infinity;
    // libuv may run a timer up to a loop tick early; 1 ms of slack matches one timer tick.
    const mono = performance.now() + 1;
    let next = Infinity;
    const stalled: Entry[] = [];
    for (const entry of this.inFlight.values()) {
      if (entry.stallNotified) continue;
      if (entry.stallDue <= mono) {
        entry.stallNotified = true;
        stalled.push(entry);
      } else if (entry.stallDue < next) {
        next = entry.stallDue;
      }
    }
    if (next !== Infinity) this.armStallTimer(next);
    for (const entry of stalled) {
      // A listener of an earlier one may have ended this call meanwhile.
      if (this.inFlight.get(entry.id) === entry) this.emit('call-stalled', entry, true, this.now());
    }
  };

  private finish(entry: Entry, end: CallEndInfo): void {
    if (entry.ended) return;
    entry.ended = true;
    if (entry.request) this.byRequest.delete(entry.request);
    if (this.inFlight.get(entry.id) !== entry) return;
    this.inFlight.delete(entry.id);
    const now = this.now();
    // Consistent with what was announced: a call flagged by the (up to a tick early) stall
    // timer is recorded as stalled even if it ends within that tick.
    entry.stalledAtEnd = entry.stallNotified || now >= entry.stallAt;
    entry.endedAt = now;
    entry.phase = 'done';
    entry.outcome = end.outcome;
    if (end.status !== undefined && end.status !== null) entry.status = end.status;
    entry.error = end.error ?? null;
    entry.releaseRequest();
    entry.abortFn = undefined;
    if (this.recentLimit > 0) {
      this.recentCalls.push(entry);
      if (this.recentCalls.length > this.recentLimit) this.recentCalls.shift();
    }
    this.emit('call-ended', entry, entry.stalledAtEnd, now);
  }

  private emit(type: TrackerEvent['type'], entry: Entry, stalled: boolean, at: number): void {
    if (this.signalListeners.size > 0 && this.signalPending === undefined && !this.disposed) {
      this.signalPending = setImmediate(this.signal);
      this.signalPending.unref();
    }
    if (this.listeners.size === 0) return;
    const event: TrackerEvent = { type, call: entry.snapshot(stalled), at };
    for (const listener of this.listeners) listener(event);
  }

  private readonly signal = (): void => {
    this.signalPending = undefined;
    for (const listener of this.signalListeners) listener();
  };

  private observeProcess(): void {
    const on = (name: string, fn: (message: unknown) => void): void => {
      diagnosticsChannel.subscribe(name, fn);
      this.unsubscribers.push(() => diagnosticsChannel.unsubscribe(name, fn));
    };
    on(CH_CREATE, (message) => {
      const request = requestOf(message);
      if (!request || this.isOwn(request)) return;
      const now = this.now();
      const entry = new Entry(
        this,
        `x${++this.seq}`,
        null,
        'external',
        typeof request.method === 'string' ? request.method : 'GET',
        null,
        now,
        null,
        undefined,
        request,
        this.stallThresholdMs,
        now,
      );
      this.byRequest.set(request, entry);
      this.add(entry);
    });
    on(CH_HEADERS, (message) => {
      const request = requestOf(message);
      const entry = request && this.byRequest.get(request);
      if (!entry || entry.ended) return;
      entry.phase = 'receiving-body';
      const status = (message as { response?: { statusCode?: unknown } }).response?.statusCode;
      if (typeof status === 'number') entry.status = status;
    });
    on(CH_TRAILERS, (message) => {
      const request = requestOf(message);
      const entry = request && this.byRequest.get(request);
      if (entry) this.finish(entry, { outcome: 'ok' });
    });
    on(CH_ERROR, (message) => {
      const request = requestOf(message);
      const entry = request && this.byRequest.get(request);
      if (!entry) return;
      const error = (message as { error?: unknown }).error;
      this.finish(entry, { outcome: 'error', error: error instanceof Error ? error.message : String(error) });
    });
  }

  private isOwn(request: UndiciRequestLike): boolean {
    const tag = headerValue(request.headers, CALL_TAG_HEADER);
    return tag !== null && (this.skipAllTagged || tag.startsWith(this.tagPrefix));
  }
}

function requestOf(message: unknown): (UndiciRequestLike & object) | undefined {
  const request = (message as { request?: unknown } | null)?.request;
  return typeof request === 'object' && request !== null ? (request as UndiciRequestLike) : undefined;
}

function isSettled(request: UndiciRequestLike): boolean {
  return request.completed === true || request.aborted === true;
}

function abortFor(request: UndiciRequestLike): ((reason: string) => void) | undefined {
  const abort = request.abort;
  if (typeof abort !== 'function') return undefined;
  return (reason) => {
    (abort as (err: Error) => void).call(request, new Error(reason));
  };
}

function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function displayUrl(request: UndiciRequestLike): string {
  const origin = typeof request.origin === 'string' ? request.origin : String(request.origin ?? '');
  const path = typeof request.path === 'string' ? request.path : '';
  return stripQuery(origin + path);
}

/** undici 7 keeps headers as a flat [k, v, k, v] array; undici 6 as a raw "k: v\r\n" string. */
function headerValue(headers: unknown, wanted: string): string | null {
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
  if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1).trim();
    }
  }
  return null;
}
