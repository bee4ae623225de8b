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
import type { CallKind, CallOutcome, CallSnapshot, Disposable, NowFn } from './types';

/** Header the listener puts on its own requests so the channel subscriber can skip them. */
export const CALL_TAG_HEADER = 'x-flake-doctor-call';

const CH_CREATE = 'undici:request:create';
const CH_HEADERS = 'undici:request:headers';
const CH_TRAILERS = 'undici:request:trailers';
const CH_ERROR = 'undici:request:error';

export interface CallTrackerOptions {
  now?: NowFn;
  /** A call older than this is flagged stalled even before its deadline (long polls excepted). */
  stallThresholdMs?: number;
  /** How many finished calls to keep for the "recent" list. */
  recentLimit?: number;
  /** Subscribe to undici's diagnostics channels to see every call in the process. */
  observeProcess?: boolean;
}

export interface BeginCallInfo {
  name: string;
  kind: CallKind;
  method: string;
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

interface Entry {
  snap: CallSnapshot;
  abort: ((reason: string) => void) | undefined;
  stallTimer: NodeJS.Timeout | undefined;
  /** For external calls: the undici request object, checked for leaks at read time. */
  request: UndiciRequestLike | undefined;
}

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

let trackerSeq = 0;

export class CallTracker implements Disposable {
  readonly stallThresholdMs: number;
  private readonly now: NowFn;
  private readonly recentLimit: number;
  private readonly tagPrefix: string;
  private readonly inFlight = new Map<string, Entry>();
  private readonly recentCalls: CallSnapshot[] = [];
  private readonly byRequest = new WeakMap<object, string>();
  private readonly listeners = new Set<(e: TrackerEvent) => void>();
  private readonly unsubscribers: Array<() => void> = [];
  private seq = 0;

  constructor(options: CallTrackerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.stallThresholdMs = options.stallThresholdMs ?? 10_000;
    this.recentLimit = options.recentLimit ?? 50;
    this.tagPrefix = `t${++trackerSeq}-${process.pid}:`;
    if (options.observeProcess ?? true) this.observeProcess();
  }

  /** Registers one of our own calls. */
  begin(info: BeginCallInfo): TrackedCall {
    const id = `c${++this.seq}`;
    const entry = this.add(id, info, undefined);
    let ended = false;
    return {
      id,
      tag: this.tagPrefix + id,
      headersReceived: (status) => {
        if (ended) return;
        entry.snap.phase = 'receiving-body';
        entry.snap.status = status;
      },
      end: (end) => {
        if (ended) return;
        ended = true;
        this.finish(id, end);
      },
    };
  }

  /** Calls in flight, with `stalled` computed for this moment. */
  calls(): CallSnapshot[] {
    const now = this.now();
    const out: CallSnapshot[] = [];
    for (const [id, entry] of this.inFlight) {
      if (entry.request && isSettled(entry.request)) {
        // A request that settled without a channel event (rare paths in undici) must not
        // linger as a ghost "stalled" call.
        this.finish(id, { outcome: 'error', error: 'settled without a diagnostics event' });
        continue;
      }
      out.push({ ...entry.snap, stalled: this.isStalled(entry.snap, now) });
    }
    return out;
  }

  /** Finished calls, oldest first. */
  recent(): CallSnapshot[] {
    return this.recentCalls.map((c) => ({ ...c }));
  }

  /** Aborts an in-flight call by id; false if unknown or not abortable. */
  abort(id: string, reason = 'aborted by user'): boolean {
    const entry = this.inFlight.get(id);
    // undici only assigns request.abort once the request has a connection, so an external
    // call's abort is looked up at the moment of use.
    const abort = entry?.request ? abortFor(entry.request) : entry?.abort;
    if (!abort) return false;
    abort(reason);
    return true;
  }

  onDidChange(listener: (e: TrackerEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const entry of this.inFlight.values()) clearTimeout(entry.stallTimer);
    this.inFlight.clear();
    this.listeners.clear();
  }

  private isStalled(snap: CallSnapshot, now: number): boolean {
    if (snap.deadlineAt !== null && now >= snap.deadlineAt) return true;
    // A long poll is *meant* to be held open; only its own bound makes it stalled.
    return snap.kind !== 'long-poll' && now - snap.startedAt >= this.stallThresholdMs;
  }

