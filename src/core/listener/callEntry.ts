// One call in flight, as the tracker keeps it — and, for the tracker's own callers, the handle
// they hold. Built to cost little on the request path, since the process-wide tracker makes
// one for every undici request: one object, no closures, a number for an id (the string is
// made only when shown), links for the tracker's in-flight list (no map entry per call), and
// everything a view shows (id, URL, name, the snapshot) derived only when someone looks.

import { currentTest, type TestRef } from '../observe/testContext';
import type { CallEndInfo, TrackedCall } from './trackedCall';
import type { CallKind, CallOutcome, CallPhase, CallSnapshot } from './types';
import type { CallSource, ExternalClient } from './externalClient';
import { displayUrl, stripQuery, UNDICI_CLIENT } from './undiciRequest';

/** What an entry needs from its tracker: shared by all its entries, so no per-call closure. */
export interface CallEntryOwner {
  /** Prefix of the CALL_TAG_HEADER values this tracker hands out. */
  readonly tagPrefix: string;
  endCall(entry: CallEntry, info: CallEndInfo): void;
}

export class CallEntry implements TrackedCall {
  /** Links of the tracker's in-flight list. */
  prev: CallEntry | null = null;
  next: CallEntry | null = null;
  phase: CallPhase = 'awaiting-headers';
  status: number | null = null;
  ended = false;
  /** Announced stalled by the stall timer (which may run a tick early): stays stalled. */
  stallNotified = false;
  // Filled when the call ends, and only if someone can see it (a recent list or a listener).
  endedAt: number | null = null;
  outcome: CallOutcome | null = null;
  error: string | null = null;
  stalledAtEnd = false;
  /** The test running when the call started (one global read per call), for attribution. */
  readonly test: TestRef | null = currentTest();
  /** Which client made the call (own calls go through undici). */
  readonly source: CallSource;
  private idText: string | null = null;
  private shownUrl: string | null = null;
  /** An external call's origin and path, taken from its request when it is let go. */
  private origin: unknown = undefined;
  private path: unknown = undefined;

  constructor(
    private readonly owner: CallEntryOwner,
    /** Unique per tracker, own and external calls alike; the id is made from it. */
    readonly seq: number,
    readonly kind: CallKind,
    private readonly givenName: string | null,
    readonly method: string,
    /** Unstripped URL (own calls), or null for an external call (read from `request`). */
    private readonly rawUrl: string | null,
    readonly startedAt: number,
    readonly deadlineAt: number | null,
    /** When the call counts as stalled, on the tracker's clock (Infinity: never by time). */
    readonly stallAt: number,
    public abortFn: ((reason: string) => void) | undefined,
    /** For external calls: the client's request object, until the call ends. */
    public request: object | undefined,
    /** How `request` is read (undici's or node:http's); own calls: undici. */
    readonly client: ExternalClient = UNDICI_CLIENT,
  ) {
    this.source = client.source;
  }

  get id(): string {
    return (this.idText ??= idFor(this.kind, this.seq));
  }

  get tag(): string {
    return this.owner.tagPrefix + this.id;
  }

  get url(): string {
    if (this.shownUrl === null) {
      if (this.rawUrl !== null) this.shownUrl = stripQuery(this.rawUrl);
      else if (this.request) this.shownUrl = displayUrl(this.client.originOf(this.request), this.client.pathOf(this.request));
      else this.shownUrl = displayUrl(this.origin, this.path);
    }
    return this.shownUrl;
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
    if (!this.ended) this.owner.endCall(this, info);
  }

  /**
   * Lets go of the client's request. When the ended call stays visible, keeps what its URL is
   * made of (joining and stripping it here would cost every call a string).
   */
  releaseRequest(keepUrl: boolean): void {
    if (keepUrl && this.request && this.shownUrl === null) {
      this.origin = this.client.originOf(this.request);
      this.path = this.client.pathOf(this.request);
    }
    this.request = undefined;
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
      source: this.source,
      test: this.test,
    };
  }
}

/** `c<n>` for own calls, `x<n>` for external ones (the ids views and the bridge show). */
export function idFor(kind: CallKind, seq: number): string {
  return (kind === 'external' ? 'x' : 'c') + String(seq);
}

/** The seq an id was made from, or NaN for a string no entry could have. */
export function seqOfId(id: string): number {
  return /^[cx][1-9][0-9]*$/.test(id) ? Number(id.slice(1)) : NaN;
}
