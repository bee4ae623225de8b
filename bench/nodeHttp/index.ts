// node:http observer benchmark. Prints figures and ratios; asserts nothing about speed.
//
//   npm run build && npx tsx bench/nodeHttp/index.ts   (BENCH_ROUNDS, BENCH_REQUESTS, BENCH_MEMORY_CALLS tune it)
//
// Every measured process preloads the BUILT register module (dist/bridge-register.cjs, what
// the package ships and auto-attach puts into NODE_OPTIONS), not the TypeScript sources.
// 1. The register module's cost on a node:http request loop (bench/nodeHttp/loop.mjs) and on
//    an undici loop (bench/bridge/loop.mjs): each bare (off), with a no-op subscriber on every
//    channel the tracker and the node:http observer use (floor), with the register module
//    (on, nobody attached) and with a view subscribed (watched); rounds in rotating order,
//    ratios per round with their 95 % CI (bench/bridge/overhead.ts). Goal (issue 16): CPU per
//    request on / off ≤ 1.03 for both loops.
// 2. Memory: one process makes BENCH_MEMORY_CALLS completed calls through node:http and as
//    many through undici, to a node:http server of its own; heap after a full GC before and
//    after, and what its bridge still publishes (goal: nothing retained per call).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { connectBridge, listBridgeProcesses } from '../../src/core/bridge';
import { measureOverhead } from '../bridge/overhead';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const MEMORY_CALLS = Number(process.env.BENCH_MEMORY_CALLS ?? 100_000);
const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'dist', 'bridge-register.cjs');
/** The Node the children run on: BENCH_NODE, else this one (npm run bench runs on the Node invoked). */
const NODE = process.env.BENCH_NODE ?? process.execPath;

function run(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<string>; output: () => string } {
  const child = spawn(NODE, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<string>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${out}`)))),
  );
  return { child, done, output: () => out };
}

async function main(): Promise<void> {
  if (!existsSync(REGISTER)) throw new Error(`${REGISTER} is missing: run \`npm run build\` first`);
  const work = mkdtempSync(join(tmpdir(), 'fd-bench-nodehttp-'));
  const dir = join(work, 'b');
  const floor = join(work, 'floor.cjs');
  await build({
    entryPoints: [join(ROOT, 'bench/nodeHttp/floor.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: floor,
    logLevel: 'warning',
  });
  const http = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/`;
  const env = { FLAKE_DOCTOR_BRIDGE_DIR: dir, FLAKE_DOCTOR_BRIDGE_MODE: 'always', NODE_PATH: join(ROOT, 'node_modules') };
  console.log(`children run ${NODE} (${execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim()})`);
  try {
    for (const [client, loop] of [
      ['node:http', join(ROOT, 'bench/nodeHttp/loop.mjs')],
      ['undici', join(ROOT, 'bench/bridge/loop.mjs')],
    ] as const) {
      await measureOverhead({
        rounds: ROUNDS,
        requests: REQUESTS,
        loop,
        url,
        dir,
        client,
        cpuGoal: 1.03,
        preload: { floor, register: REGISTER },
        run: (args) => run(args, env),
      });
    }

    const mem = run(['--expose-gc', '--require', REGISTER, join(ROOT, 'bench/nodeHttp/memory.mjs'), String(MEMORY_CALLS)], env);
    mem.done.catch(() => undefined); // killed below, on purpose
    while (!mem.output().includes('}')) {
      if (mem.child.exitCode !== null) throw new Error(`the memory child exited: ${mem.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const figures = JSON.parse(mem.output().trim().split('\n').pop()!) as { calls: number; before: number; after: number };
    const entry = (await listBridgeProcesses({ dir })).find((e) => e.pid === mem.child.pid);
    const client = entry ? await connectBridge(entry.socketPath) : null;
    const snap = client ? await client.snapshot() : null;
    client?.close();
    mem.child.kill('SIGKILL');
    const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
    const perCall = (figures.after - figures.before) / figures.calls;
    console.log(
      `memory, ${figures.calls} completed calls (half node:http, half undici, to a node:http server in the same process): heap ${kib(figures.before)} before, ${kib(figures.after)} after ` +
        `(${kib(figures.after - figures.before)}, ${perCall.toFixed(3)} bytes per call); the bridge still publishes ${snap ? `${snap.httpCalls.length} calls and ${(snap.serverRequests ?? []).length} server requests` : '(not attached)'}`,
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
