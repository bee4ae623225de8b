// The tracker diagnoses code it did not write: calls made with plain global fetch (Node's
// bundled undici) or the npm undici show up through the diagnostics channels.
import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { CallTracker, type CallSnapshot } from '../../src/core/listener/index';
import { ManualScheduler } from '../relay/helpers/manualScheduler';
import { type RawServer, startSilentServer, useCleanups, waitFor } from './helpers';

const STALL_MS = 200;

const cleanups = useCleanups();

/** Starts a fetch to `server`/mine that `tracker` lists; resolves once it is listed. */
async function startListedFetch(tracker: CallTracker, server: RawServer): Promise<void> {
  const controller = new AbortController();
  fetch(`${server.url}/mine`, { signal: controller.signal }).catch(() => undefined);
  cleanups.push(() => controller.abort());
  await waitFor(() => tracker.calls().some((c) => c.url === `${server.url}/mine`), 'the next tracker’s own fetch to appear');
}

function externalTo(tracker: CallTracker, server: RawServer): CallSnapshot | undefined {
  return tracker.calls().find((c) => c.kind === 'external' && c.url.includes(`:${server.port}`));
}

describe('CallTracker (process-wide, via undici diagnostics channels)', () => {
  it('sees a plain fetch to a stalling server and flags it stalled after the threshold', async () => {
    const server = await startSilentServer();
    cleanups.push(() => server.close());
    const tracker = new CallTracker({ stallThresholdMs: STALL_MS });
    cleanups.push(() => tracker.dispose());
    const stalledEvents: string[] = [];
    tracker.onDidChange((e) => {
      if (e.type === 'call-stalled') stalledEvents.push(e.call.url);
    });

    const controller = new AbortController();
    const pending = fetch(`${server.url}/jobs?token=secret`, { signal: controller.signal }).catch((e: unknown) => e);

    const seen = await waitFor(() => externalTo(tracker, server), 'the fetch to appear');
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe(`${server.url}/jobs`); // query (tokens) stripped
    expect(seen.deadlineAt).toBeNull();

    const stalled = await waitFor(() => externalTo(tracker, server)?.stalled && externalTo(tracker, server), 'the fetch to be flagged stalled');
    expect(Date.now() - stalled.startedAt).toBeGreaterThanOrEqual(STALL_MS - 20);
    await waitFor(() => stalledEvents.length > 0, 'a call-stalled event');

    controller.abort();
    await pending;
    await waitFor(() => !externalTo(tracker, server), 'the aborted fetch to leave the in-flight list');
    expect(tracker.recent().at(-1)?.outcome).toBe('error');
  });

  it('sees npm undici requests too, and can break one (abort by id)', async () => {
    const server = await startSilentServer();
    cleanups.push(() => server.close());
    const tracker = new CallTracker({ stallThresholdMs: STALL_MS });
    cleanups.push(() => tracker.dispose());
    const pending = request(`${server.url}/x`).catch((e: unknown) => e);
    // request.abort is only available once undici has a connection for it.
    const call = await waitFor(() => server.connections() > 0 && externalTo(tracker, server), 'the request to appear');
    await waitFor(() => tracker.abort(call.id, 'test break'), 'the request to become abortable');
    const error = await pending;
    expect(error).toBeInstanceOf(Error);
    await waitFor(() => !externalTo(tracker, server), 'the broken request to leave');
  });

  it('does not list a finished fetch, and stops observing after dispose()', async () => {
    const tracker = new CallTracker({ stallThresholdMs: STALL_MS });
    const { startFakeBroker } = await import('../../src/core/listener/index');
    const broker = await startFakeBroker();
    cleanups.push(() => broker.close());
    const res = await fetch(`${broker.url}/health`);
    await res.text();
    expect(tracker.calls()).toEqual([]);
    expect(tracker.recent().at(-1)).toMatchObject({ kind: 'external', outcome: 'ok', status: 200 });
    tracker.dispose();
    const before = tracker.recent().length;
    await (await fetch(`${broker.url}/health`)).text();
    expect(tracker.recent().length).toBe(before);
  });
});

