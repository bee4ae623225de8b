// The call tracker: one registry of every HTTP call in flight, so a view can show each call's
// age against its deadline and flag the stalled ones.
//
// Three sources feed it:
//  - the listener's own calls register themselves (they know their name and deadline);
//  - any other undici client or global fetch in the process is seen through undici's
//    diagnostics channels. Node's bundled undici (behind global fetch) and the npm undici
//    publish on the same channel names, and channels are process-global by name, so one
//    subscription sees both. This is what lets the tracker diagnose code it did not write.
//  - node:http calls (axios, got, supertest, …), which the node:http observer
//    (observe/httpClient.ts) sees on Node's own channels and hands over with trackExternal().
//
// The process-wide tracker (the bridge's) runs inside every request of a process nobody may
// be looking at, so the request path does as little as it can. While someone watches (a
// listener, a change signal, a recent list) a call costs one entry object, one WeakMap entry
// (request → entry, for the headers and end events), one clock read and links in an in-flight
// list. While nobody does, a call is only an entry pushed on the "unseen" list, and an event
// finds nothing to update: which calls are still in flight is decided when someone asks
// (calls(), abort(), a new watcher), from the request objects themselves. No ids, URLs,
// snapshots or events unless someone asks, one shared stall timer, and change signals
// coalesced to one per turn of the event loop.

import diagnosticsChannel from 'node:diagnostics_channel';
import { CallEntry, seqOfId, type CallEntryOwner } from './callEntry';
import type { CallEndInfo, TrackedCall } from './trackedCall';
import type { CallKind, CallSnapshot, Disposable, NowFn } from './types';
import type { ExternalClient } from './externalClient';
import { headerValue, methodOf, requestOf, UNDICI_CLIENT, type UndiciRequestLike } from './undiciRequest';

export type { CallEndInfo, TrackedCall } from './trackedCall';

/** Header the listener puts on its own requests so the channel subscriber can skip them. */
export const CALL_TAG_HEADER = 'x-flake-doctor-call';

const CH_CREATE = 'undici:request:create';
const CH_HEADERS = 'undici:request:headers';
const CH_TRAILERS = 'undici:request:trailers';
const CH_ERROR = 'undici:request:error';
/** Every undici channel the tracker subscribes to (bench/ subscribes no-ops to the same ones: the floor). */
export const TRACKED_CHANNELS: readonly string[] = [CH_CREATE, CH_HEADERS, CH_TRAILERS, CH_ERROR];

