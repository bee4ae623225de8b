// One side of a benchmark in its own process, so the load generator, the relay and the
// provider do not share an event loop (as they would not in real use).
//   relay [hwm]                start a relay on 127.0.0.1:0 (socketHighWaterMark `hwm` bytes if
//                              given), print {"url": ...}; with BENCH_BASELINE=<checkout> the
//                              relay is that checkout's (before/after figures in one run). stdin
//                              lines "sample-start" / "sample-report": sample the providers'
//                              user-space socket buffers (bufferedAmount) every 2 ms, then print
//                              {"buffered": [p50, p99, max]} in bytes and the providers' PONG
//                              reply times as the relay itself measures them (PING read → PONG
//                              handed to the socket): {"pongReply": [{count, p50Ms, p99Ms, maxMs}]}
//   echo                       start a plain `ws` echo server (the direct peer a user would pick
//                              instead), print {"url": ...}
//   echo-provider <url>        connect a provider to a relay that answers with the same raw echo
//                              handler as `echo` (a request echoed back is a valid reply: it
//                              carries the id), print {"ready": true}
//   provider <url>             connect an answering demo provider (parses and re-serialises)
//   pinger <url> <msgs> <size> connect a provider that reads as fast as it can and PINGs the relay
//                              during each burst; see pinger.ts
// Each runs until its stdin closes.

import { createInterface } from 'node:readline';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { importBuilt } from '../built';
import { runPinger } from './pinger';

// The relay as users get it: flake-doctor/relay from the built bundle (dist/lib/relay.mjs),
// of this checkout or of BENCH_BASELINE's. Types only from the sources.
type RelayModule = typeof import('../../src/core/relay/index');

/** The one echo handler both paths use, so the rate comparison differs only by the relay hop. */
function echo(ws: WebSocket): void {
  ws.on('message', (data: RawData, isBinary: boolean) => ws.send(data as Buffer, { binary: isBinary }));
}

/**
 * What the relay holds in user space for its providers' sockets, sampled while a backlog case
 * runs: what a PONG can find ahead of it before the kernel (the kernel's own share is measured
 * by the pinger).
 */
function sampleOnRequest(buffered: () => number[], pongReplies: () => unknown[]): void {
  let samples: number[] = [];
  let timer: NodeJS.Timeout | null = null;
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'sample-start') {
      samples = [];
      timer ??= setInterval(() => samples.push(...buffered()), 2);
    } else if (line === 'sample-report') {
      if (timer) clearInterval(timer);
      timer = null;
      const sorted = samples.sort((a, b) => a - b);
      const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      console.log(JSON.stringify({ buffered: [at(0.5), at(0.99), sorted[sorted.length - 1] ?? 0], pongReply: pongReplies() }));
    }
  });
}

async function main(): Promise<void> {
  const [role, url, ...rest] = process.argv.slice(2);
  let stop: () => Promise<void>;
  const baseline = process.env.BENCH_BASELINE;
  const relayModule = await importBuilt<RelayModule>('relay', baseline || undefined);
  if (role === 'relay') {
    const { startRelay } = relayModule;
    const hwm = url ? { socketHighWaterMark: Number(url) } : {};
    const relay = await startRelay({ host: '127.0.0.1', port: 0, heartbeatIntervalMs: 0, queueByteLimit: 256 * 1024 * 1024, queueLimit: 100_000, ...hwm });
    console.log(JSON.stringify({ url: relay.url }));
    sampleOnRequest(
      () =>
        relay
          .sessions()
          .filter((session) => session.role === 'provider')
          .map((session) => session.bufferedAmount),
      () =>
        relay
          .sessions()
          .filter((session) => session.role === 'provider' && session.pongReply)
          .map((session) => session.pongReply),
    );
    stop = () => relay.close();
  } else if (role === 'echo') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((resolve) => wss.once('listening', resolve));
    wss.on('connection', echo);
    const address = wss.address();
    console.log(JSON.stringify({ url: `ws://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}` }));
    stop = () => new Promise((resolve) => wss.close(() => resolve()));
  } else if (role === 'echo-provider' && url) {
    const ws = new WebSocket(`${url}/provider`, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    echo(ws);
    console.log(JSON.stringify({ ready: true }));
    stop = async () => ws.terminate();
  } else if (role === 'provider' && url) {
    const provider = await relayModule.startDemoProvider(url, { answer: true });
    console.log(JSON.stringify({ ready: true }));
    stop = () => provider.close();
  } else if (role === 'pinger' && url) {
    stop = await runPinger(url, Number(rest[0]), Number(rest[1]));
  } else {
    throw new Error(`unknown role ${role}`);
  }
  process.stdin.resume();
  process.stdin.once('end', () => {
    void stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
