// The pinging peer of the backlog benchmark, in its own process so that nothing else on its
// event loop slows its reading (the first version shared a process with the load generator,
// whose synchronous 32 MiB send loop stalled this reader and let the kernel buffers fill).
//
// It connects to the relay as a provider, reads everything as fast as it can, and while a
// burst of `messages` × `size` bytes is on its way to it, PINGs the relay back to back. For
// each PING sent while at least 4 MiB of the burst has yet to arrive it records:
//   rtt        PING sent → its PONG read
//   kernel     bytes already in kernel socket buffers on the relay → pinger path when the PING
//              was sent (relay socket's unacknowledged send queue + this socket's unread receive
//              queue, from /proc/net/tcp). No user-space writer can put a PONG ahead of them.
//   drain      time until this reader had read that many bytes: the part of the round trip
//              spent behind kernel-held data
//   relay      rtt − drain: the part the relay controls (reading the PING, its own queue, its
//              user-space socket buffer up to the high-water mark) plus loopback latency
//
// stdin lines: "go" (a burst is being sent now), "report" (print the samples as one JSON line).

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';

export interface PingerSample {
  rttMs: number;
  backlogMiB: number;
  kernelBytes: number;
  /** The two parts of `kernelBytes`: the relay socket's send queue and this socket's receive queue. */
  relayTxBytes: number;
  pingerRxBytes: number;
  drainMs: number;
  relayMs: number;
}

/** Bytes queued in the kernel for a loopback TCP connection, both ends: [sendQ of a, recvQ of b]. */
function kernelQueues(relayPort: number, pingerPort: number): { relayTx: number; pingerRx: number } | null {
  let text: string;
  try {
    text = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return null;
  }
  const hexRelay = relayPort.toString(16).toUpperCase().padStart(4, '0');
  const hexPinger = pingerPort.toString(16).toUpperCase().padStart(4, '0');
  let relayTx = -1;
  let pingerRx = -1;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1]?.split(':')[1];
    const remote = fields[2]?.split(':')[1];
    const [tx, rx] = (fields[4] ?? '').split(':');
    if (local === hexRelay && remote === hexPinger) relayTx = parseInt(tx ?? '0', 16);
    if (local === hexPinger && remote === hexRelay) pingerRx = parseInt(rx ?? '0', 16);
  }
  return relayTx < 0 || pingerRx < 0 ? null : { relayTx, pingerRx };
}

export async function runPinger(url: string, messages: number, size: number): Promise<() => Promise<void>> {
  const ws = new WebSocket(`${url}/provider`, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const relayPort = Number(new URL(url).port);
  const socket = (ws as unknown as { _socket: { localPort: number } })._socket;
  const pingerPort = socket.localPort;

  const samples: PingerSample[] = [];
  let kernelVisible = kernelQueues(relayPort, pingerPort) !== null;
  let received = 0; // messages
  let receivedBytes = 0; // frame bytes, approximately (payload + a 10-byte header)
  let target = 0;
  let pingSeq = 0;
  // The PING in flight: when it was sent, how many bytes were read by then, what the kernel held.
  let current: {
    seq: number;
    t0: number;
    bytes0: number;
    kernel: number;
    split: { tx: number; rx: number };
    drainedAt: number | null;
    backlog: number;
  } | null = null;

  ws.on('message', (data: Buffer) => {
    received += 1;
    receivedBytes += data.length + 10;
    if (current && current.drainedAt === null && receivedBytes - current.bytes0 >= current.kernel) current.drainedAt = performance.now();
  });

  const pingOnce = (): Promise<void> =>
    new Promise((resolve) => {
      const seq = ++pingSeq;
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(seq);
      const queues = kernelVisible ? kernelQueues(relayPort, pingerPort) : null;
      if (queues === null) kernelVisible = false;
      const kernel = queues ? queues.relayTx + queues.pingerRx : 0;
      const split = { tx: queues?.relayTx ?? Number.NaN, rx: queues?.pingerRx ?? Number.NaN };
      const backlog = ((target - received) * size) / (1024 * 1024);
      const t0 = performance.now();
      current = { seq, t0, bytes0: receivedBytes, kernel, split, drainedAt: kernel === 0 ? t0 : null, backlog };
      const onPong = (data: Buffer): void => {
        if (data.length !== 4 || data.readUInt32BE(0) !== seq || !current) return;
        ws.off('pong', onPong);
        const t1 = performance.now();
        const rtt = t1 - current.t0;
        const drain = Math.min(rtt, (current.drainedAt ?? t1) - current.t0);
        if (current.backlog >= 4) {
          samples.push({
            rttMs: rtt,
            backlogMiB: current.backlog,
            kernelBytes: kernelVisible ? current.kernel : Number.NaN,
            relayTxBytes: current.split.tx,
            pingerRxBytes: current.split.rx,
            drainMs: kernelVisible ? drain : Number.NaN,
            relayMs: kernelVisible ? rtt - drain : Number.NaN,
          });
        }
        current = null;
        resolve();
      };
      ws.on('pong', onPong);
      ws.ping(payload);
    });

  const pingThroughBurst = async (): Promise<void> => {
    while (received < target) await pingOnce();
    console.log(JSON.stringify({ burstDone: received }));
  };

  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'go') {
      target += messages;
      void pingThroughBurst();
    } else if (line === 'report') {
      console.log(JSON.stringify({ samples, kernelVisible }));
    }
  });
  console.log(JSON.stringify({ ready: true }));
  return async () => ws.terminate();
}
