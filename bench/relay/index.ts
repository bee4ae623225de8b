// Relay benchmark: request rate through the relay (client → relay → provider → relay →
// client) against a direct `ws` echo (client → server → client), for 64 B and 16 KiB
// messages, and PONG round trips with and without megabytes queued for the pinging peer.
// Prints figures and ratios from the same run; asserts nothing about speed.
//
//   npx tsx bench/relay/index.ts

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';

const RATE_SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const WINDOW = 32; // requests kept in flight by the load generator
const PING_SAMPLES = 1000;

interface Child {
  process: ChildProcess;
  info: { url?: string; ready?: boolean };
}

function startChild(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${__dirname}/peer-process.ts`, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => resolve({ process: child, info: JSON.parse(line) as Child['info'] }));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
}

async function stopChild(child: Child): Promise<void> {
  child.process.stdin?.end();
  if (child.process.exitCode === null) await new Promise((resolve) => child.process.once('exit', resolve));
}

/**
 * CPU seconds a process has used (Linux /proc; NaN elsewhere). Wall-clock rates swing with
 * whatever else shares the machine; CPU time per request is the steadier figure.
 */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return Number.NaN;
  }
}

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Closed-loop load: keep WINDOW requests in flight for `seconds`; returns completed requests/s. */
async function requestRate(url: string, size: number, seconds: number): Promise<number> {
  const ws = await open(url);
  const params = 'p'.repeat(Math.max(0, size - 20));
  let next = 0;
  let done = 0;
  let counting = false;
  const send = (): void => {
    ws.send(`{"id":${next++},"params":"${params}"}`);
  };
  await new Promise<void>((resolve) => {
    ws.on('message', () => {
      if (counting) done += 1;
      send();
    });
    for (let i = 0; i < WINDOW; i += 1) send();
    // Warm up (JIT, TCP windows) before counting.
    setTimeout(() => {
      counting = true;
      setTimeout(resolve, seconds * 1000);
    }, 300);
  });
  const rate = done / seconds;
  ws.terminate();
  return rate;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function pingOnce(ws: WebSocket, seq: number): Promise<number> {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(seq);
  return new Promise((resolve) => {
    const started = performance.now();
    const onPong = (data: Buffer): void => {
      if (!data.equals(payload)) return;
      ws.off('pong', onPong);
      resolve(performance.now() - started);
    };
    ws.on('pong', onPong);
    ws.ping(payload);
  });
}

async function idlePongs(url: string): Promise<number[]> {
  const ws = await open(url);
  const samples: number[] = [];
  for (let i = 0; i < 50; i += 1) await pingOnce(ws, i); // warm-up
  for (let i = 0; i < PING_SAMPLES; i += 1) samples.push(await pingOnce(ws, 100 + i));
  ws.terminate();
  return samples.sort((a, b) => a - b);
}

/**
 * A provider pings the relay while the relay streams it a burst of 32 MiB; only pings sent
 * while at least 4 MiB of the burst had not yet arrived count. Returns RTTs and the backlog
 * (MiB still to arrive) at each counted ping.
 */
async function backlogPongs(relayUrl: string): Promise<{ rtts: number[]; backlogMiB: number[]; aheadMiB: number[] }> {
  const provider = await open(`${relayUrl}/provider`);
  const client = await open(`${relayUrl}/client`);
  const requestBytes = 128 * 1024;
  const perBurst = 256;
  const rtts: number[] = [];
  const backlogMiB: number[] = [];
  // Data that arrived between a PING and its PONG: bytes that were already past the relay's
  // queue (in kernel buffers) when the PONG was queued, which no userland writer can overtake.
  const aheadMiB: number[] = [];
  let received = 0;
  provider.on('message', () => (received += 1));
  const body = 'q'.repeat(requestBytes - 24);
  for (let burst = 0; burst < 4; burst += 1) {
    const target = received + perBurst;
    for (let i = 0; i < perBurst; i += 1) client.send(`{"id":${burst * perBurst + i},"params":"${body}"}`);
    let seq = burst * 100_000;
    while (received < target) {
      const remaining = ((target - received) * requestBytes) / (1024 * 1024);
      const before = received;
      const rtt = await pingOnce(provider, seq++);
      if (remaining >= 4) {
        rtts.push(rtt);
        backlogMiB.push(remaining);
        aheadMiB.push(((received - before) * requestBytes) / (1024 * 1024));
      }
    }
  }
  provider.terminate();
  client.terminate();
  const sort = (values: number[]): number[] => values.sort((a, b) => a - b);
  return { rtts: sort(rtts), backlogMiB: sort(backlogMiB), aheadMiB: sort(aheadMiB) };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const relay = await startChild(['relay']);
  const echo = await startChild(['echo']);
  const relayUrl = relay.info.url as string;
  const provider = await startChild(['provider', relayUrl]);
  try {
    console.log(`relay benchmark — Node ${process.version}, ${RATE_SECONDS} s per rate case, ${WINDOW} requests in flight`);
    console.log('each peer (load generator, relay, provider, echo server) runs in its own process\n');
    for (const size of [64, 16 * 1024]) {
      const echoCpuBefore = cpuSeconds(echo.process.pid);
      const direct = await requestRate(echo.info.url as string, size, RATE_SECONDS);
      const echoCpu = cpuSeconds(echo.process.pid) - echoCpuBefore;
      const relayCpuBefore = cpuSeconds(relay.process.pid);
      const relayed = await requestRate(`${relayUrl}/client`, size, RATE_SECONDS);
      const relayCpu = cpuSeconds(relay.process.pid) - relayCpuBefore;
      const label = size === 64 ? '64 B   ' : '16 KiB ';
      console.log(
        `${label} direct ws echo ${fmt(direct).padStart(8)} req/s   via relay ${fmt(relayed).padStart(8)} req/s   ratio ${fmt(relayed / direct, 2)} (goal ≥ 0.50)`,
      );
      // Includes the 0.3 s warm-up, for both sides alike.
      const perRequest = (seconds: number, rate: number): string => fmt((seconds * 1e6) / (rate * (RATE_SECONDS + 0.3)), 1);
      console.log(`${' '.repeat(label.length)} CPU per request: echo server ${perRequest(echoCpu, direct)} µs, relay process ${perRequest(relayCpu, relayed)} µs (two hops: in and out)`);
    }
    await stopChild(provider);

    const directPongs = await idlePongs(echo.info.url as string);
    const idle = await idlePongs(`${relayUrl}/client`);
    const loaded = await backlogPongs(relayUrl);
    console.log('');
    console.log(`PONG RTT, idle, direct ws server     p50 ${fmt(percentile(directPongs, 50), 3)} ms  p99 ${fmt(percentile(directPongs, 99), 3)} ms  (n=${directPongs.length})`);
    console.log(`PONG RTT, idle, relay                p50 ${fmt(percentile(idle, 50), 3)} ms  p99 ${fmt(percentile(idle, 99), 3)} ms  (n=${idle.length})`);
    console.log(
      `PONG RTT, relay, ≥4 MiB backlog      p50 ${fmt(percentile(loaded.rtts, 50), 3)} ms  p99 ${fmt(percentile(loaded.rtts, 99), 3)} ms  (n=${loaded.rtts.length}, ` +
        `backlog still to arrive: median ${fmt(percentile(loaded.backlogMiB, 50), 1)} MiB)  goal p99 < 5 ms`,
    );
    console.log(
      `  data that arrived ahead of the PONG: median ${fmt(percentile(loaded.aheadMiB, 50), 2)} MiB, p99 ${fmt(percentile(loaded.aheadMiB, 99), 2)} MiB ` +
        '(already in kernel socket buffers when the PONG was queued; the relay\'s own queue was overtaken)',
    );
    console.log(`backlog/idle p99 ratio ${fmt(percentile(loaded.rtts, 99) / percentile(idle, 99), 1)}`);
  } finally {
    await Promise.all([stopChild(relay), stopChild(echo)]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
