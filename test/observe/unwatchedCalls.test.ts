// The process-wide tracker while nobody watches it (the bridge's, nobody attached): a call is
// only remembered, no event updates anything, and what is in flight is decided when someone
// asks. These tests hold that path to the same answers as the watched one, with real servers,
// real node:http and undici clients, in this process.
import diagnosticsChannel from 'node:diagnostics_channel';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CALL_TAG_HEADER, CallTracker } from '../../src/core/listener/index';
import { observeHttpClient } from '../../src/core/observe/httpClient';
import type { Observer } from '../../src/core/observe/observer';
import { startRawServer, startSilentServer, useCleanups, waitFor, type RawServer } from '../listener/helpers';

const cleanups = useCleanups();

/** A tracker as the bridge makes it (no recent list), with the node:http observer feeding it. */
function unwatchedTracker(): CallTracker {
  const tracker = new CallTracker({ stallThresholdMs: 60_000, recentLimit: 0 });
  const observer = observeHttpClient({ tracker, now: Date.now, debug: () => undefined }) as Observer;
  cleanups.push(
    () => observer.dispose(),
    () => tracker.dispose(),
  );
  return tracker;
}

/** Answers every request with a 200 whose 2-byte body ends only when `finish()` is called. */
async function startHeldBodyServer(): Promise<RawServer & { finish(): void }> {
  const waiting: Array<() => void> = [];
  const server = await startRawServer((socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{');
      waiting.push(() => socket.write('}'));
    });
  });
  cleanups.push(() => server.close());
  return { ...server, finish: () => waiting.splice(0).forEach((write) => write()) };
}

function get(url: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, resolve);
    req.on('error', reject);
    cleanups.push(() => void req.destroy());
  });
}

describe('the call tracker while nobody watches it', () => {
  it('a node:http response gets no listeners; asked later, its call shows the body pending with its status, and ends for a new watcher when the body does', async () => {
    const server = await startHeldBodyServer();
    // Node's own listeners on a response, as a process without Flake Doctor has them.
    const bare = await get(`${server.url}/bare`);
    const bareListeners = [bare.listenerCount('end'), bare.listenerCount('close')];
    bare.destroy();
    const tracker = unwatchedTracker();
    const res = await get(`${server.url}/held?token=secret`);
    // Nobody watches: the observer added nothing to the caller's response (it did before).
    expect([res.listenerCount('end'), res.listenerCount('close')]).toEqual(bareListeners);

    // Asked: the call is adopted, caught up from the request itself.
    expect(tracker.calls()).toMatchObject([
      { kind: 'external', source: 'node:http', method: 'GET', url: `${server.url}/held`, phase: 'receiving-body', status: 200 },
    ]);

    let signals = 0;
    tracker.onDidChangeCalls(() => signals++);
    res.resume();
    server.finish();
    // The adopted call follows its body: its end is heard, not found at the next sweep.
    await waitFor(() => signals > 0, 'the watcher to hear the call end');
    expect(tracker.calls()).toEqual([]);
  });

  it('an undici call keeps its phase unseen: headers that came before anyone asked still show', async () => {
    const held = await startHeldBodyServer();
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const tracker = unwatchedTracker();
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const response = await fetch(`${held.url}/body`, { signal: controller.signal });
    void fetch(`${silent.url}/nothing`, { signal: controller.signal }).catch(() => undefined);
    await waitFor(() => silent.connections() > 0, 'the silent server to be reached');
    const calls = tracker.calls();
    expect(calls.find((c) => c.url === `${held.url}/body`)).toMatchObject({ source: 'undici', phase: 'receiving-body', status: 200 });
    expect(calls.find((c) => c.url === `${silent.url}/nothing`)).toMatchObject({ source: 'undici', phase: 'awaiting-headers', status: null });
    held.finish();
    await response.text();
    await waitFor(() => tracker.calls().every((c) => c.url !== `${held.url}/body`), 'the answered call to leave');
  });

  it("a broker listener's own calls (tagged) are told apart when asked, not per request, and stay unlisted", async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    // As the bridge makes it: calls other trackers tagged are published under their listener.
    const tracker = new CallTracker({ stallThresholdMs: 60_000, recentLimit: 0, skipAllTagged: true });
    cleanups.push(() => tracker.dispose());
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    void fetch(`${silent.url}/listeners-own`, { signal: controller.signal, headers: { [CALL_TAG_HEADER]: 't9-1:c1' } }).catch(() => undefined);
    void fetch(`${silent.url}/users`, { signal: controller.signal }).catch(() => undefined);
    await waitFor(() => silent.connections() >= 2, 'both calls to reach the server');
    expect(tracker.calls().map((c) => c.url)).toEqual([`${silent.url}/users`]);
  });

  it('hundreds of calls in flight at once are all listed; none is lost when finished ones are let go', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const tracker = unwatchedTracker();
    const controller = new AbortController();
    const requests: http.ClientRequest[] = [];
    for (let i = 0; i < 150; i++) {
      const req = http.get(`${silent.url}/n${i}`, { agent: false });
      req.on('error', () => undefined);
      requests.push(req);
      void fetch(`${silent.url}/u${i}`, { signal: controller.signal }).catch(() => undefined);
    }
    // Each listing adopts what was started so far; the rest stay unseen until the next one.
    await waitFor(() => tracker.calls().length === 300, 'all 300 calls to be listed', 10_000);
    for (const req of requests) req.destroy();
    controller.abort();
    await waitFor(() => tracker.calls().length === 0, 'every call to end');
  });

  it('a busy process nobody looks at keeps at most a few dozen finished requests reachable', async () => {
    // A real collection, to count what the tracker still holds.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const tracker = unwatchedTracker();
    const refs: Array<WeakRef<object>> = [];
    const remember = (message: unknown): void => {
      refs.push(new WeakRef((message as { request: object }).request));
    };
    diagnosticsChannel.subscribe('http.client.request.start', remember);
    diagnosticsChannel.subscribe('undici:request:create', remember);
    try {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      cleanups.push(() => agent.destroy());
      for (let round = 0; round < 100; round++) {
        // Four at a time, so the settled ones are not always the newest.
        await Promise.all(
          [0, 1, 2, 3].map(
            (i) =>
              new Promise<void>((resolve, reject) => {
                http.get(url, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
                if (i === 0) void fetch(url).then((r) => r.text());
              }),
          ),
        );
      }
    } finally {
      diagnosticsChannel.unsubscribe('http.client.request.start', remember);
      diagnosticsChannel.unsubscribe('undici:request:create', remember);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.length).toBeGreaterThanOrEqual(500);
    const alive = refs.filter((ref) => ref.deref() !== undefined).length;
    expect(alive).toBeLessThanOrEqual(70);
    expect(tracker.calls()).toEqual([]);
  });
});
