// BrokerListener: composes the protocol client, the call tracker, the session loop and the
// supervisor, and exposes what a front end needs — a JSON snapshot, change events and three
// actions (probe, abort one call, restart). A view renders snapshot() and calls the actions;
// it never reaches inside.

import { hostname } from 'node:os';
import type { Dispatcher } from 'undici';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { createBrokerDispatcher } from './call';
import { resolveTarget, type ListenerTarget } from './endpoints';
import { errorInfo, type ErrorInfo } from './errors';
import { runListenerSession, type LoopHooks, type LoopMemory } from './loop';
import { probeBroker } from './probe';
import { BrokerClient } from './protocol';
import { realSleep } from './sleep';
import { Supervisor } from './supervisor';
import { announceListener } from './announce';
import type { LiveHandle } from '../live/registry';
import { CallTracker } from './tracker';
import type { CallSnapshot, Disposable, ListenerEvent, ListenerSnapshot, ListenerState, NowFn, ProbeResult, RandomFn, SleepFn } from './types';

import { DEFAULT_CONTROL_PLANE_TIMEOUT_MS, DEFAULT_LONG_POLL_TIMEOUT_MS } from './defaults';
export { DEFAULT_CONTROL_PLANE_TIMEOUT_MS, DEFAULT_LONG_POLL_TIMEOUT_MS };

/**
 * Where to listen, as GitHub's client is configured: either an Actions service URL and an admin
 * token, or a GitHub config URL (org, owner/repo or enterprise) and a registration token that
 * runner-registration trades for both — always with the runner scale set id. `brokerUrl` is
 * the shorthand for a fake broker (startFakeBroker): its origin serves both sides.
 */
export interface BrokerListenerOptions {
  /** Shorthand for a fake broker's origin: githubConfigUrl `{origin}/flake-doctor`, scale set 1. */
  brokerUrl?: string;
  actionsServiceUrl?: string;
  /** Admin token for `actionsServiceUrl`; a 401 with it is an error (it cannot be renewed here). */
  token?: string;
  githubConfigUrl?: string;
  registrationToken?: string;
  scaleSetId?: number;
  /** Sent as X-ScaleSetMaxCapacity on every GetMessage (default 10). */
  maxRunners?: number;
  /** Largest response body read (default 8 MiB); a bigger one fails the call with a clear error. */
  maxResponseBytes?: number;
  /** Whole-call deadline for every call except the long poll. */
  controlPlaneTimeoutMs?: number;
  /** Bound on the long poll (it is exempt from controlPlaneTimeoutMs). */
  longPollTimeoutMs?: number;
  /** Age past which a call is flagged stalled; default half the control-plane deadline, at most 10 s. */
  stallThresholdMs?: number;
  /** Owner name sent on session creation; a second session for the same owner is a 409. */
  ownerName?: string;
  sessionConflictMaxRetries?: number;
  sessionConflictRetryDelayMs?: number;
  /** Backoff between failed runs. */
  backoff?: BackoffPolicy;
  /** Backoff between failed job acquisitions (the session is kept). */
  acquireBackoff?: BackoffPolicy;
  /** Failed runs in a row before giving up ('failed' state); default never. */
  maxRestarts?: number;
  /** Deadline for deleting the session when a run ends (bounds how long stop() can take). */
  stopGraceMs?: number;
  /** Minimum time between two polls when the broker answers 202 without holding (default 250). */
  emptyPollFloorMs?: number;
  /** Share a tracker (e.g. one per process); default: a tracker of its own. */
  tracker?: CallTracker;
  /** For the tracker of its own: also watch other undici/fetch calls in the process. */
  observeProcess?: boolean;
  /** undici dispatcher for broker calls; default a dedicated Agent. */
  dispatcher?: Dispatcher;
  now?: NowFn;
  sleep?: SleepFn;
  random?: RandomFn;
  onJobsAcquired?: (requestIds: number[]) => void;
}

const RECENT_JOB_IDS = 20;

// Not `implements Disposable`: its dispose() is asynchronous (it stops the loop first) and is
// meant to be awaited, which a caller holding it as a plain Disposable would not do.
export class BrokerListener {
  /** What the user named: brokerUrl, githubConfigUrl or actionsServiceUrl (never a token). */
  readonly brokerUrl: string;
  readonly scaleSetId: number;
  readonly controlPlaneTimeoutMs: number;
  readonly longPollTimeoutMs: number;
  readonly tracker: CallTracker;
  private readonly options: BrokerListenerOptions;
  private readonly ownTracker: boolean;
  private readonly now: NowFn;
  private readonly ownerName: string;
  private readonly memory: LoopMemory = { lastMessageId: 0 };
  private readonly listeners = new Set<(e: ListenerEvent) => void>();
  /** Held only while someone listens: otherwise the tracker builds no event for us per call. */
  private trackerSubscription: Disposable | null = null;
  private readonly target: ListenerTarget;
  private readonly maxRunners: number;
  private client: BrokerClient | null = null;