/** The timer the stall check runs on; injected so tests can move time instead of waiting. */
export interface StallTimers {
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

const realTimers: StallTimers = {
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    // Stall detection must never keep a process alive on its own.
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface CallTrackerOptions {
  now?: NowFn;
  /** Timers for the stall check (default: unref'd Node timers); they run on `now`'s clock. */
  timers?: StallTimers;
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
  /**
   * Where a channel handler's failure is noted (the bridge: FLAKE_DOCTOR_DEBUG). A handler runs
   * inside the publisher's call, and diagnostics_channel rethrows a subscriber's exception
   * there as an uncaught one: every handler catches, leaves that call untracked, notes once.
   */
  debug?: (message: string) => void;
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

export type TrackerEvent = { type: 'call-started' | 'call-ended' | 'call-stalled'; call: CallSnapshot; at: number };

let trackerSeq = 0;
/** How many unseen calls are kept before the settled ones are dropped (then twice those left). */
const UNSEEN_MIN = 64;
/** The end of every external call that completes: one shared object, not one per call. */
const ENDED_OK: CallEndInfo = Object.freeze({ outcome: 'ok' });
const SETTLED_UNSEEN: CallEndInfo = Object.freeze({ outcome: 'error', error: 'settled without a diagnostics event' });

export class CallTracker implements Disposable {
  readonly stallThresholdMs: number;
  /** Prefix of the CALL_TAG_HEADER values this tracker hands out. */
  readonly tagPrefix: string;
  private readonly now: NowFn;
  private readonly timers: StallTimers;
  private readonly recentLimit: number;
  private readonly skipAllTagged: boolean;
  /** Calls in flight, oldest first: a doubly linked list through the entries themselves. */
  private head: CallEntry | null = null;
  private tail: CallEntry | null = null;
  /**
   * Where a watched external call's entry is found again by the headers and end events. A
   * WeakMap, not a property on the request: the request is undici's or the caller's own object,
   * and a property would give it another hidden class in V8 (instruction counts under callgrind:
   * a symbol property cost node:http's loop 35 k instructions a request more than this map).
   * Not a Map: it would keep a request whose end was never seen alive. The entry is not deleted
   * when the call ends (the map lets go with the request); `ended` tells a late event apart.
   */
  private entries = new WeakMap<object, CallEntry>();
  /**
   * External calls started while nobody watched, oldest first: entries not linked, not in
   * `entries`, not timed. Settled ones are dropped when the list reaches `unseenLimit`, so a
   * busy process nobody looks at keeps at most a few dozen finished requests reachable.
   */
  private unseen: CallEntry[] = [];
  private unseenLimit = UNSEEN_MIN;
  /** Finished calls, oldest first (at most recentLimit). */
  private readonly recentCalls: CallEntry[] = [];
  private readonly listeners = new Set<(e: TrackerEvent) => void>();
  /** Listeners of the coalesced signal (see onDidChangeCalls). */
  private readonly signalListeners = new Set<() => void>();
  private signalPending: NodeJS.Immediate | undefined;
  private readonly unsubscribers: Array<() => void> = [];
  private seq = 0;
  /**
   * One timer for the whole tracker, armed for the earliest stall moment among the calls in
   * flight, instead of one per call: a call that ends in time costs no timer work at all. A
   * call that ended before its stall moment is simply not there when the timer fires, and the
   * timer is re-armed for the next one.
   */
  private stallTimer: unknown = undefined;
  private stallTimerAt = Infinity;
  private disposed = false;
  private readonly debug: (message: string) => void;
  private noted = false;
  /** What the entries call back into; one object for all of them. */
  private readonly owner: CallEntryOwner;

  constructor(options: CallTrackerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? realTimers;
    this.stallThresholdMs = options.stallThresholdMs ?? 10_000;
    this.recentLimit = options.recentLimit ?? 50;
    this.tagPrefix = `t${++trackerSeq}-${process.pid}:`;
    this.skipAllTagged = options.skipAllTagged ?? false;
    this.debug = options.debug ?? (() => undefined);
    this.owner = { tagPrefix: this.tagPrefix, endCall: (entry, info) => this.finish(entry, info) };
    if (options.observeProcess ?? true) this.observeProcess();
  }

  /** Registers one of our own calls. */
  begin(info: BeginCallInfo): TrackedCall {
    const now = this.now();
    const startedAt = info.startedAt ?? now;
    const byThreshold = info.kind === 'long-poll' ? Infinity : startedAt + this.stallThresholdMs;
    const stallAt = info.deadlineAt === null ? byThreshold : Math.min(byThreshold, info.deadlineAt);
    const entry = new CallEntry(
      this.owner,
      ++this.seq,
      info.kind,
      info.name,
      info.method,
      info.url,
      startedAt,
      info.deadlineAt,
      stallAt,
      info.abort,
      undefined,
    );
    this.add(entry, now);
    return entry;
  }

  /** Calls in flight, with `stalled` computed for this moment. */
  calls(): CallSnapshot[] {
    this.adoptUnseen();
    const now = this.now();
    const out: CallSnapshot[] = [];
    for (let entry = this.head; entry !== null;) {
      const next = entry.next;
      if (entry.request && entry.client.isSettled(entry.request)) {
        // A request that settled without a channel event (rare paths in undici) must not
        // linger as a ghost "stalled" call.
        this.endSettled(entry);
      } else {
        // Once announced stalled (the timer may fire a tick early), a call stays stalled.
        out.push(entry.snapshot(entry.stallNotified || now >= entry.stallAt));
      }
      entry = next;
    }
    return out;
  }

  /** Finished calls, oldest first. */
  recent(): CallSnapshot[] {
    return this.recentCalls.map((e) => e.snapshot(e.stalledAtEnd));
  }

  /** Aborts an in-flight call by id; false if unknown or not abortable. */
  abort(id: string, reason = 'aborted by user'): boolean {
    this.adoptUnseen();
    const seq = seqOfId(id);
    let entry = this.head;
    while (entry !== null && entry.seq !== seq) entry = entry.next;
    if (entry === null || entry.id !== id) return false;
    // undici only assigns request.abort once the request has a connection, so an external
    // call's abort is looked up at the moment of use.
    const abort = entry.request ? entry.client.abortFor(entry.request) : entry.abortFn;
    if (!abort) return false;
    abort(reason);
    return true;
  }

  /**
   * Starts tracking a call another observer saw start (node:http): while someone watches, its
   * entry is found again with externalEntry(request) and ends with entry.end(); while nobody
   * does, it waits on the unseen list, and `client.adopt` hands the observer the entry if the
   * call is still in flight when someone looks. Nothing is stored on the request (the user's
   * own object: printing it, as an axios error does, looks the same with and without us).
   */
  trackExternal(request: object, client: ExternalClient, method: string): void {
    if (this.disposed) return;
    const now = this.now();
    const entry = new CallEntry(this.owner, ++this.seq, 'external', null, method, null, now, null, now + this.stallThresholdMs, undefined, request, client);
    this.keep(request, entry, now);
  }

  /** The entry of a watched call in flight started with trackExternal(), if any. */
  externalEntry(request: object): CallEntry | undefined {
    return this.entryOf(request);
  }

  /**
   * Every call event with a snapshot of the call: each one builds that snapshot, so subscribe
   * only where the details are needed (a log line per stalled call). A view that re-reads
   * `calls()` wants `onDidChangeCalls` instead.
   */
  onDidChange(listener: (e: TrackerEvent) => void): Disposable {
    // From now on every event must find its call: take the unseen ones in first.
    this.adoptUnseen();
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * "Something about the calls changed": no payload, no snapshot, and coalesced — however many
   * calls start, end or stall within one turn of the event loop, listeners hear it once, in
   * the next turn (a timer-free immediate, unref'd so it never keeps a process alive).
   */
  onDidChangeCalls(listener: () => void): Disposable {
    this.adoptUnseen();
    this.signalListeners.add(listener);
    return { dispose: () => this.signalListeners.delete(listener) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    if (this.stallTimer !== undefined) this.timers.clearTimer(this.stallTimer);
    this.stallTimer = undefined;
    this.stallTimerAt = Infinity;
    this.head = this.tail = null;
    this.entries = new WeakMap();
    this.unseen = [];
    this.listeners.clear();
    this.signalListeners.clear();
    if (this.signalPending) clearImmediate(this.signalPending);
    this.signalPending = undefined;
  }

  /**
   * Nobody can be told of a call nobody watches (no listener, no signal, no recent list: the
   * bridge's tracker while nobody is attached), so such a call is only remembered.
   */
  private get watched(): boolean {
    return this.recentLimit > 0 || this.listeners.size > 0 || this.signalListeners.size > 0;
  }

  private keep(request: object, entry: CallEntry, now: number): void {
    if (this.watched) {
      this.entries.set(request, entry);
      this.add(entry, now);
    } else {
      this.remember(entry);
    }
  }

  private remember(entry: CallEntry): void {
    // Let go of the newest ones that settled (in one-at-a-time code, the previous call) at once,
    // so a finished request is not kept reachable for the dozens of calls until the next sweep.
    let last = this.unseen[this.unseen.length - 1];
    while (last !== undefined && (last.request === undefined || last.client.isSettled(last.request))) {
      this.unseen.pop();
      this.forgetUnseen(last);
      last = this.unseen[this.unseen.length - 1];
    }
    if (this.unseen.length >= this.unseenLimit) this.dropSettledUnseen();
    this.unseen.push(entry);
  }

  private dropSettledUnseen(): void {
    const kept: CallEntry[] = [];
    for (const entry of this.unseen) {
      if (entry.request && !entry.client.isSettled(entry.request)) kept.push(entry);
      else this.forgetUnseen(entry);
    }
    this.unseen = kept;
    this.unseenLimit = Math.max(UNSEEN_MIN, kept.length * 2);
  }

  /** An unseen call that settled: nobody could see it, so nothing is told or kept. */
  private forgetUnseen(entry: CallEntry): void {
    entry.ended = true;
    entry.releaseRequest(false);
  }

  /**
   * Makes the unseen calls still in flight ordinary tracked calls, oldest first, and lets their
   * client catch up on what happened unseen (a node:http response that already arrived).
   */
  private adoptUnseen(): void {
    if (this.unseen.length === 0 || this.disposed) return;
    const unseen = this.unseen;
    this.unseen = [];
    this.unseenLimit = UNSEEN_MIN;
    const now = this.now();
    for (const entry of unseen) {
      const request = entry.request;
      // An undici call is told apart from our own listeners' only here (unseen, it was not worth a header scan).
      if (request === undefined || entry.ended || entry.client.isSettled(request) || (entry.client === UNDICI_CLIENT && this.isOwn(request))) {
        this.forgetUnseen(entry);
        continue;
      }
      this.entries.set(request, entry);
      this.add(entry, now);
      entry.client.adopt?.(request, entry);
    }
  }

  /** An unseen call's entry, newest first (the one an event is about is nearly always recent). */
  private unseenEntryOf(request: object): CallEntry | undefined {
    for (let i = this.unseen.length - 1; i >= 0; i--) {
      const entry = this.unseen[i]!;
      if (entry.request === request) return entry;
    }
    return undefined;
  }

  private add(entry: CallEntry, now: number): void {
    entry.prev = this.tail;
    if (this.tail === null) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    if (entry.stallAt < this.stallTimerAt) this.armStallTimer(entry.stallAt, now);
    this.changed('call-started', entry, false, now);
  }

  private unlink(entry: CallEntry): void {
    if (entry.prev === null) this.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === null) this.tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = entry.next = null;
  }

  /**
   * Stalling is a function of time, not of any event, so a timer turns it into one: the view
   * learns a call went stalled without polling.
   */
  private armStallTimer(at: number, now: number): void {
    if (this.disposed) return;
    if (this.stallTimer !== undefined) this.timers.clearTimer(this.stallTimer);
    this.stallTimerAt = at;
    this.stallTimer = this.timers.setTimer(this.onStallTimer, Math.max(0, at - now));
  }

  private readonly onStallTimer = (): void => {
    this.stallTimer = undefined;
    this.stallTimerAt = Infinity;
    const now = this.now();
    // A timer may run up to a clock tick early: 1 ms of slack. One that ran earlier still
    // finds its call not yet due and re-arms for the rest.
    const due = now + 1;
    let next = Infinity;
    const stalled: CallEntry[] = [];
    for (let entry = this.head; entry !== null;) {
      const current = entry;
      entry = entry.next;
      // A call that settled without an event (a node:http response whose body arrived whole but
      // was never read) ends here, so nothing lingers in a process nobody looks at.
      if (current.request && current.client.isSettled(current.request)) {
        this.endSettled(current);
        continue;
      }
      if (current.stallNotified) continue;
      if (current.stallAt <= due) {
        current.stallNotified = true;
        stalled.push(current);
      } else if (current.stallAt < next) {
        next = current.stallAt;
      }
    }
    if (next !== Infinity) this.armStallTimer(next, now);
    for (const entry of stalled) {
      // A listener of an earlier one may have ended this call meanwhile.
      if (!entry.ended) this.changed('call-stalled', entry, true, now);
    }
  };

  /** Ends a call whose request settled unseen: a node:http body that arrived whole counts as answered. */
  private endSettled(entry: CallEntry): void {
    this.finish(entry, entry.source === 'node:http' ? ENDED_OK : SETTLED_UNSEEN);
  }

  private finish(entry: CallEntry, end: CallEndInfo): void {
    if (entry.ended) return;
    entry.ended = true;
    // After dispose() the list is gone: nothing to unlink, nobody to tell.
    if (this.disposed) return;
    this.unlink(entry);
    entry.abortFn = undefined;
    const keep = this.recentLimit > 0;
    // Nobody can see how the call ended (the bridge's tracker, nobody attached): skip the
    // clock and the bookkeeping; the coalesced signal still says the list changed.
    if (!keep && this.listeners.size === 0) {
      entry.releaseRequest(false);
      this.changed('call-ended', entry, false, 0);
      return;
    }
    const now = this.now();
    // Consistent with what was announced: a call flagged by the (up to a tick early) stall
    // timer is recorded as stalled even if it ends within that tick.
    entry.stalledAtEnd = entry.stallNotified || now >= entry.stallAt;
    entry.endedAt = now;
    entry.phase = 'done';
    entry.outcome = end.outcome;
    if (end.status !== undefined && end.status !== null) entry.status = end.status;
    entry.error = end.error ?? null;
    entry.releaseRequest(true);
    if (keep) {
      this.recentCalls.push(entry);
      if (this.recentCalls.length > this.recentLimit) this.recentCalls.shift();
    }
    this.changed('call-ended', entry, entry.stalledAtEnd, now);
  }

  /** Tells whoever listens; costs a size check or two when nobody does. */
  private changed(type: TrackerEvent['type'], entry: CallEntry, stalled: boolean, at: number): void {
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

  // The channel handlers: bound once per tracker (no closure per call).
  private readonly onCreate = (message: unknown): void => {
    const request = requestOf(message);
    if (request === undefined) return;
    const watched = this.watched;
    if (watched && this.isOwn(request)) return;
    const now = this.now();
    const entry = new CallEntry(
      this.owner,
      ++this.seq,
      'external',
      null,
      methodOf(request),
      null,
      now,
      null,
      now + this.stallThresholdMs,
      undefined,
      request,
      UNDICI_CLIENT,
    );
    if (!watched) return this.remember(entry);
    this.entries.set(request, entry);
    this.add(entry, now);
  };

  // An unseen call's phase is kept too: undici's request does not say whether its headers came.
  private readonly onHeaders = (message: unknown): void => {
    const request = requestOf(message);
    const entry = request && (this.entryOf(request) ?? this.unseenEntryOf(request));
    if (!entry || entry.ended) return;
    entry.phase = 'receiving-body';
    const status = (message as { response?: { statusCode?: unknown } }).response?.statusCode;
    if (typeof status === 'number') entry.status = status;
  };

  private readonly onTrailers = (message: unknown): void => {
    const request = requestOf(message);
    if (request === undefined) return;
    const entry = this.entryOf(request);
    // Unseen: nothing to do; the next call's push lets go of it (remember()).
    if (entry) this.finish(entry, ENDED_OK);
  };

  private readonly onError = (message: unknown): void => {
    const request = requestOf(message);
    if (request === undefined) return;
    const entry = this.entryOf(request);
    if (!entry) return;
    const error = (message as { error?: unknown }).error;
    this.finish(entry, { outcome: 'error', error: error instanceof Error ? error.message : String(error) });
  };

  private observeProcess(): void {
    const handlers: Array<[string, (message: unknown) => void]> = [
      [CH_CREATE, this.onCreate],
      [CH_HEADERS, this.onHeaders],
      [CH_TRAILERS, this.onTrailers],
      [CH_ERROR, this.onError],
    ];
    for (const [name, handler] of handlers) {
      const fn = (message: unknown): void => {
        try {
          handler(message);
        } catch (err) {
          this.failed(name, err);
        }
      };
      diagnosticsChannel.subscribe(name, fn);
      this.unsubscribers.push(() => diagnosticsChannel.unsubscribe(name, fn));
    }
  }

  /** A channel message the handlers could not read: that call is not tracked; one note per tracker. */
  private failed(channel: string, err: unknown): void {
    if (this.noted) return;
    this.noted = true;
    try {
      this.debug(`undici call (${channel}): not tracked: ${err instanceof Error ? err.message : 'a non-Error was thrown'}`);
    } catch {
      // A note that cannot be written is not worth an exception in the user's code.
    }
  }

  /** The entry of a watched call still in flight. */
  private entryOf(request: object): CallEntry | undefined {
    const entry = this.entries.get(request);
    return entry === undefined || entry.ended ? undefined : entry;
  }

  private isOwn(request: UndiciRequestLike): boolean {
    const tag = headerValue(request.headers, CALL_TAG_HEADER);
    return tag !== null && (this.skipAllTagged || tag.startsWith(this.tagPrefix));
  }
}
