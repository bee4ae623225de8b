// Carries out an action that arrived over the bridge on the thing it names. Every action
// returns a result or throws a BridgeError with a code; an unknown target is an error at once,
// never a hang. Probes are bounded by the core's own timeouts (the relay's probeTimeoutMs, the
// listener's control-plane deadline).

import type { CallTracker } from '../listener/tracker';
import type { ProbeResult } from '../listener/types';
import { liveRegistry } from '../live/registry';
import type { Observer } from '../observe/observer';
import { BridgeError } from './errors';
import type { BridgeAction, BridgeActRequest, BridgeActResult } from './types';

const ACTIONS: readonly BridgeAction[] = ['probe', 'break', 'restart'];

export function isBridgeAction(value: unknown): value is BridgeAction {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}

function unsupported(target: string, action: BridgeAction, kind: string, supported: string): never {
  throw new BridgeError('unsupported_action', `${action} is not an action on a ${kind} (${target}); it supports ${supported}`);
}

function unknown(target: string, why: string): never {
  throw new BridgeError('unknown_target', `no ${target} in this process: ${why}`);
}

async function failing<T>(what: string, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof BridgeError) throw err;
    throw new BridgeError('action_failed', `${what} failed: ${(err as Error).message}`);
  }
}

export async function performAction(request: BridgeActRequest, tracker: CallTracker, observers: readonly Observer[] = []): Promise<BridgeActResult> {
  const { target, action } = request;
  // An observer's own targets first (a WebSocket, an orphaned child): each says whether it is its own.
  for (const observer of observers) {
    const result = observer.act?.(request);
    if (result) return failing(`${action} on ${target}`, () => result);
  }
  const done = (message: string, details?: BridgeActResult['details']): BridgeActResult => ({ target, action, message, ...(details ? { details } : {}) });
  const registry = liveRegistry();

  if (target.startsWith('http:')) {
    if (action !== 'break') unsupported(target, action, 'HTTP call', 'break');
    const aborted = tracker.abort(target.slice('http:'.length), 'aborted through the Flake Doctor bridge');
    if (!aborted) unknown(target, 'the call has ended, or it cannot be aborted yet');
    return done(`aborted ${target}; its caller sees an abort error`);
  }

  const colon = target.indexOf(':');
  const ownerId = colon === -1 ? target : target.slice(0, colon);
  const childId = colon === -1 ? null : target.slice(colon + 1);

  if (ownerId.startsWith('relay-')) {
    const relay = registry.entries('relay').find(([id]) => id === ownerId)?.[1];
    if (!relay) unknown(target, 'the relay has closed');
    if (childId === null) {
      if (action !== 'restart') unsupported(target, action, 'relay', 'restart (sessions support probe and break)');
      await failing(`restarting ${target}`, () => relay.restart());
      return done(`restarted ${target}: every session was closed with 1012 and the relay listens again`);
    }
    const exists = (relay.snapshot() as { sessions: Array<{ id: string }> }).sessions.some((s) => s.id === childId);
    if (!exists) unknown(target, 'the session has closed');
    if (action === 'probe') {
      const rttMs = await failing(`probing ${target}`, () => relay.probeSession(childId));
      return done(`PONG from ${target} in ${rttMs.toFixed(1)} ms`, { rttMs });
    }
    if (action === 'break') {
      await failing(`closing ${target}`, () => relay.closeSession(childId));
      return done(`closed ${target} (close code 4500, closed by operator)`);
    }
    unsupported(target, action, 'relay session', 'probe and break');
  }

  if (ownerId.startsWith('listener-')) {
    const listener = registry.entries('listener').find(([id]) => id === ownerId)?.[1];
    if (!listener) unknown(target, 'the listener has stopped');
    if (childId === null) {
      if (action === 'probe') {
        const probe = (await failing(`probing the broker of ${target}`, () => listener.probe())) as ProbeResult;
        const message = probe.ok
          ? `broker answered ${probe.status} in ${Math.round(probe.latencyMs)} ms`
          : `broker did not answer: ${probe.error ?? `status ${probe.status}`}`;
        return done(message, { ok: probe.ok, status: probe.status, latencyMs: Math.round(probe.latencyMs), url: probe.url, error: probe.error });
      }
      if (action === 'restart') {
        await failing(`restarting ${target}`, () => listener.restart());
        return done(`restarting ${target}: its session is deleted and a new one created`);
      }
      unsupported(target, action, 'listener', 'probe and restart (its calls support break)');
    }
    if (action !== 'break') unsupported(target, action, 'listener call', 'break');
    if (!listener.abortCall(childId)) unknown(target, 'the call has ended, or it cannot be aborted');
    return done(`aborted ${target}; the listener retries`);
  }

  if (ownerId.startsWith('lease-') || ownerId.startsWith('lock-')) {
    throw new BridgeError(
      'unsupported_action',
      `${target} is shown for information; leases and locks are acted on through their files (Loopback Addresses / Restart Locks)`,
    );
  }
  unknown(target, 'targets are the ids of calls, sessions, relays and listeners in the snapshot');
}
