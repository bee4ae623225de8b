// Live bridge benchmark. Prints figures and ratios; asserts nothing about speed.
//
//   npx tsx bench/bridge/index.ts        (BENCH_ROUNDS, BENCH_REQUESTS, BENCH_STARTS tune it)
//
// 1. Overhead of the register module on an undici request loop: the same child process
//    (bench/bridge/loop.mjs, BENCH_REQUESTS sequential requests to a local HTTP server) bare
//    (off), with a no-op subscriber on the tracker's undici channels preloaded (floor: the
//    floor of a channel-based tracker) and with `--require <register>` (on; nobody attached:
//    what every test run pays). Per mode the median request time and CPU per request; ratios
//    on / off (goal ≤ 1.05) and (on − off) / (floor − off) (goal ≤ 1.5x), per round, rounds in
//    rotating order (see overhead.ts). BENCH_BASELINE=<checkout> adds that checkout's register
//    module as a mode of the same run.
// 2. The same with a view attached and subscribed (what a run pays while VS Code watches it).
// 3. Discovery latency: from spawn() of a process with the register module to the extension's
//    BridgeModel (directory watch + connection) reporting it attached; p50/p95 over
//    BENCH_STARTS processes (goal p95 ≤ 500 ms).
// 4. A snapshot of a process with 1,000 HTTP calls in flight: time of client.snapshot() and
//    its size in bytes.
// 5. A process that exits at once: spawn() to exit with the register module against without
//    it (goal: under 50 ms more), alternating, median over BENCH_EXITS pairs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { connectBridge, listBridgeProcesses, type BridgeClient } from '../../src/core/bridge';
import { measureOverhead } from './overhead';
import { median, percentile } from '../stats';
import { BridgeModel } from '../../src/extension/bridge/bridgeModel';
import { builtEntry } from '../built';

/** dist/lib/bridge-register.cjs of this checkout or another (run `npm run build` there first). */
function builtRegister(root?: string): string {
  return builtEntry('bridge-register', root).replace(/\.mjs$/, '.cjs');
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const STARTS = Number(process.env.BENCH_STARTS ?? 30);
const EXITS = Number(process.env.BENCH_EXITS ?? 21);
const ROOT = join(__dirname, '..', '..');
const BASELINE = process.env.BENCH_BASELINE ?? '';

function run(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<string> } {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<string>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${out}`)))),
  );
  return { child, done };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'fd-bench-bridge-'));
  const dir = join(work, 'b');
  // The register module as users get it: flake-doctor/bridge/register from the built bundle.
  const register = builtRegister();
  const floor = join(work, 'floor.cjs');
  const bundle = (entry: string, outfile: string) =>
    build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile, logLevel: 'warning' });
  await bundle(join(ROOT, 'bench/bridge/floor.ts'), floor);
  // Optional: another checkout's built register module as a fifth mode, so before/after share a run.
  const baseline = BASELINE ? builtRegister(BASELINE) : undefined;
  const http = createHttpServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/`;
  const loop = join(ROOT, 'bench/bridge/loop.mjs');
  const env = { FLAKE_DOCTOR_BRIDGE_DIR: dir, FLAKE_DOCTOR_BRIDGE_MODE: 'always' };

  try {
    // 1 + 2: overhead against the bare loop and the floor.
    await measureOverhead({ rounds: ROUNDS, requests: REQUESTS, loop, url, dir, preload: { floor, register, baseline }, run: (args) => run(args, env) });

    // 3: discovery latency through the extension's model.
    const model = new BridgeModel({ dir, rescanDelayMs: 5 });
    await model.start();
    const latencies: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const started = performance.now();
      const { child, done } = run(['--require', register, '-e', 'setInterval(() => {}, 1e9)'], env);
      done.catch(() => undefined); // killed below, on purpose
      await new Promise<void>((resolve) => {
        const check = (p: { entry: { pid: number } }): void => {
          if (p.entry.pid !== child.pid) return;
          model.off('attached', check);
          resolve();
        };
        model.on('attached', check);
      });
      latencies.push(performance.now() - started);
      child.kill('SIGKILL');
    }
    await model.dispose();
    console.log(
      `discovery, spawn() to attached in the extension's model, ${STARTS} processes: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms (goal p95 ≤ 500 ms: ${percentile(latencies, 95) <= 500 ? 'met' : 'NOT met'})`,
    );

    // 4: a snapshot with 1,000 calls in flight.
    const sockets = new Set<Socket>();
    const silent = createNetServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/never/answers?token=secret`;
    const code = `const { Agent, request } = require('undici'); const a = new Agent({ connections: 2000 }); for (let i = 0; i < 1000; i++) request(${JSON.stringify(silentUrl)} + '&i=' + i, { dispatcher: a }).catch(() => {}); console.log('started');`;
    const { child, done: killed } = run(['--require', register, '-e', code], { ...env, NODE_PATH: join(ROOT, 'node_modules') });
    killed.catch(() => undefined); // killed below, on purpose
    let client: BridgeClient | null = null;
    for (let i = 0; i < 1000 && !client; i++) {
      const entry = (await listBridgeProcesses({ dir })).find((e) => e.pid === child.pid);
      if (entry) client = await connectBridge(entry.socketPath);
      else await new Promise((r) => setTimeout(r, 5));
    }
    if (!client) throw new Error('the 1,000-call process never published');
    let snap = await client.snapshot();
    for (let i = 0; i < 400 && snap.httpCalls.length < 1000; i++) {
      await new Promise((r) => setTimeout(r, 25));
      snap = await client.snapshot();
    }
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      const s = await client.snapshot();
      times.push(performance.now() - t);
      bytes = Buffer.byteLength(JSON.stringify(s)) + 1;
    }
    console.log(
      `snapshot of a process with ${snap.httpCalls.length} HTTP calls in flight: median ${median(times).toFixed(1)} ms round trip, ${(bytes / 1024).toFixed(0)} KiB`,
    );
    client.close();
    child.kill('SIGKILL');
    for (const s of sockets) s.destroy();
    silent.close();

    // 5: a process that exits at once.
    const exitTime = async (withRegister: boolean): Promise<number> => {
      const t = performance.now();
      await run([...(withRegister ? ['--require', register] : []), '-e', '0'], env).done;
      return performance.now() - t;
    };
    const plain: number[] = [];
    const registered: number[] = [];
    for (let i = 0; i < EXITS; i++) {
      if (i % 2) {
        plain.push(await exitTime(false));
        registered.push(await exitTime(true));
      } else {
        registered.push(await exitTime(true));
        plain.push(await exitTime(false));
      }
    }
    const delay = median(registered) - median(plain);
    console.log(
      `a process that exits at once: ${median(plain).toFixed(1)} ms without, ${median(registered).toFixed(1)} ms with the register module: +${delay.toFixed(1)} ms (goal < 50 ms: ${delay < 50 ? 'met' : 'NOT met'})`,
    );
  } finally {
    http.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
