// Listener benchmark. Run: npx tsx bench/listener/index.ts
//  1. Tracker overhead: 2,000 sequential protocol calls (GetMessage answered at once with a
//     message, token-authenticated, parsed) against the fake broker with the call tracker on
//     (own-call registration + undici diagnostics-channel subscription + a change listener, as
//     the view would have) and off. Modes alternate in blocks so drift hits both alike.
//     Also the tracker's bookkeeping alone, without HTTP (stable on a noisy machine).
//  2. Deadline-to-abort latency: calls to a broker that accepts and never answers, measured
//     from each call's deadline to the moment the caller gets its error.
// Prints figures; asserts nothing about speed (shared CI machines vary too much).

import { BrokerClient, CallTracker, boundedCall, createBrokerDispatcher, startFakeBroker, type FakeBroker } from '../../src/core/listener/index';

const CALLS_PER_MODE = 2_000;
const BLOCK = 50;
const WARMUP = 200;
const ABORT_SAMPLES = 100;
const ABORT_DEADLINE_MS = 50;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

const fmt = (n: number): string => n.toFixed(3);

async function sessionClient(broker: FakeBroker, owner: string, tracker: () => CallTracker | undefined): Promise<BrokerClient> {
  const dispatcher = createBrokerDispatcher();
  // A getter-backed tracker lets one client switch between on and off blocks.
  const options = {
    brokerUrl: broker.url,
    clientId: 'bench',
    controlPlaneTimeoutMs: 30_000,
    longPollTimeoutMs: 60_000,
    dispatcher,
    get tracker() {
      return tracker();
    },
  };
  const client = new BrokerClient(options);
  const signal = new AbortController().signal;
  await client.exchangeToken(signal);
  await client.createSession(owner, signal);
  return client;
}

async function overhead(): Promise<void> {
  const broker = await startFakeBroker({ longPollHoldMs: 10_000 });
  broker.enqueueJob(); // message 1 stays unacknowledged, so every GetMessage(0) answers at once
  let active: CallTracker | undefined;
  const client = await sessionClient(broker, 'bench', () => active);
  const signal = new AbortController().signal;
  let changeEvents = 0;

  // Every call is timed on its own so the figures can use medians: on a shared machine a
  // burst of load from elsewhere moves the mean far more than the tracker does.
  const samples = { on: [] as number[], off: [] as number[] };
  const block = async (n: number, on: boolean, record: boolean): Promise<void> => {
    if (on) {
      active = new CallTracker({ observeProcess: true });
      active.onDidChange(() => {
        changeEvents++;
      });
    }
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const m = await client.getMessage(0, signal);
      const ms = performance.now() - t0;
      if (m?.messageId !== 1) throw new Error('unexpected broker answer');
      if (record) samples[on ? 'on' : 'off'].push(ms);
    }
    active?.dispose();
    active = undefined;
  };

  await block(WARMUP, false, false);
  await block(WARMUP, true, false);
  for (let done = 0, k = 0; done < CALLS_PER_MODE; done += BLOCK, k++) {
    // Alternate which mode goes first in each pair of blocks.
    const order = k % 2 === 0 ? [false, true] : [true, false];
    for (const on of order) await block(BLOCK, on, true);
  }
  const stats = (xs: number[]): { total: number; p25: number; median: number; trimmed: number; p99: number } => {
    const sorted = [...xs].sort((a, b) => a - b);
    const cut = Math.floor(sorted.length * 0.05);
    const kept = sorted.slice(cut, sorted.length - cut);
    return {
      total: xs.reduce((a, b) => a + b, 0),
      p25: percentile(sorted, 25),
      median: percentile(sorted, 50),
      trimmed: kept.reduce((a, b) => a + b, 0) / kept.length,
      p99: percentile(sorted, 99),
    };
  };
  const on = stats(samples.on);
  const off = stats(samples.off);
  const pct = (a: number, b: number): string => `${(((a - b) / b) * 100).toFixed(2)} %`;
  console.log(`tracker overhead — ${CALLS_PER_MODE} sequential GetMessage calls per mode, alternating blocks of ${BLOCK}`);
  console.log(`  tracker off: total ${fmt(off.total)} ms, p25 ${fmt(off.p25)}, median ${fmt(off.median)} ms/call, 5%-trimmed mean ${fmt(off.trimmed)}, p99 ${fmt(off.p99)}`);
  console.log(`  tracker on : total ${fmt(on.total)} ms, p25 ${fmt(on.p25)}, median ${fmt(on.median)} ms/call, 5%-trimmed mean ${fmt(on.trimmed)}, p99 ${fmt(on.p99)}  (${changeEvents} change events delivered)`);
  console.log(`  overhead   : p25 ${pct(on.p25, off.p25)} (least disturbed by load), median ${pct(on.median, off.median)}, trimmed mean ${pct(on.trimmed, off.trimmed)}, total ${pct(on.total, off.total)}   goal ≤ 5 %`);
  await broker.close();
}

/**
 * The tracker's own bookkeeping per call (begin, headers, end, two change events, stall
 * timer), without HTTP. Far less noisy than the end-to-end comparison on a shared machine.
 */
function bookkeeping(): void {
  const tracker = new CallTracker({ observeProcess: false });
  tracker.onDidChange(() => undefined);
  const n = 100_000;
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const call = tracker.begin({ name: 'getMessage', kind: 'control-plane', method: 'GET', url: 'http://127.0.0.1/x', deadlineAt: Date.now() + 30_000, abort: () => undefined });
      call.headersReceived(200);
      call.end({ outcome: 'ok', status: 200 });
    }
    best = Math.min(best, ((performance.now() - t0) / n) * 1000);
  }
  tracker.dispose();
  console.log(`tracker bookkeeping alone: ${best.toFixed(2)} µs/call (best of 3 × ${n})`);
}

async function abortLatency(trackerOn: boolean): Promise<void> {
  const broker = await startFakeBroker({ faults: { probe: { kind: 'stall' } } });
  const dispatcher = createBrokerDispatcher();
  const tracker = trackerOn ? new CallTracker({ observeProcess: true }) : undefined;
  const latencies: number[] = [];
  for (let i = 0; i < ABORT_SAMPLES; i++) {
    // Taken before the call, so the figure can only overstate the true latency.
    const deadline = performance.now() + ABORT_DEADLINE_MS;
    try {
      await boundedCall({ name: 'probe', kind: 'control-plane', method: 'GET', url: broker.url, timeoutMs: ABORT_DEADLINE_MS }, { dispatcher, tracker });
      throw new Error('a stalled call returned');
    } catch (err) {
      if ((err as Error).name !== 'DeadlineExceededError') throw err;
    }
    latencies.push(performance.now() - deadline);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `deadline → abort (${ABORT_SAMPLES} stalled calls, ${ABORT_DEADLINE_MS} ms deadline, tracker ${trackerOn ? 'on' : 'off'}): ` +
      `median ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms, max ${fmt(latencies.at(-1) ?? NaN)} ms   goal < 100 ms`,
  );
  tracker?.dispose();
  await dispatcher.destroy();
  await broker.close();
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  await overhead();
  bookkeeping();
  await abortLatency(false);
  await abortLatency(true);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
