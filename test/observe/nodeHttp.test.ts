// Real processes on Node 20, 22 and 24, started with `--import <register>` and no change to
// their code, calling real loopback servers through the node:http clients real suites use
// (axios, got, node-fetch 2, superagent, supertest, http.get): what the bridge publishes, what
// Break does to each caller, what the doctor names as the culprit, and that every client's
// answer is the same with and without the preload.
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanLoopbackListeners } from '../../src/core/allocator';
import { connectBridge, listBridgeProcesses, type BridgeClient, type BridgeSnapshot } from '../../src/core/bridge';
import { bridgeProblems, DEFAULT_HEALTH } from '../../src/core/doctor/bridgeProblems';
import { serverForUrl } from '../../src/core/doctor/callServer';
import { captured, eventually, useBridgeTestbed } from '../bridge/helpers';
import { supportedNodes } from '../helpers/nodeVersions';

const ROOT = join(__dirname, '..', '..');
const CALLER = join(__dirname, 'fixtures', 'caller.cjs');
const RUNTIMES: Array<[string, string]> = supportedNodes().map((n) => [`Node ${n.major}`, n.path]);
const NODE_HTTP_CLIENTS = ['http-get', 'axios', 'got', 'node-fetch', 'superagent'];

const bed = useBridgeTestbed({ silentServer: true });

interface Caller {
  pid: number;
  output(): string;
  waitFor(marker: string): Promise<void>;
}

/** The caller fixture on `node`, with the register module preloaded unless `register` is false. */
function startCaller(node: string, dir: string, steps: string[], register = true): Caller {
  const args = [...(register ? ['--import', bed.scripts.register] : []), CALLER, ...steps];
  const child = spawn(node, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FLAKE_DOCTOR_BRIDGE_DIR: dir, FLAKE_DOCTOR_BRIDGE_MODE: 'always', FLAKE_DOCTOR_STALL_MS: '300', NODE_OPTIONS: '' },
  });
  bed.onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const { output, waitFor } = captured(child);
  return { pid: child.pid!, output, waitFor: (marker) => waitFor(marker) };
}

async function attach(dir: string, pid: number): Promise<BridgeClient> {
  const entry = await eventually(async () => (await listBridgeProcesses({ dir })).find((e) => e.pid === pid), `pid ${pid} published`, 20_000);
  const client = await connectBridge(entry.socketPath);
  bed.onCleanup(() => client.close());
  return client;
}

async function snapshotWhere(client: BridgeClient, what: string, ok: (s: BridgeSnapshot) => boolean): Promise<BridgeSnapshot> {
  return eventually(
    async () => {
      const s = await client.snapshot();
      return ok(s) ? s : undefined;
    },
    what,
    20_000,
  );
}

