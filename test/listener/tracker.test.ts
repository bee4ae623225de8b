// The tracker diagnoses code it did not write: calls made with plain global fetch (Node's
// bundled undici) or the npm undici show up through the diagnostics channels.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { CallTracker, type CallSnapshot } from '../../src/core/listener/index';
import { startSilentServer, waitFor, type RawServer } from './helpers';

const STALL_MS = 200;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

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
