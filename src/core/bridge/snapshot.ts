// Builds one process's bridge snapshot from what the cores announced in the live registry
// plus the process-wide call tracker, and turns their many change signals into one.

import type { CallTracker } from '../listener/tracker';
import type { CallSnapshot, ListenerSnapshot } from '../listener/types';
import { liveRegistry, type LiveRegistry } from '../live/registry';
import type { Observer, ObservedParts } from '../observe/observer';
import type { RelaySnapshot } from '../relay/types';
import {
  BRIDGE_SCHEMA_VERSION,
  type BridgeHttpCall,
  type BridgeListener,
  type BridgeListenerCall,
  type BridgeProcessInfo,
  type BridgeRelay,
  type BridgeSnapshot,
} from './types';

export class SnapshotSource {
  private seq = 0;
  private readonly registry: LiveRegistry = liveRegistry();
  private readonly watchers = new Set<() => void>();
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly tracker: CallTracker,
    /** Set once the bridge publishes (it needs modules loaded only then). */
    public info: BridgeProcessInfo | null = null,
    /** The process's observers (node:http, WebSockets, listens, children): each adds its part. */
    private readonly observers: readonly Observer[] = [],
  ) {}

  build(): BridgeSnapshot {
    if (!this.info) throw new Error('the bridge has not started publishing yet');
    const takenAt = Date.now();
    const snapshot: BridgeSnapshot = {
      schemaVersion: BRIDGE_SCHEMA_VERSION,
      seq: ++this.seq,
      takenAt,
      process: this.info,
      stallThresholdMs: this.tracker.stallThresholdMs,
      httpCalls: this.tracker.calls().map(httpCall),
      relays: this.registry.entries('relay').map(([id, relay]) => bridgeRelay(id, relay.snapshot() as RelaySnapshot)),
      listeners: this.registry.entries('listener').map(([id, listener]) => bridgeListener(id, listener.snapshot() as ListenerSnapshot)),
      leases: this.registry.entries('lease').map(([id, lease]) => ({ id, ...lease })),
      locks: this.registry.entries('lock').map(([id, lock]) => ({ id, ...lock })),
    };
    const parts: ObservedParts = snapshot;
    for (const observer of this.observers) observer.contribute(parts, takenAt);
    return snapshot;
  }

  /**
   * Calls `listener` whenever anything published may have changed. The underlying
   * subscriptions (tracker, registry, each relay and listener) exist only while someone
   * watches, so a process nobody looks at does no change bookkeeping at all.
   */
  watch(listener: () => void): () => void {
    this.watchers.add(listener);
    if (!this.unwatch) this.unwatch = this.subscribeAll();
    return () => {
      this.watchers.delete(listener);
      if (this.watchers.size === 0 && this.unwatch) {
        this.unwatch();
        this.unwatch = null;
      }
    };
  }

  private readonly fire = (): void => {
    for (const w of this.watchers) w();
  };

  private subscribeAll(): () => void {
    // Relays and listeners come and go: keep one subscription per live one, by registry id.
    const inner = new Map<string, () => void>();
    const sync = (): void => {
      const live = new Set<string>();
      for (const [id, relay] of this.registry.entries('relay')) {
        live.add(id);
        if (!inner.has(id)) inner.set(id, relay.onChange(this.fire));
      }
      for (const [id, listener] of this.registry.entries('listener')) {
        live.add(id);
        if (!inner.has(id)) inner.set(id, listener.onChange(this.fire));
      }
      for (const [id, off] of inner) {
        if (!live.has(id)) {
          off();
          inner.delete(id);
        }
      }
    };
    sync();
    const offRegistry = this.registry.subscribe(() => {
      sync();
      this.fire();
    });
    // The coalesced signal: the published snapshot re-reads calls(), so no per-call snapshot.
    const trackerSub = this.tracker.onDidChangeCalls(this.fire);
    const offObservers = this.observers.map((o) => o.onDidChange(this.fire));
    return () => {
      offRegistry();
      trackerSub.dispose();
      for (const off of offObservers) off();
      for (const off of inner.values()) off();
      inner.clear();
    };
  }
}

function httpCall(call: CallSnapshot): BridgeHttpCall {
  return {
    id: `http:${call.id}`,
    method: call.method,
    url: call.url,
    startedAt: call.startedAt,
    deadlineAt: call.deadlineAt,
    stalled: call.stalled,
    phase: call.phase,
    status: call.status,
    source: call.source ?? 'undici',
    test: call.test ?? null,
  };
}

function bridgeRelay(id: string, snapshot: RelaySnapshot): BridgeRelay {
  return {
    ...snapshot,
    id,
    sessions: snapshot.sessions.map((s) => ({ ...s, id: `${id}:${s.id}`, sessionId: s.id, relayId: id })),
  };
}

function bridgeListener(id: string, snapshot: ListenerSnapshot): BridgeListener {
  // A listener's tracker may also observe the rest of the process; those calls are published
  // once, as httpCalls, not again under the listener.
  const own = (c: CallSnapshot): BridgeListenerCall[] => (c.kind === 'external' ? [] : [{ ...c, id: `${id}:${c.id}`, callId: c.id, listenerId: id }]);
  return {
    ...snapshot,
    id,
    calls: { inFlight: snapshot.calls.inFlight.flatMap(own), recent: snapshot.calls.recent.flatMap(own) },
  };
}
