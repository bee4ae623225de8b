import { EventEmitter } from 'node:events';
import {
  BrokerListener,
  CallTracker,
  probeBroker,
  type BrokerListenerOptions,
  type CallSnapshot,
  type ListenerEvent,
  type ListenerSnapshot,
  type ProbeResult,
} from '../../core/listener';
import { effectiveStallThresholdMs, sameListenerOptions, type CallsSettings } from './callsSettings';
import { SerialQueue } from '../common/serialQueue';

/** What the view renders: the listener's snapshot with the process's other calls split off. */
export interface CallsState {
  /** The configured broker URL (what Start would use); null when none is set. */
  brokerUrl: string | null;
  /** The running listener; null while none runs (the view then shows its welcome text). */
  listener: ListenerSnapshot | null;
  /** In-flight calls made by other code in the extension host (only with trackProcessCalls). */
  processCalls: CallSnapshot[];
  /** The settings changed since the running listener was started; they apply on the next start. */
  settingsPending: boolean;
}

export interface CallsModelEvents {
  change: [CallsState];
  /** Every listener event, for the log (the view itself renders `change`). */
  listenerEvent: [ListenerEvent];
}

export type ListenerFactory = (options: BrokerListenerOptions) => BrokerListener;

/** Listener events can come in bursts (every external fetch in the process is one): one snapshot per this many ms at most. */
const SNAPSHOT_THROTTLE_MS = 100;

/**
 * Owns the broker listener and the one call tracker it shares, and turns their snapshot into
 * what the view shows. Re-snapshots on the listener's events, throttled (not debounced: a
 * steady stream of events must not postpone the update forever), and on `refresh()`; emits
 * `change` only when the state differs from the last one. Start/Stop are serialised so quick
 * clicks never overlap. No `vscode` import: tested against a real fake broker.
 */
export class CallsModel extends EventEmitter<CallsModelEvents> {
  private listener: BrokerListener | null = null;
  private tracker: CallTracker | null = null;
  private subscription: { dispose(): void } | null = null;
  private runningSettings: CallsSettings | null = null;
  private current: CallsState;
  private currentKey = '';
  private throttle: NodeJS.Timeout | null = null;
  private readonly lifecycle = new SerialQueue();

  constructor(
    private settings: CallsSettings,
    private readonly factory: ListenerFactory = (options) => new BrokerListener(options),
  ) {
    super();
    this.current = this.build();
    this.currentKey = stateKey(this.current);
  }

  get state(): CallsState {
    return this.current;
  }

  get currentSettings(): CallsSettings {
    return this.settings;
  }

  get isRunning(): boolean {
    return this.listener !== null;
  }

  /** A call by id from a fresh snapshot (in flight first, then recent), or undefined. */
  call(id: string): CallSnapshot | undefined {
    const state = this.refresh();
    const all = [...(state.listener?.calls.inFlight ?? []), ...state.processCalls, ...(state.listener?.calls.recent ?? [])];
    return all.find((c) => c.id === id);
  }

  /** Takes a new snapshot now (cheap: in-process), emitting `change` if it differs. */
  refresh(): CallsState {
    if (this.throttle) {
      clearTimeout(this.throttle);
      this.throttle = null;
    }
    const next = this.build();
    const key = stateKey(next);
    this.current = next;
    if (key !== this.currentKey) {
      this.currentKey = key;
      this.emit('change', next);
    }
    return next;
  }

  updateSettings(settings: CallsSettings): void {
    this.settings = settings;
    this.refresh();
  }