describe('CallTracker bookkeeping on undici requests', () => {
  /** Requests undici creates while `body` runs, as the channel hands them out. */
  async function requestsDuring(body: () => Promise<void>): Promise<object[]> {
    const seen: object[] = [];
    const onCreate = (message: unknown): void => {
      seen.push((message as { request: object }).request);
    };
    diagnosticsChannel.subscribe('undici:request:create', onCreate);
    try {
      await body();
    } finally {
      diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
    }
    return seen;
  }
  it('stores nothing on the request objects it follows (no property, so no new hidden class for undici), tracker after tracker', async () => {
    const { startFakeBroker } = await import('../../src/core/listener/index');
    const broker = await startFakeBroker();
    cleanups.push(() => broker.close());
    // The keys of a request nobody tracks: what every tracked one must still have.
    const [untracked] = await requestsDuring(async () => {
      await (await fetch(`${broker.url}/health`)).text();
    });
    const bareKeys = Reflect.ownKeys(untracked!);
    for (let i = 0; i < 3; i++) {
      const tracker = new CallTracker({ stallThresholdMs: 60_000 });
      const requests = await requestsDuring(async () => {
        await (await fetch(`${broker.url}/health`)).text();
      });
      expect(tracker.recent().at(-1)).toMatchObject({ kind: 'external', outcome: 'ok' });
      tracker.dispose();
      for (const request of requests) expect(Reflect.ownKeys(request)).toEqual(bareKeys);
    }
  });

  it('two trackers observing at once each see and end the same request', async () => {
    const { startFakeBroker } = await import('../../src/core/listener/index');
    const broker = await startFakeBroker();
    cleanups.push(() => broker.close());
    const a = new CallTracker({ stallThresholdMs: 60_000 });
    const b = new CallTracker({ stallThresholdMs: 60_000 });
    cleanups.push(
      () => a.dispose(),
      () => b.dispose(),
    );
    await (await fetch(`${broker.url}/health`)).text();
    for (const t of [a, b]) {
      expect(t.calls()).toEqual([]);
      expect(t.recent().at(-1)).toMatchObject({ kind: 'external', outcome: 'ok', status: 200, url: `${broker.url}/health` });
    }
  });

  it('a call in flight when its tracker is disposed is not taken for its own by the next tracker', async () => {
    const server = await startSilentServer();
    cleanups.push(() => server.close());
    const first = new CallTracker({ stallThresholdMs: 60_000 });
    const controller = new AbortController();
    const pending = fetch(`${server.url}/held`, { signal: controller.signal }).catch((e: unknown) => e);
    // Connected, so its abort goes through undici's request error event.
    await waitFor(() => server.connections() > 0 && externalTo(first, server), 'the fetch to appear');
    first.dispose();
    const next = new CallTracker({ stallThresholdMs: 60_000 });
    cleanups.push(() => next.dispose());
    await startListedFetch(next, server);
    controller.abort();
    await pending;
    // The aborted fetch belonged to the disposed tracker: the next one neither lists it nor
    // lost its own call to it.
    expect(next.recent().filter((c) => c.url.endsWith('/held'))).toEqual([]);
    expect(next.calls().map((c) => c.url)).toEqual([`${server.url}/mine`]);
  });

  it('abort() of an unknown or malformed id is false', () => {
    const tracker = new CallTracker({ observeProcess: false });
    cleanups.push(() => tracker.dispose());
    const call = tracker.begin({ name: 'x', kind: 'control-plane', method: 'GET', url: 'http://b/x', deadlineAt: null, abort: () => undefined });
    expect(call.id).toMatch(/^c[1-9][0-9]*$/);
    for (const id of ['', 'c', 'c0', `x${call.id.slice(1)}`, `${call.id}0`, ` ${call.id}`, 'constructor']) expect(tracker.abort(id)).toBe(false);
    expect(tracker.abort(call.id)).toBe(true);
  });
});