async function startHttpServer(handler: Parameters<typeof createHttpServer>[1]): Promise<{ url: string; server: HttpServer }> {
  const server = createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  bed.onCleanup(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe.each(RUNTIMES)('node:http calls on %s', (name, node) => {
  it('a call nobody answers, through every node:http client, is published stalled and names the server process; Break makes each caller see an abort error', async () => {
    const dir = bed.dir();
    const url = bed.silent.url; // …/jobs/acquire?token=secret, on a server of this (the test's) process
    const caller = startCaller(node, dir, [...NODE_HTTP_CLIENTS.flatMap((c) => [c, url]), 'upgrade', url]);
    const client = await attach(dir, caller.pid);
    // The runtime is the one this block names.
    expect((await client.snapshot()).process.nodeVersion).toMatch(new RegExp(`^v${name.slice('Node '.length)}\\.`));
    const snap = await snapshotWhere(client, 'five stalled node:http calls', (s) => s.httpCalls.filter((c) => c.stalled).length >= NODE_HTTP_CLIENTS.length);
    // The upgrade request is the WebSockets observer's: not a call here.
    expect(snap.httpCalls).toHaveLength(NODE_HTTP_CLIENTS.length);
    for (const call of snap.httpCalls) {
      expect(call).toMatchObject({ method: 'GET', url: url.replace(/\?.*$/, ''), source: 'node:http', phase: 'awaiting-headers', status: null, stalled: true });
    }

    const listeners = await scanLoopbackListeners();
    const problems = bridgeProblems(snap, { ...DEFAULT_HEALTH, serverOf: (u) => serverForUrl(u, listeners) });
    expect(problems).toHaveLength(NODE_HTTP_CLIENTS.length);
    for (const p of problems) {
      expect(p).toMatchObject({ area: 'calls', state: 'stalled', process: { pid: caller.pid } });
      expect(p.culprit?.pid).toBe(process.pid);
      expect(p.message).toContain('no answer after');
    }

    for (const call of snap.httpCalls) expect((await client.act({ target: call.id, action: 'break' })).message).toContain('aborted');
    for (const c of NODE_HTTP_CLIENTS) await caller.waitFor(`${c} failed:`);
    for (const c of NODE_HTTP_CLIENTS) {
      const line = caller
        .output()
        .split('\n')
        .find((l) => l.startsWith(`${c} failed:`));
      // got wraps every error in its RequestError and node-fetch 2 in its FetchError, both keeping
      // the code; http.get, axios and superagent pass the AbortError itself on.
      expect(line).toContain('code=ABORT_ERR');
      expect(line).toContain('aborted through the Flake Doctor bridge');
      expect(line).toContain(c === 'got' ? 'name=RequestError' : c === 'node-fetch' ? 'name=FetchError' : 'name=AbortError');
    }
    await snapshotWhere(client, 'no call left', (s) => s.httpCalls.length === 0);
  });

  it('a response whose body stalls after the headers is published as body incomplete, with its status', async () => {
    const { url } = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('the first bytes'); // …and never the rest
    });
    const dir = bed.dir();
    const caller = startCaller(node, dir, ['axios', `${url}/report?token=secret`, 'http-get', `${url}/report`]);
    const client = await attach(dir, caller.pid);
    const snap = await snapshotWhere(client, 'two stalled bodies', (s) => s.httpCalls.filter((c) => c.stalled).length === 2);
    for (const call of snap.httpCalls) expect(call).toMatchObject({ url: `${url}/report`, phase: 'receiving-body', status: 200, source: 'node:http' });
    const problems = bridgeProblems(snap);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('body incomplete after'), expect.stringContaining('body incomplete after')]);
  });

  it('supertest against an express app in the same process: the problem names that process and the handler that has not answered', async () => {
    const dir = bed.dir();
    const caller = startCaller(node, dir, ['supertest-hang', '-']);
    const client = await attach(dir, caller.pid);
    const snap = await snapshotWhere(
      client,
      'the supertest call stalled',
      (s) => s.httpCalls.some((c) => c.stalled) && (s.serverRequests ?? []).some((r) => r.stalled),
    );
    const [request] = snap.serverRequests!;
    expect(request).toMatchObject({ method: 'GET', path: '/hang', route: '/hang', handler: 'hangsForever', phase: 'awaiting-response', stalled: true });
    expect(request.subject).toMatch(/^GET \/hang on .*:\d+$/);
    expect(request.server?.port).toBeGreaterThan(0);

    const listeners = await scanLoopbackListeners();
    const [problem] = bridgeProblems(snap, { ...DEFAULT_HEALTH, serverOf: (u) => serverForUrl(u, listeners) });
    expect(problem.culprit?.pid).toBe(caller.pid);
    expect(problem.message).toContain('served in this process: handler hangsForever has not answered');

    await client.act({ target: snap.httpCalls[0].id, action: 'break' });
    await caller.waitFor('supertest-hang failed:');
    expect(caller.output()).toContain('supertest-hang failed: name=AbortError code=ABORT_ERR');
    // The server side of the call went with it.
    await snapshotWhere(client, 'the server request gone', (s) => (s.serverRequests ?? []).length === 0 && s.httpCalls.length === 0);
  });

  it('every client gets the same answer with the preload as without it, and answered calls leave nothing behind', async () => {
    const { url } = await startHttpServer((req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain; charset=utf-8', 'x-fixture': 'yes' });
      res.end(`you asked for ${req.url}`);
    });
    const run = async (register: boolean): Promise<{ lines: string[]; caller: Caller; dir: string }> => {
      const dir = bed.dir();
      const caller = startCaller(node, dir, ['compare', `${url}/thing?x=1`], register);
      await caller.waitFor('ready');
      return {
        lines: caller
          .output()
          .split('\n')
          .filter((l) => l.startsWith('compare ')),
        caller,
        dir,
      };
    };
    const bare = await run(false);
    const observed = await run(true);
    expect(bare.lines).toHaveLength(6);
    expect(bare.lines[0]).toContain('you asked for /thing?x=1');
    expect(observed.lines).toEqual(bare.lines);
    const snap = await (await attach(observed.dir, observed.caller.pid)).snapshot();
    expect(snap.httpCalls).toEqual([]);
    expect(snap.serverRequests).toEqual([]);
  });
});
