// The WebSockets of this process that are open, plus a short list of recently closed ones:
// what the observer publishes, what Probe and Break act on. A closed session keeps only its
// published record (no socket, no library object), and only the last RECENT_LIMIT of those.

import { BridgeError } from '../bridge/errors';
import type { BridgeActRequest, BridgeActResult } from '../bridge/types';
import type { ObserverContext } from './observer';
import { KernelQueueReader, type ConnectionQuery } from './socketQueues';
import { TrackedSession, type SessionAdapter, type SessionInit } from './webSocketSession';
import type { ObservedWebSocket } from './webSockets';

export const RECENT_LIMIT = 10;
/** How long Probe waits for the PONG. */
export const PROBE_TIMEOUT_MS = 5_000;
/** Break's close code: "closed by operator", from the relay's block (4500–4519), so a peer can tell it from its own codes. */
export const BREAK_CLOSE_CODE = 4500;
/**
 * While someone watches and a session is open, a change is signalled this often, so states
 * that arrive by nothing happening (silence, a queue that does not drain) reach the watcher.
 */
const WATCH_TICK_MS = 1_000;
/** A peer whose pid was not found is looked for again after this long (it may be another user's). */
const PEER_RETRY_MS = 5_000;

export class SessionRegistry {
  private readonly open = new Map<string, TrackedSession>();
  private readonly recent: ObservedWebSocket[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly preparers = new Set<() => void>();
  private readonly kernel = new KernelQueueReader();
  private next = 1;
  private tick: NodeJS.Timeout | null = null;

  constructor(private readonly context: ObserverContext) {}

  add(init: SessionInit, query = ''): TrackedSession {
    const session = new TrackedSession(`ws:${this.next++}`, init, query);
    this.open.set(session.id, session);
    this.changed();
    return session;
  }

  /** Attaches the library's side; the session's addresses are read now (the socket is connected). */
  attach(session: TrackedSession, adapter: SessionAdapter): void {
    session.adapter = adapter;
    session.readAddresses();
  }

  closed(session: TrackedSession, code: number | null): void {
    if (!this.open.delete(session.id)) return;
    session.state = 'closed';
    session.closeCode = code;
    session.closedAt = this.context.now();
    const queue = { processBytes: null, kernelSendBytes: null, kernelReceiveBytes: null, growingSince: null };
    this.safely('detach', () => session.adapter?.detach());
    const record = session.publish(queue);
    session.adapter = null;
    this.recent.push(record);
    if (this.recent.length > RECENT_LIMIT) this.recent.splice(0, this.recent.length - RECENT_LIMIT);
    this.changed();
  }

  /** Forgets a session that never became a WebSocket (a refused handshake). */
  drop(session: TrackedSession): void {
    if (this.open.delete(session.id)) this.changed();
  }

  /** Runs `fn` before each snapshot (sources that find their library object late); returns the undo. */
  beforeSnapshot(fn: () => void): () => void {
    this.preparers.add(fn);
    return () => this.preparers.delete(fn);
  }

  /** Open sessions with their queues sampled now, then the recently closed ones. */
  snapshot(now: number): ObservedWebSocket[] {
    for (const prepare of this.preparers) this.safely('preparing a snapshot', prepare);
    const sessions = [...this.open.values()];
    const queries: ConnectionQuery[] = [];
    const asked: TrackedSession[] = [];
    for (const s of sessions) {
      s.readAddresses();
      if (s.local && s.peer) {
        const wantPeerPid = s.peer.pid === null && now - s.peerLookedAt >= PEER_RETRY_MS;
        if (wantPeerPid) s.peerLookedAt = now;
        queries.push({ local: s.local, remote: s.peer, wantPeerPid });
        asked.push(s);
      }
    }
    const facts = new Map<TrackedSession, { sendBytes: number; receiveBytes: number } | null>();
    this.safely('kernel queues', () => {
      this.kernel.facts(queries).forEach((f, i) => {
        const s = asked[i]!;
        facts.set(s, f);
        if (f?.peerPid != null && s.peer) s.peer.pid = f.peerPid;
      });
    });
    const out: ObservedWebSocket[] = [];
    for (const s of sessions) {
      this.safely(`sampling ${s.id}`, () => out.push(s.publish(s.sample(now, facts.get(s) ?? null))));
    }
    return out.concat(this.recent);
  }

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    this.updateTick();
    return () => {
      this.listeners.delete(listener);
      this.updateTick();
    };
  }

  act(request: BridgeActRequest): Promise<BridgeActResult> | null {
    const { target, action } = request;
    if (!target.startsWith('ws:')) return null;
    return this.perform(target, action);
  }

  dispose(): void {
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
    this.listeners.clear();
    for (const s of this.open.values()) this.safely('detach', () => s.adapter?.detach());
    this.open.clear();
    this.recent.length = 0;
  }

  /** Runs `fn`, turning a throw into a debug note: nothing here may reach user code. */
  safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.context.debug(`WebSockets: ${what}: ${(err as Error).message}`);
    }
  }

  changed(): void {
    this.updateTick();
    for (const l of this.listeners) this.safely('change listener', l);
  }

  private updateTick(): void {
    const want = this.listeners.size > 0 && this.open.size > 0;
    if (want && !this.tick) {
      this.tick = setInterval(() => {
        for (const l of this.listeners) this.safely('change listener', l);
      }, WATCH_TICK_MS);
      // Watching a process must never keep it alive.
      this.tick.unref();
    } else if (!want && this.tick) {
      clearInterval(this.tick);
      this.tick = null;
    }
  }

  private async perform(target: string, action: BridgeActRequest['action']): Promise<BridgeActResult> {
    const session = this.open.get(target);
    if (!session) {
      const gone = this.recent.some((r) => r.id === target);
      throw new BridgeError('unknown_target', `no ${target} in this process: ${gone ? 'the WebSocket has closed' : 'no such WebSocket'}`);
    }
    const adapter = session.adapter;
    const what = session.subject();
    if (action === 'probe') {
      if (!adapter?.probe)
        throw new BridgeError(
          'unsupported_action',
          `probe is not possible on ${target} (${what}): ${adapter?.unsupported?.probe ?? 'its library object was not found'}`,
        );
      let rttMs: number;
      try {
        rttMs = await adapter.probe(PROBE_TIMEOUT_MS);
      } catch (err) {
        throw new BridgeError('timeout', `no PONG from ${target} (${what}): ${(err as Error).message}`);
      }
      return { target, action, message: `PONG from ${what} in ${rttMs.toFixed(1)} ms`, details: { rttMs } };
    }
    if (action === 'break') {
      if (!adapter?.close)
        throw new BridgeError(
          'unsupported_action',
          `break is not possible on ${target} (${what}): ${adapter?.unsupported?.close ?? 'its library object was not found'}`,
        );
      const how = await adapter.close(BREAK_CLOSE_CODE, 'closed by operator (Flake Doctor)');
      return { target, action, message: `closed ${what} (close code ${BREAK_CLOSE_CODE}, closed by operator): ${how}` };
    }
    throw new BridgeError('unsupported_action', `${action} is not an action on a WebSocket (${target}); it supports probe and break`);
  }
}