describe('CallTracker stall detection (one shared timer for all calls)', () => {
  it('flags each stalled call once, including one whose stall moment is earlier than the armed one, and never one that ended in time', () => {
    // The tracker's clock and timers are the test's: stall moments are reached by advancing
    // the clock, never by waiting.
    const clock = new ManualScheduler();
    const tracker = new CallTracker({ stallThresholdMs: 60_000, observeProcess: false, now: clock.now, timers: clock });
    cleanups.push(() => tracker.dispose());
    const stalled: string[] = [];
    const ended: string[] = [];
    tracker.onDidChange((e) => {
      if (e.type === 'call-stalled') {
        expect(e.call.stalled).toBe(true);
        expect(e.at).toBe(clock.t);
        stalled.push(e.call.name);
      }
      if (e.type === 'call-ended') ended.push(e.call.name);
    });
    const now = clock.now();
    // Arms the shared timer far ahead (its deadline is 10 minutes away).
    const far = tracker.begin({ name: 'far', kind: 'long-poll', method: 'GET', url: 'http://b/q?lastMessageId=1', deadlineAt: now + 600_000 });
    // Later calls with earlier stall moments must re-arm it earlier.
    const soon = tracker.begin({ name: 'soon', kind: 'control-plane', method: 'POST', url: 'http://b/acquirejobs', deadlineAt: now + 30 });
    const sooner = tracker.begin({ name: 'sooner', kind: 'long-poll', method: 'GET', url: 'http://b/q', deadlineAt: now + 10 });
    const inTime = tracker.begin({ name: 'in-time', kind: 'control-plane', method: 'GET', url: 'http://b/x', deadlineAt: now + 20 });
    expect(clock.armed).toBe(1); // one timer, however many calls
    clock.advance(9);
    expect(stalled).toEqual([]);
    inTime.end({ outcome: 'ok', status: 200 });
    clock.advance(1); // t = 10: sooner's deadline
    expect(stalled).toEqual(['sooner']);
    clock.advance(19);
    expect(stalled).toEqual(['sooner']);
    clock.advance(1); // t = 30: soon's deadline; in-time ended before its own and is never flagged
    expect(stalled).toEqual(['sooner', 'soon']);
    const inFlight = tracker.calls();
    expect(inFlight.map((c) => [c.name, c.stalled])).toEqual([
      ['far', false],
      ['soon', true],
      ['sooner', true],
    ]);
    expect(inFlight[0]?.url).toBe('http://b/q'); // query stripped for own calls too
    expect(ended).toEqual(['in-time']);
    expect(tracker.recent()).toMatchObject([{ name: 'in-time', outcome: 'ok', status: 200, stalled: false, phase: 'done', endedAt: 9 }]);

    soon.end({ outcome: 'deadline', error: 'deadline' });
    sooner.end({ outcome: 'deadline', error: 'deadline' });
    // A later call still gets its own stall event once the earlier ones are gone.
    const late = tracker.begin({ name: 'late', kind: 'control-plane', method: 'GET', url: 'http://b/y', deadlineAt: clock.now() + 10 });
    clock.advance(10);
    expect(stalled).toEqual(['sooner', 'soon', 'late']);
    late.end({ outcome: 'deadline' });
    far.end({ outcome: 'aborted' });
    clock.advance(3_600_000);
    expect(stalled).toEqual(['sooner', 'soon', 'late']); // once each, and none for far (ended)
    expect(tracker.recent().map((c) => [c.name, c.stalled])).toEqual([
      ['in-time', false],
      ['soon', true],
      ['sooner', true],
      ['late', true],
      ['far', false],
    ]);
    expect(tracker.calls()).toEqual([]);
  });

  it('a call reaches the stall threshold on the tracker clock; a long poll never does by age alone', () => {
    const clock = new ManualScheduler();
    const tracker = new CallTracker({ stallThresholdMs: 100, observeProcess: false, now: clock.now, timers: clock });
    cleanups.push(() => tracker.dispose());
    const stalled: string[] = [];
    tracker.onDidChange((e) => e.type === 'call-stalled' && stalled.push(e.call.name));
    tracker.begin({ name: 'poll', kind: 'long-poll', method: 'GET', url: 'http://b/poll', deadlineAt: null });
    clock.advance(50);
    tracker.begin({ name: 'slow', kind: 'control-plane', method: 'GET', url: 'http://b/slow', deadlineAt: null });
    clock.advance(99);
    expect(tracker.calls().map((c) => c.stalled)).toEqual([false, false]);
    clock.advance(1);
    expect(stalled).toEqual(['slow']);
    expect(tracker.calls().map((c) => [c.name, c.stalled])).toEqual([
      ['poll', false],
      ['slow', true],
    ]);
    expect(clock.armed).toBe(0); // nothing left that could stall: no timer
  });

  it('dispose() clears the stall timer', () => {
    const clock = new ManualScheduler();
    const tracker = new CallTracker({ stallThresholdMs: 100, observeProcess: false, now: clock.now, timers: clock });
    tracker.begin({ name: 'x', kind: 'control-plane', method: 'GET', url: 'http://b/x', deadlineAt: null });
    expect(clock.armed).toBe(1);
    tracker.dispose();
    expect(clock.armed).toBe(0);
  });

  it('ignores a second end() and headers after the end', () => {
    const tracker = new CallTracker({ observeProcess: false });
    cleanups.push(() => tracker.dispose());
    const events: string[] = [];
    tracker.onDidChange((e) => events.push(e.type));
    const call = tracker.begin({ name: 'x', kind: 'control-plane', method: 'GET', url: 'http://b/x', deadlineAt: Date.now() + 60_000 });
    call.headersReceived(200);
    expect(tracker.calls()[0]).toMatchObject({ phase: 'receiving-body', status: 200 });
    call.end({ outcome: 'ok', status: 200 });
    call.end({ outcome: 'error', error: 'late' });
    call.headersReceived(500);
    expect(events).toEqual(['call-started', 'call-ended']);
    expect(tracker.recent()).toMatchObject([{ outcome: 'ok', status: 200, error: null }]);
  });

  it('onDidChangeCalls: one signal per turn however many calls changed, none after dispose', async () => {
    const tracker = new CallTracker({ observeProcess: false });
    cleanups.push(() => tracker.dispose());
    let signals = 0;
    tracker.onDidChangeCalls(() => (signals += 1));
    const calls = ['a', 'b', 'c'].map((name) => tracker.begin({ name, kind: 'control-plane', method: 'GET', url: `http://b/${name}`, deadlineAt: null }));
    for (const call of calls) call.end({ outcome: 'ok', status: 200 });
    expect(signals).toBe(0); // coalesced: delivered in the next turn, not per event
    await new Promise((r) => setImmediate(r));
    expect(signals).toBe(1);
    tracker.begin({ name: 'd', kind: 'control-plane', method: 'GET', url: 'http://b/d', deadlineAt: null });
    tracker.dispose();
    await new Promise((r) => setImmediate(r));
    expect(signals).toBe(1);
  });

  it('an ended external call still shows its URL (query stripped) after the request is let go', async () => {
    const server = await startSilentServer();
    cleanups.push(() => server.close());
    const tracker = new CallTracker({ stallThresholdMs: 60_000 });
    cleanups.push(() => tracker.dispose());
    const controller = new AbortController();
    const pending = fetch(`${server.url}/jobs?token=secret`, { signal: controller.signal }).catch((e: unknown) => e);
    await waitFor(() => externalTo(tracker, server), 'the fetch to appear');
    controller.abort();
    await pending;
    const ended = await waitFor(() => tracker.recent().find((c) => c.kind === 'external' && c.url.includes(`:${server.port}`)), 'the fetch to end');
    expect(ended.url).toBe(`${server.url}/jobs`);
  });
});