  private add(id: string, info: BeginCallInfo, request: UndiciRequestLike | undefined): Entry {
    const startedAt = info.startedAt ?? this.now();
    const snap: CallSnapshot = {
      id,
      name: info.name,
      kind: info.kind,
      method: info.method,
      url: info.url,
      startedAt,
      deadlineAt: info.deadlineAt,
      stalled: false,
      phase: 'awaiting-headers',
      status: null,
      endedAt: null,
      outcome: null,
      error: null,
    };
    const entry: Entry = { snap, abort: info.abort, stallTimer: undefined, request };
    this.inFlight.set(id, entry);
    this.armStallTimer(entry);
    this.emit('call-started', snap);
    return entry;
  }

  /**
   * Stalling is a function of time, not of any event, so a timer turns it into one: the view
   * learns a call went stalled without polling. unref'd so it never keeps a process alive.
   */
  private armStallTimer(entry: Entry): void {
    const { snap } = entry;
    const byThreshold = snap.kind === 'long-poll' ? Infinity : snap.startedAt + this.stallThresholdMs;
    const at = Math.min(byThreshold, snap.deadlineAt ?? Infinity);
    if (!Number.isFinite(at)) return;
    const timer = setTimeout(() => {
      entry.stallTimer = undefined;
      if (this.inFlight.get(snap.id) === entry) this.emit('call-stalled', { ...snap, stalled: true });
    }, Math.max(0, at - this.now()));
    timer.unref();
    entry.stallTimer = timer;
  }

  private finish(id: string, end: CallEndInfo): void {
    const entry = this.inFlight.get(id);
    if (!entry) return;
    this.inFlight.delete(id);
    clearTimeout(entry.stallTimer);
    const now = this.now();
    const snap = entry.snap;
    snap.stalled = this.isStalled(snap, now);
    snap.endedAt = now;
    snap.phase = 'done';
    snap.outcome = end.outcome;
    if (end.status !== undefined && end.status !== null) snap.status = end.status;
    snap.error = end.error ?? null;
    this.recentCalls.push(snap);
    if (this.recentCalls.length > this.recentLimit) this.recentCalls.shift();
    this.emit('call-ended', snap);
  }

  private emit(type: TrackerEvent['type'], call: CallSnapshot): void {
    if (this.listeners.size === 0) return;
    const event: TrackerEvent = { type, call: { ...call }, at: this.now() };
    for (const listener of this.listeners) listener(event);
  }

  private observeProcess(): void {
    const on = (name: string, fn: (message: unknown) => void): void => {
      diagnosticsChannel.subscribe(name, fn);
      this.unsubscribers.push(() => diagnosticsChannel.unsubscribe(name, fn));
    };
    on(CH_CREATE, (message) => {
      const request = requestOf(message);
      if (!request || this.isOwn(request)) return;
      const id = `x${++this.seq}`;
      this.byRequest.set(request, id);
      const method = typeof request.method === 'string' ? request.method : 'GET';
      const url = displayUrl(request);
      this.add(
        id,
        {
          name: `${method} ${url}`,
          kind: 'external',
          method,
          url,
          deadlineAt: null,
        },
        request,
      );
    });
    on(CH_HEADERS, (message) => {
      const request = requestOf(message);
      const entry = request && this.entryFor(request);
      if (!entry) return;
      entry.snap.phase = 'receiving-body';
      const status = (message as { response?: { statusCode?: unknown } }).response?.statusCode;
      if (typeof status === 'number') entry.snap.status = status;
    });
    on(CH_TRAILERS, (message) => {
      const request = requestOf(message);
      const id = request && this.byRequest.get(request);
      if (id) this.finish(id, { outcome: 'ok' });
    });
    on(CH_ERROR, (message) => {
      const request = requestOf(message);
      const id = request && this.byRequest.get(request);
      if (!id) return;
      const error = (message as { error?: unknown }).error;
      this.finish(id, { outcome: 'error', error: error instanceof Error ? error.message : String(error) });
    });
  }

  private entryFor(request: object): Entry | undefined {
    const id = this.byRequest.get(request);
    return id ? this.inFlight.get(id) : undefined;
  }

  private isOwn(request: UndiciRequestLike): boolean {
    const tag = headerValue(request.headers, CALL_TAG_HEADER);
    return tag !== null && tag.startsWith(this.tagPrefix);
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

function displayUrl(request: UndiciRequestLike): string {
  const origin = typeof request.origin === 'string' ? request.origin : String(request.origin ?? '');
  const path = typeof request.path === 'string' ? request.path : '';
  const q = path.indexOf('?');
  return origin + (q === -1 ? path : path.slice(0, q));
}

/** undici 7 keeps headers as a flat [k, v, k, v] array; undici 6 as a raw "k: v\r\n" string. */
function headerValue(headers: unknown, wanted: string): string | null {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === wanted) return String(headers[i + 1]);
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
