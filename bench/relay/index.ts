// Relay benchmark: request rate through the relay (client → relay → provider → relay →
// client) against a direct `ws` echo (client → server → client), for 64 B and 16 KiB
// messages, and PONG round trips with and without megabytes queued for the pinging peer.
// Prints figures and ratios from the same run; asserts nothing about speed.
//
// Fairness: the provider behind the relay runs the very same echo handler as the direct server
// (peer-process.ts), both paths get the same load generator with the same window, and direct
// and relayed runs alternate over BENCH_ROUNDS rounds (medians reported), so a noisy neighbour
// on the machine hits both alike. CPU time per request (from /proc) is the steadier figure.
//
//   npx tsx bench/relay/index.ts

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface, type Interface } from 'node:readline';
import { WebSocket } from 'ws';
import type { PingerSample } from './pinger';

const RATE_SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW = 32; // requests kept in flight by the load generator, for both paths
const WARMUP_MS = 300;
const PING_SAMPLES = 1000;

interface Child {
  process: ChildProcess;
  info: { url?: string; ready?: boolean };
  nextLine(): Promise<string>;
}

function startChild(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${__dirname}/peer-process.ts`, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Interface = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const buffered: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else buffered.push(line);
  });
  const nextLine = (): Promise<string> => {
    const line = buffered.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
  };
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
    void nextLine().then((line) => resolve({ process: child, info: JSON.parse(line) as Child['info'], nextLine }));
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

/**
 * Closed-loop load: keep WINDOW requests in flight; after a warm-up, count completed requests
 * for `seconds` and the CPU the given processes used meanwhile (µs per request).
 */
async function requestRate(url: string, size: number, seconds: number, pids: (number | undefined)[]): Promise<{ rate: number; cpuUs: number[] }> {
  const ws = await open(url);
  const params = 'p'.repeat(Math.max(0, size - 20));
  let next = 0;
  let done = 0;
  let counting = false;
  const send = (): void => {
    ws.send(`{"id":${next++},"params":"${params}"}`);
  };
  ws.on('message', () => {
    if (counting) done += 1;
    send();
  });
  for (let i = 0; i < WINDOW; i += 1) send();
  // Warm up (JIT, TCP windows) before counting.
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const cpuBefore = pids.map(cpuSeconds);
  counting = true;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const cpuAfter = pids.map(cpuSeconds);
  ws.terminate();
  return { rate: done / seconds, cpuUs: cpuAfter.map((after, i) => ((after - (cpuBefore[i] as number)) * 1e6) / Math.max(1, done)) };
}

const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 50);

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
 * A provider in its own process (pinger.ts) reads as fast as it can and PINGs the relay while
 * the relay streams it bursts of 32 MiB sent by a client here; only PINGs sent while at least
 * 4 MiB of the burst had yet to arrive count. Each sample splits the round trip into the time
 * spent behind bytes the kernel already held (no user-space writer can overtake those) and the
 * rest, which is what the relay controls.
 */
async function backlogPongs(relayUrl: string): Promise<{ samples: PingerSample[]; kernelVisible: boolean }> {
  const requestBytes = 128 * 1024;
  const perBurst = 256;
  const pinger = await startChild(['pinger', relayUrl, String(perBurst), String(requestBytes)]);
  const client = await open(`${relayUrl}/client`);
  const body = 'q'.repeat(requestBytes - 24);
  try {
    for (let burst = 0; burst < 4; burst += 1) {
      pinger.process.stdin?.write('go\n');
      for (let i = 0; i < perBurst; i += 1) client.send(`{"id":${burst * perBurst + i},"params":"${body}"}`);
      await pinger.nextLine(); // {"burstDone": n}
    }
    pinger.process.stdin?.write('report\n');
    return JSON.parse(await pinger.nextLine()) as { samples: PingerSample[]; kernelVisible: boolean };
  } finally {
    client.terminate();
    await stopChild(pinger);
  }
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
const p50p99 = (values: number[], digits = 3, unit = 'ms'): string => {
  const s = sorted(values);
  return `p50 ${fmt(percentile(s, 50), digits)} ${unit}  p99 ${fmt(percentile(s, 99), digits)} ${unit}`;
};

async function main(): Promise<void> {
  const relay = await startChild(['relay']);
  const echo = await startChild(['echo']);
  const relayUrl = relay.info.url as string;
  const provider = await startChild(['echo-provider', relayUrl]);
  try {
    console.log(`relay benchmark — Node ${process.version}, ${RATE_SECONDS} s per rate case × ${ROUNDS} rounds (direct and relayed alternate; medians), ${WINDOW} requests in flight on both paths`);
    console.log('each peer (load generator, relay, provider, echo server) runs in its own process; the provider runs the echo server\'s handler\n');
    for (const size of [64, 16 * 1024]) {
      const direct: number[] = [];
      const relayed: number[] = [];
      const echoCpu: number[] = [];
      const relayCpu: number[] = [];
      const providerCpu: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const runDirect = async (): Promise<void> => {
          const result = await requestRate(echo.info.url as string, size, RATE_SECONDS, [echo.process.pid]);
          direct.push(result.rate);
          echoCpu.push(result.cpuUs[0] as number);
        };
        const runRelayed = async (): Promise<void> => {
          const result = await requestRate(`${relayUrl}/client`, size, RATE_SECONDS, [relay.process.pid, provider.process.pid]);
          relayed.push(result.rate);
          relayCpu.push(result.cpuUs[0] as number);
          providerCpu.push(result.cpuUs[1] as number);
        };
        if (round % 2 === 0) {
          await runDirect();
          await runRelayed();
        } else {
          await runRelayed();
          await runDirect();
        }
      }
      const label = size === 64 ? '64 B   ' : '16 KiB ';
      const pad = ' '.repeat(label.length);
      console.log(
        `${label} direct ws echo ${fmt(median(direct)).padStart(8)} req/s   via relay ${fmt(median(relayed)).padStart(8)} req/s   ratio ${fmt(median(relayed) / median(direct), 2)} (goal ≥ 0.50)`,
      );
      console.log(`${pad} rounds: direct ${direct.map((r) => fmt(r)).join(' / ')}; via relay ${relayed.map((r) => fmt(r)).join(' / ')}`);
      console.log(
        `${pad} CPU per request (median): echo server ${fmt(median(echoCpu), 1)} µs; relay process ${fmt(median(relayCpu), 1)} µs (two hops: in and out), echo provider ${fmt(median(providerCpu), 1)} µs`,
      );
    }
    await stopChild(provider);

    const directPongs = await idlePongs(echo.info.url as string);
    const idle = await idlePongs(`${relayUrl}/client`);
    const loaded = await backlogPongs(relayUrl);
    const s = loaded.samples;
    console.log('');
    console.log(`PONG RTT, idle, direct ws server     ${p50p99(directPongs)}  (n=${directPongs.length})`);
    console.log(`PONG RTT, idle, relay                ${p50p99(idle)}  (n=${idle.length})`);
    console.log(
      `PONG RTT, relay, ≥4 MiB backlog      ${p50p99(s.map((x) => x.rttMs))}  (n=${s.length}, backlog still to arrive: median ${fmt(median(s.map((x) => x.backlogMiB)), 1)} MiB)  goal p99 < 5 ms`,
    );
    if (loaded.kernelVisible) {
      console.log(`  bytes the kernel already held ahead of the PING   ${p50p99(s.map((x) => x.kernelBytes / (1024 * 1024)), 2, 'MiB')}  (relay send queue + peer receive queue, /proc/net/tcp)`);
      console.log(`  time spent reading those (kernel part)           ${p50p99(s.map((x) => x.drainMs))}`);
      console.log(`  the rest: relay-controlled part + loopback        ${p50p99(s.map((x) => x.relayMs))}`);
    } else {
      console.log('  (kernel socket queues not visible here: /proc/net/tcp unreadable; no split reported)');
    }
  } finally {
    await Promise.all([stopChild(relay), stopChild(echo)]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
