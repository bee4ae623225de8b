import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeBroker, type FakeBroker } from '../../src/core/listener';
import { CallsModel, type CallsState } from '../../src/extension/calls/callsModel';
import { readCallsSettings } from '../../src/extension/calls/callsSettings';

const settings = (values: Record<string, unknown> = {}) => readCallsSettings((k) => values[k]).settings;

function until(model: CallsModel, predicate: (s: CallsState) => boolean, timeoutMs = 20_000): Promise<CallsState> {
  if (predicate(model.state)) return Promise.resolve(model.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      model.off('change', check);
      reject(new Error(`state never matched; last: ${JSON.stringify(model.state).slice(0, 600)}`));
    }, timeoutMs);
    const check = (s: CallsState) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      model.off('change', check);
      resolve(s);
    };
    model.on('change', check);
  });
}

describe('CallsModel with a real fake broker', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
  });
  const broker = async (options: Parameters<typeof startFakeBroker>[0]): Promise<FakeBroker> => {
    const b = await startFakeBroker(options);
    cleanup.push(() => b.close());
    return b;
  };

  it('shows a stalled acquisition, aborts it on Break, and the listener retries and acquires the job', async () => {
    const b = await broker({ faults: { acquireJobs: { kind: 'stall', times: 1 } }, longPollHoldMs: 30_000 });
    const jobId = b.enqueueJob();
    // A long deadline and a short stall threshold: stalled, but not aborted by its deadline.
    const model = new CallsModel(settings({ brokerUrl: b.url, controlPlaneTimeoutMs: 120_000, stallThresholdMs: 300 }));
    cleanup.push(() => model.dispose());
    expect(model.state.listener).toBeNull();
    await model.start();
    expect(model.isRunning).toBe(true);

    const stalled = await until(model, (s) => s.listener?.calls.inFlight.some((c) => c.name === 'acquireJobs' && c.stalled) ?? false);
    const call = stalled.listener!.calls.inFlight.find((c) => c.name === 'acquireJobs')!;
    expect(call.deadlineAt! - call.startedAt).toBe(120_000);
    expect(stalled.listener!.state).toBe('acquiring');
    expect(stalled.listener!.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(stalled.processCalls).toEqual([]);
    expect(model.call(call.id)?.outcome).toBeNull();

    expect(model.abortCall(call.id)).toBe(true);
    const after = await until(model, (s) => (s.listener?.jobsAcquired ?? 0) === 1 && !s.listener!.calls.inFlight.some((c) => c.name === 'acquireJobs'));
    expect(after.listener!.recentJobIds).toEqual([jobId]);
    expect(after.listener!.calls.recent.find((c) => c.id === call.id)).toMatchObject({ outcome: 'aborted' });
    expect(b.acquiredJobs()).toEqual([jobId]);
    // A call that has ended cannot be aborted (Break on a stale row does nothing).
    expect(model.abortCall(call.id)).toBe(false);

    await model.stop();
    expect(model.state.listener).toBeNull();
    expect(model.isRunning).toBe(false);
    expect(b.sessions()).toEqual([]);
  });

  it('emits change only when something changed, and restart creates a new session', async () => {
    const b = await broker({ longPollHoldMs: 30_000 });
    const model = new CallsModel(settings({ brokerUrl: b.url }));
    cleanup.push(() => model.dispose());
    await model.start();
    const polling = await until(model, (s) => s.listener?.state === 'polling' && s.listener.calls.inFlight.some((c) => c.kind === 'long-poll'));
    const first = polling.listener!.sessionId!;
    let changes = 0;
    model.on('change', () => changes++);
    model.refresh();
    model.refresh();
    expect(changes).toBe(0);

    model.restart();
    const next = await until(model, (s) => s.listener?.state === 'polling' && s.listener.sessionId !== null && s.listener.sessionId !== first);
    expect(b.sessions().map((s) => s.sessionId)).toEqual([next.listener!.sessionId]);
  });

  it('probes with or without a running listener; refuses to start or probe without a broker URL', async () => {
    const b = await broker({});
    const model = new CallsModel(settings({ brokerUrl: b.url }));
    cleanup.push(() => model.dispose());
    const standalone = await model.probe();
    expect(standalone).toMatchObject({ ok: true, status: 200, url: b.url });
    await model.start();
    const tracked = await model.probe();
    expect(tracked).toMatchObject({ ok: true, status: 200 });
    // Through the listener's tracker: the probe is among its recent calls.
    expect(model.refresh().listener!.calls.recent.some((c) => c.name === 'probe' && c.outcome === 'ok')).toBe(true);

    const none = new CallsModel(settings({}));
    cleanup.push(() => none.dispose());
    await expect(none.start()).rejects.toThrow(/no broker URL is set/);
    await expect(none.probe()).rejects.toThrow(/no broker URL is set/);
    expect(none.isRunning).toBe(false);
  });

  it('says when settings changed since the listener started', async () => {
    const b = await broker({ longPollHoldMs: 30_000 });
    const model = new CallsModel(settings({ brokerUrl: b.url }));
    cleanup.push(() => model.dispose());
    await model.start();
    model.updateSettings(settings({ brokerUrl: b.url, autostart: true }));
    expect(model.state.settingsPending).toBe(false);
    model.updateSettings(settings({ brokerUrl: b.url, controlPlaneTimeoutMs: 5000 }));
    expect(model.state.settingsPending).toBe(true);
    await model.stop();
    expect(model.state.settingsPending).toBe(false);
  });

  it('with trackProcessCalls, other code’s stalled fetch is listed apart from the listener’s calls', async () => {
    const silent: Server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise((r) => (silent.closeAllConnections(), silent.close(() => r(undefined)))));
    const b = await broker({ longPollHoldMs: 30_000 });
    const model = new CallsModel(settings({ brokerUrl: b.url, trackProcessCalls: true, stallThresholdMs: 300 }));
    cleanup.push(() => model.dispose());
    await model.start();
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hang`;
    const controller = new AbortController();
    const pending = fetch(url, { signal: controller.signal }).catch((err: Error) => err);
    cleanup.push(async () => controller.abort());
    const s = await until(model, (st) => st.processCalls.some((c) => c.url === url && c.stalled));
    expect(s.processCalls[0]).toMatchObject({ kind: 'external', deadlineAt: null, name: `GET ${url}` });
    expect(s.listener!.calls.inFlight.every((c) => c.kind !== 'external')).toBe(true);
    controller.abort();
    await pending;
    await until(model, (st) => st.processCalls.length === 0);
  });
});