  private supervisor: Supervisor | null = null;
  private dispatcher: Dispatcher | null = null;
  private stopping: Promise<void> | null = null;
  private state: ListenerState = 'stopped';
  private sessionId: string | null = null;
  private messagesReceived = 0;
  private jobsAcquired = 0;
  private recentJobIds: number[] = [];
  private nextRestartAt: number | null = null;
  private lastError: (ErrorInfo & { at: number }) | null = null;
  /** Its entry in the process's live registry (what the bridge publishes) while started. */
  private announced: LiveHandle<'listener'> | null = null;

  constructor(options: BrokerListenerOptions) {
    this.options = options;
    this.target = resolveTarget(options);
    this.brokerUrl = this.target.displayUrl;
    this.scaleSetId = this.target.scaleSetId;
    this.maxRunners = options.maxRunners ?? 10;
    if (!Number.isSafeInteger(this.maxRunners) || this.maxRunners < 0) throw new RangeError('maxRunners must be a non-negative integer');
    if (options.maxResponseBytes !== undefined) positive(options.maxResponseBytes, 0, 'maxResponseBytes');
    this.controlPlaneTimeoutMs = positive(options.controlPlaneTimeoutMs, DEFAULT_CONTROL_PLANE_TIMEOUT_MS, 'controlPlaneTimeoutMs');
    this.longPollTimeoutMs = positive(options.longPollTimeoutMs, DEFAULT_LONG_POLL_TIMEOUT_MS, 'longPollTimeoutMs');
    this.now = options.now ?? Date.now;
    this.ownerName = options.ownerName ?? `flake-doctor-${hostname()}-${process.pid}`;
    this.ownTracker = !options.tracker;
    this.tracker =
      options.tracker ??
      new CallTracker({
        now: this.now,
        stallThresholdMs: options.stallThresholdMs ?? Math.min(10_000, this.controlPlaneTimeoutMs / 2),
        observeProcess: options.observeProcess ?? true,
      });
  }

  /** Starts listening in the background; progress shows in snapshot() and events. */
  start(): void {
    if (this.supervisor) return;
    this.announced ??= announceListener(this);
    this.dispatcher = this.options.dispatcher ?? createBrokerDispatcher();
    const client = new BrokerClient({
      target: this.target,
      maxRunners: this.maxRunners,
      maxResponseBytes: this.options.maxResponseBytes,
      controlPlaneTimeoutMs: this.controlPlaneTimeoutMs,
      longPollTimeoutMs: this.longPollTimeoutMs,
      dispatcher: this.dispatcher,
      tracker: this.tracker,
      now: this.now,
    });
    this.client = client;
    const sleep = this.options.sleep ?? realSleep;
    const random = this.options.random ?? Math.random;
    const loopOptions = {
      ownerName: this.ownerName,
      sessionConflictMaxRetries: this.options.sessionConflictMaxRetries ?? 10,
      sessionConflictRetryDelayMs: this.options.sessionConflictRetryDelayMs ?? 30_000,
      acquireBackoff: this.options.acquireBackoff ?? { baseMs: 500, maxMs: 30_000 },
      deleteSessionTimeoutMs: Math.min(this.controlPlaneTimeoutMs, this.options.stopGraceMs ?? 2_000),
      emptyPollFloorMs: this.options.emptyPollFloorMs ?? 250,
      sleep,
      random,
    };
    const supervisor = new Supervisor({
      run: (signal, healthy) => {
        this.nextRestartAt = null;
        this.sessionId = null;
        return runListenerSession(client, loopOptions, this.hooks(healthy), this.memory, signal);
      },
      backoff: this.options.backoff ?? DEFAULT_BACKOFF,
      sleep,
      random,
      maxRestarts: this.options.maxRestarts ?? Infinity,
      onRunFailed: (error, attempt, delayMs) => {
        this.recordError(error);
        this.nextRestartAt = this.now() + delayMs;
        this.setState('backoff');
        this.emit({ type: 'restart-scheduled', attempt, delayMs, at: this.now() });
      },
      onGiveUp: (error) => {
        this.recordError(error);
        this.nextRestartAt = null;
        this.setState('failed');
      },
    });
    this.supervisor = supervisor;
    supervisor.start();
  }