  start(): Promise<void> {
    return this.lifecycle.run(async () => {
      if (this.listener) return;
      const settings = this.settings;
      if (!settings.brokerUrl) throw new Error('no broker URL is set (flakeDoctor.calls.brokerUrl)');
      // One tracker per running listener, shared by everything that makes calls for it (the
      // listener and Probe): a second tracker would subscribe to the diagnostics channels again.
      const tracker = new CallTracker({ stallThresholdMs: effectiveStallThresholdMs(settings), observeProcess: settings.trackProcessCalls });
      let listener: BrokerListener;
      try {
        listener = this.factory({
          brokerUrl: settings.brokerUrl,
          controlPlaneTimeoutMs: settings.controlPlaneTimeoutMs,
          longPollTimeoutMs: settings.longPollTimeoutMs,
          tracker,
        });
      } catch (err) {
        tracker.dispose();
        throw err;
      }
      this.tracker = tracker;
      this.listener = listener;
      this.runningSettings = settings;
      this.subscription = listener.onDidChange((event) => {
        this.emit('listenerEvent', event);
        this.schedule();
      });
      listener.start();
      this.refresh();
    });
  }

  /** Stops the listener promptly (it aborts its calls and deletes its session under a short grace). */
  stop(): Promise<void> {
    return this.lifecycle.run(async () => {
      const listener = this.listener;
      if (!listener) return;
      try {
        // Still attached while stopping, so the view shows "stopping" and the calls unwinding.
        await listener.dispose();
      } finally {
        this.subscription?.dispose();
        this.subscription = null;
        this.tracker?.dispose();
        this.tracker = null;
        this.listener = null;
        this.runningSettings = null;
        this.refresh();
      }
    });
  }

  /** Deletes the session and creates a new one. */
  restart(): void {
    this.requireListener().restart();
    this.refresh();
  }

  /** Aborts one in-flight call; false when it has already ended or cannot be aborted. */
  abortCall(id: string): boolean {
    const listener = this.requireListener();
    const aborted = listener.abortCall(id);
    this.refresh();
    return aborted;
  }

  /**
   * Times one lightweight request to the broker. Through the running listener when there is
   * one (the probe then shows in the view as a tracked call); else a standalone probe of the
   * configured URL, bounded by the same control-plane deadline.
   */
  probe(): Promise<ProbeResult> {
    if (this.listener) return this.listener.probeBroker();
    const url = this.settings.brokerUrl;
    if (!url) return Promise.reject(new Error('no broker URL is set (flakeDoctor.calls.brokerUrl)'));
    return probeBroker(url, { timeoutMs: this.settings.controlPlaneTimeoutMs });
  }

  private requireListener(): BrokerListener {
    if (!this.listener) throw new Error('the broker listener is not running');
    return this.listener;
  }

  private schedule(): void {
    this.throttle ??= setTimeout(() => {
      this.throttle = null;
      this.refresh();
    }, SNAPSHOT_THROTTLE_MS);
  }

  private build(): CallsState {
    const snapshot = this.listener?.snapshot() ?? null;
    let listener: ListenerSnapshot | null = null;
    let processCalls: CallSnapshot[] = [];
    if (snapshot) {
      // The tracker sees every call in the process; the listener row shows its own.
      const own = (c: CallSnapshot) => c.kind !== 'external';
      listener = { ...snapshot, calls: { inFlight: snapshot.calls.inFlight.filter(own), recent: snapshot.calls.recent.filter(own) } };
      processCalls = snapshot.calls.inFlight.filter((c) => !own(c));
    }
    return {
      brokerUrl: this.settings.brokerUrl,
      listener,
      processCalls,
      settingsPending: this.runningSettings !== null && !sameListenerOptions(this.runningSettings, this.settings),
    };
  }

  /** Stops the listener (fire and forget: VS Code disposes synchronously). */
  dispose(): Promise<void> {
    if (this.throttle) clearTimeout(this.throttle);
    this.throttle = null;
    this.removeAllListeners();
    return this.stop().catch(() => undefined);
  }
}

/** Everything but the snapshot's own clock: equal keys mean nothing on screen changed. */
function stateKey(state: CallsState): string {
  return JSON.stringify({ ...state, listener: state.listener ? { ...state.listener, takenAt: 0 } : null });
}