  /** Stops promptly: aborts any call in flight (long poll included), deletes the session
   *  under a short deadline (stopGraceMs) and resolves. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    const supervisor = this.supervisor;
    if (!supervisor) return Promise.resolve();
    this.setState('stopping');
    this.stopping = (async () => {
      try {
        await supervisor.stop();
      } finally {
        const dispatcher = this.dispatcher;
        this.dispatcher = null;
        // destroy(), not close(): close() would wait for requests a stalled broker never ends.
        if (dispatcher && !this.options.dispatcher) await dispatcher.destroy().catch(() => undefined);
        this.supervisor = null;
        this.stopping = null;
        this.nextRestartAt = null;
        this.sessionId = null;
        this.setState('stopped');
        this.announced?.remove();
        this.announced = null;
      }
    })();
    return this.stopping;
  }

  /** Deletes the current session and creates a new one (starts the listener if stopped). */
  restart(): void {
    if (!this.supervisor) {
      this.start();
      return;
    }
    if (this.state === 'failed') {
      // The supervisor gave up and its loop has ended: replace it rather than poke it.
      void this.stop().then(() => this.start());
      return;
    }
    this.supervisor.restart();
  }

  /** In-flight calls (the listener's and, if observed, the rest of the process's). */
  calls(): CallSnapshot[] {
    return this.tracker.calls();
  }

  /** Aborts one in-flight call; the listener retries (see loop.ts for how). */
  abortCall(id: string): boolean {
    return this.tracker.abort(id, 'aborted by user');
  }

  /** Times one lightweight request to `url` (default the broker). */
  probeBroker(url: string = this.brokerUrl): Promise<ProbeResult> {
    return probeBroker(url, { timeoutMs: this.controlPlaneTimeoutMs, tracker: this.tracker, now: this.now });
  }

  snapshot(): ListenerSnapshot {
    return {
      brokerUrl: this.brokerUrl,
      actionsServiceUrl: this.client?.actionsServiceUrl ?? (this.target.kind === 'token' ? this.target.actionsServiceUrl : null),
      scaleSetId: this.scaleSetId,
      ownerName: this.ownerName,
      state: this.state,
      sessionId: this.sessionId,
      lastMessageId: this.memory.lastMessageId,
      messagesReceived: this.messagesReceived,
      jobsAcquired: this.jobsAcquired,
      recentJobIds: [...this.recentJobIds],
      restarts: this.supervisor?.restarts ?? 0,
      consecutiveFailures: this.supervisor?.consecutiveFailures ?? 0,
      nextRestartAt: this.nextRestartAt,
      lastError: this.lastError ? { ...this.lastError } : null,
      controlPlaneTimeoutMs: this.controlPlaneTimeoutMs,
      longPollTimeoutMs: this.longPollTimeoutMs,
      stallThresholdMs: this.tracker.stallThresholdMs,
      calls: { inFlight: this.tracker.calls(), recent: this.tracker.recent() },
      takenAt: this.now(),
    };
  }

  onDidChange(listener: (e: ListenerEvent) => void): Disposable {
    this.listeners.add(listener);
    this.trackerSubscription ??= this.tracker.onDidChange((e) => this.emit(e));
    return {
      dispose: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.unsubscribeTracker();
      },
    };
  }

  private unsubscribeTracker(): void {
    this.trackerSubscription?.dispose();
    this.trackerSubscription = null;
  }

  /** Stops and releases the tracker's channel subscriptions (if the tracker is its own). */
  async dispose(): Promise<void> {
    await this.stop();
    this.unsubscribeTracker();
    if (this.ownTracker) this.tracker.dispose();
    this.listeners.clear();
  }

  private hooks(healthy: () => void): LoopHooks {
    return {
      state: (s) => this.setState(s),
      sessionCreated: (id) => {
        this.sessionId = id;
        this.emit({ type: 'session-created', sessionId: id, at: this.now() });
      },
      sessionDeleted: (id) => {
        if (this.sessionId === id) this.sessionId = null;
        this.emit({ type: 'session-deleted', sessionId: id, at: this.now() });
      },
      message: (messageId) => {
        this.messagesReceived++;
        this.emit({ type: 'message', messageId, at: this.now() });
      },
      jobsAcquired: (ids) => {
        this.jobsAcquired += ids.length;
        this.recentJobIds = [...this.recentJobIds, ...ids].slice(-RECENT_JOB_IDS);
        this.emit({ type: 'jobs-acquired', requestIds: [...ids], at: this.now() });
        this.options.onJobsAcquired?.(ids);
      },
      recovered: (info) => this.recordErrorInfo(info),
      healthy,
    };
  }

  private recordError(error: unknown): void {
    this.recordErrorInfo(errorInfo(error));
  }

  private recordErrorInfo(info: ErrorInfo): void {
    const at = this.now();
    this.lastError = { ...info, at };
    this.emit({ type: 'error', error: info, at });
  }

  private setState(state: ListenerState): void {
    if (this.state === state) return;
    // Once stopping, only the final 'stopped' may follow: a run unwinding must not make the
    // view flicker back to 'polling'.
    if (this.state === 'stopping' && state !== 'stopped') return;
    this.state = state;
    this.emit({ type: 'state', state, at: this.now() });
  }

  private emit(event: ListenerEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds`);
  return value;
}
