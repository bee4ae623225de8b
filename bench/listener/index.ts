// Listener benchmark. Run: npx tsx bench/listener/index.ts
//  1. Tracker overhead: 2,000 sequential protocol calls per mode (GetMessage answered at once
//     with a message, token-authenticated, parsed) against the fake broker, in modes off (no
//     tracker), floor (a no-op subscriber on the same undici channels: what any channel-based
//     tracker pays inside undici, the floor of this approach), on (the tracker with a view-like
//     coalesced change listener) and, with BENCH_BASELINE=<checkout>, that checkout's tracker —
//     all in the same process. One block of each mode forms a group, the order rotating from
//     group to group, so load from elsewhere on a shared machine hits all alike; ratios are
//     medians of per-group ratios. Subscribing to or unsubscribing from undici's channels makes
//     V8 throw away undici's optimised code once; the first calls after each switch are timed
//     apart and reported as the switch cost, not mixed into the steady-state figures.
//     Also the tracker's bookkeeping alone, without HTTP (stable on a noisy machine), and its
//     channel handlers alone against the same floor (handlers.ts).
//  2. Deadline-to-abort latency: calls to a broker that accepts and never answers, measured
//     from each call's deadline to the moment the caller gets its error.
// Prints figures; asserts nothing about speed (shared CI machines vary too much).

import diagnosticsChannel from 'node:diagnostics_channel';
import { join } from 'node:path';
import type * as ListenerModule from '../../src/core/listener/index';
import type { BrokerClient, CallTracker, FakeBroker } from '../../src/core/listener/index';
import { TRACKED_CHANNELS } from '../../src/core/listener/tracker';
import { importBuilt } from '../built';

// flake-doctor/listener as users get it (dist/lib/listener.mjs); loaded by main() before anything runs.
let L: typeof ListenerModule;
import { handlerCost } from './handlers';
import { median, percentile } from '../stats';

/** The channels the tracker subscribes to; the floor subscribes no-ops to the same ones. */
const UNDICI_CHANNELS = TRACKED_CHANNELS;

/**
 * Optional: another checkout's CallTracker (BENCH_BASELINE=<dir>), measured in the same run as
 * a fourth mode, so before/after figures share one machine state.
 */
const BASELINE = process.env.BENCH_BASELINE ?? '';

const CALLS_PER_MODE = 2_000;
/** Timed calls per block; each pair of blocks is one off block and one on block. */
const BLOCK = 50;
/** Untimed-for-the-headline calls after each mode switch (reported as the switch cost). */
const SETTLE = 10;
/** Pairs of blocks run before measuring (JIT warm-up of both modes). */
const WARMUP_PAIRS = 4;
const ABORT_SAMPLES = 100;
const ABORT_DEADLINE_MS = 50;

const fmt = (n: number): string => n.toFixed(3);

async function sessionClient(broker: FakeBroker, owner: string, tracker: () => CallTracker | undefined): Promise<BrokerClient> {
  const dispatcher = L.createBrokerDispatcher();
  // A getter-backed tracker lets one client switch between on and off blocks.
  const options = {
    target: L.resolveTarget({ brokerUrl: broker.url }),
    maxRunners: 10,
    controlPlaneTimeoutMs: 30_000,
    longPollTimeoutMs: 60_000,
    dispatcher,
    get tracker() {
      return tracker();
    },
  };
  const client = new L.BrokerClient(options);
  const signal = new AbortController().signal;
  await client.exchangeToken(signal);
  await client.createSession(owner, signal);
  return client;
}

/**
 * off: no tracker. floor: a no-op subscriber on the tracker's undici channels (what any
 * channel-based tracker pays in undici itself). on: the tracker with a view-like subscriber
 * (the coalesced change signal, as the bridge has). baseline: the BENCH_BASELINE checkout's
 * tracker with the subscriber that checkout's bridge had (per-call events).
 */
type Mode = 'off' | 'floor' | 'on' | 'baseline';

interface Block {
  mode: Mode;
  /** ms per timed call. */
  samples: number[];
  /** ms for the timed calls. */
  wall: number;
  /** Process CPU µs (user + system) for the timed calls. */
  cpu: number;
  /** ms per call for the first SETTLE calls after the switch. */
  settle: number[];
}

interface Stats {
  total: number;
  p25: number;
  median: number;
  trimmed: number;
  p99: number;
}

function stats(xs: number[]): Stats {
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
}

const pct = (ratio: number): string => `${((ratio - 1) * 100).toFixed(2)} %`;
/**
 * Median and interquartile range of per-pair ratios, as overhead percentages, plus a
 * distribution-free 95 % confidence interval for the median (order statistics).
 */
function ratioSummary(ratios: number[]): { median: number; lo: number; hi: number; text: string } {
  const sorted = [...ratios].sort((a, b) => a - b);
  const n = sorted.length;
  const m = percentile(sorted, 50);
  const half = 0.98 * Math.sqrt(n); // 1.96 σ of Binomial(n, ½) around n/2, in ranks
  const lo = sorted[Math.max(0, Math.floor(n / 2 - half) - 1)] ?? NaN;
  const hi = sorted[Math.min(n - 1, Math.ceil(n / 2 + 1 + half) - 1)] ?? NaN;
  return { median: m, lo, hi, text: `${pct(m)} (IQR ${pct(percentile(sorted, 25))} … ${pct(percentile(sorted, 75))})` };
}

async function overhead(): Promise<void> {
  const broker = await L.startFakeBroker({ longPollHoldMs: 10_000 });
  broker.enqueueJob(); // message 1 stays unacknowledged, so every GetMessage(0) answers at once
  let active: CallTracker | undefined;
  const client = await sessionClient(broker, 'bench', () => active);
  const signal = new AbortController().signal;
  let changeEvents = 0;
  // A baseline checkout's tracker as it ships (its dist/lib/listener.mjs; run `npm run build` there).
  const Baseline = BASELINE ? (await importBuilt<{ CallTracker: typeof CallTracker }>('listener', BASELINE)).CallTracker : undefined;
  const modes: Mode[] = ['off', 'floor', 'on', ...(Baseline ? (['baseline'] as const) : [])];

  const call = async (): Promise<number> => {
    const t0 = performance.now();
    const m = await client.getMessage(0, signal);
    const ms = performance.now() - t0;
    if (m?.messageId !== 1) throw new Error('unexpected broker answer');
    return ms;
  };

  const noop = (): void => undefined;
  // Every call is timed on its own so the figures can use medians: on a shared machine a
  // burst of load from elsewhere moves the mean far more than the tracker does.
  const block = async (mode: Mode, n: number): Promise<Block> => {
    let stop = (): void => undefined;
    if (mode === 'on') {
      const tracker = new L.CallTracker({ observeProcess: true });
      tracker.onDidChangeCalls(() => {
        changeEvents++;
      });
      active = tracker;
      stop = () => tracker.dispose();
    } else if (mode === 'baseline' && Baseline) {
      const tracker = new Baseline({ observeProcess: true });
      tracker.onDidChange(() => {
        changeEvents++;
      });
      active = tracker as unknown as CallTracker;
      stop = () => tracker.dispose();
    } else if (mode === 'floor') {
      for (const name of UNDICI_CHANNELS) diagnosticsChannel.subscribe(name, noop);
      stop = () => {
        for (const name of UNDICI_CHANNELS) diagnosticsChannel.unsubscribe(name, noop);
      };
    }
    const settle: number[] = [];
    for (let i = 0; i < SETTLE; i++) settle.push(await call());
    const samples: number[] = [];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) samples.push(await call());
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    stop();
    active = undefined;
    return { mode, samples, wall, cpu: c.user + c.system, settle };
  };

  // One group = one block of every mode, the order rotating from group to group.
  type Group = Record<Mode, Block>;
  const groups: Group[] = [];
  const runGroup = async (k: number): Promise<Group> => {
    const order = [...modes.slice(k % modes.length), ...modes.slice(0, k % modes.length)];
    const group = {} as Group;
    for (const mode of order) group[mode] = await block(mode, BLOCK);
    return group;
  };
  for (let k = 0; k < WARMUP_PAIRS; k++) await runGroup(k);
  changeEvents = 0;
  for (let k = 0; k * BLOCK < CALLS_PER_MODE; k++) groups.push(await runGroup(k));

  const blocksOf = (mode: Mode): Block[] => groups.map((g) => g[mode]);
  const cpuPerCall = (blocks: Block[]): number => blocks.reduce((a, b) => a + b.cpu, 0) / blocks.reduce((a, b) => a + b.samples.length, 0);
  const line = (mode: Mode): string => {
    const blocks = blocksOf(mode);
    const st = stats(blocks.flatMap((b) => b.samples));
    return `total ${fmt(st.total)} ms, p25 ${fmt(st.p25)}, median ${fmt(st.median)} ms/call, 5%-trimmed mean ${fmt(st.trimmed)}, p99 ${fmt(st.p99)}, CPU ${cpuPerCall(blocks).toFixed(1)} µs/call`;
  };
  const versus = (a: Mode, b: Mode): { wall: ReturnType<typeof ratioSummary>; cpu: ReturnType<typeof ratioSummary> } => ({
    wall: ratioSummary(groups.map((g) => g[a].wall / g[b].wall)),
    cpu: ratioSummary(groups.map((g) => g[a].cpu / g[b].cpu)),
  });

  console.log(
    `tracker overhead — ${blocksOf('off').length * BLOCK} sequential GetMessage calls per mode, ${groups.length} groups of one ${BLOCK}-call block per mode (order rotating), ` +
      `${WARMUP_PAIRS} warm-up groups, first ${SETTLE} calls after each switch timed apart`,
  );
  console.log(`  off      (no tracker)                         : ${line('off')}`);
  console.log(`  floor    (no-op subscriber, same channels)    : ${line('floor')}`);
  console.log(`  on       (tracker + coalesced change listener): ${line('on')}  (${changeEvents} change signals/events delivered, all tracker modes)`);
  if (Baseline) console.log(`  baseline (BENCH_BASELINE tracker + per-call event listener): ${line('baseline')}`);
  const ci = (r: ReturnType<typeof ratioSummary>): string => `95 % CI ${pct(r.lo)} … ${pct(r.hi)}`;
  const verdict = (r: ReturnType<typeof ratioSummary>, goal: number): string =>
    r.hi <= goal ? 'met' : r.lo > goal ? 'NOT met' : 'not resolved at this noise level';
  const onOff = versus('on', 'off');
  const floorOff = versus('floor', 'off');
  console.log(
    `  on vs off, median per-group wall ratio ${onOff.wall.text}, ${ci(onOff.wall)}; CPU ${onOff.cpu.text}   goal ≤ 5 %: ${verdict(onOff.wall, 1.05)}`,
  );
  console.log(`  floor vs off, wall ${floorOff.wall.text}, ${ci(floorOff.wall)}; CPU ${floorOff.cpu.text}`);
  // Cost above "off": the tracker's against the floor's. Medians of per-group differences.
  const extra = (mode: Mode, measure: 'wall' | 'cpu'): number => median(groups.map((g) => g[mode][measure] - g.off[measure]));
  for (const measure of ['wall', 'cpu'] as const) {
    const onExtra = extra('on', measure);
    const floorExtra = extra('floor', measure);
    console.log(
      `  ${measure} cost above off per ${BLOCK}-call block (median of per-group differences): on ${onExtra.toFixed(0)} ${measure === 'wall' ? 'ms' : 'µs'}, floor ${floorExtra.toFixed(0)} ${measure === 'wall' ? 'ms' : 'µs'} → on / floor ${(onExtra / floorExtra).toFixed(2)}x (goal ≤ 1.5x)`,
    );
  }
  if (Baseline) {
    const baseOff = versus('baseline', 'off');
    console.log(`  baseline vs off, wall ${baseOff.wall.text}, ${ci(baseOff.wall)}; CPU ${baseOff.cpu.text}`);
  }
  const firstAfter = (blocks: Block[]): number => median(blocks.map((b) => b.settle[0] ?? NaN)) * 1000;
  console.log(
    `  mode switch (once per tracker in real use): first call after the switch, median: ${modes.map((m) => `${m} ${firstAfter(blocksOf(m)).toFixed(0)} µs`).join(', ')}`,
  );
  await broker.close();
}

/**
 * The tracker's own bookkeeping per call (begin, headers, end, two change events; the stall
 * timer is shared, so a call that ends in time costs it nothing), without HTTP. Far less noisy
 * than the end-to-end comparison on a shared machine.
 */
function bookkeeping(): void {
  const tracker = new L.CallTracker({ observeProcess: false });
  tracker.onDidChangeCalls(() => undefined);
  const n = 100_000;
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const call = tracker.begin({
        name: 'getMessage',
        kind: 'control-plane',
        method: 'GET',
        url: 'http://127.0.0.1/x',
        deadlineAt: Date.now() + 30_000,
        abort: () => undefined,
      });
      call.headersReceived(200);
      call.end({ outcome: 'ok', status: 200 });
    }
    best = Math.min(best, ((performance.now() - t0) / n) * 1000);
  }
  tracker.dispose();
  console.log(`tracker bookkeeping alone (coalesced change listener): ${best.toFixed(2)} µs/call (best of 3 × ${n})`);
}

async function abortLatency(trackerOn: boolean): Promise<void> {
  const broker = await L.startFakeBroker({ faults: { probe: { kind: 'stall' } } });
  const dispatcher = L.createBrokerDispatcher();
  const tracker = trackerOn ? new L.CallTracker({ observeProcess: true }) : undefined;
  const latencies: number[] = [];
  for (let i = 0; i < ABORT_SAMPLES; i++) {
    // Taken before the call, so the figure can only overstate the true latency.
    const deadline = performance.now() + ABORT_DEADLINE_MS;
    try {
      await L.boundedCall({ name: 'probe', kind: 'control-plane', method: 'GET', url: broker.url, timeoutMs: ABORT_DEADLINE_MS }, { dispatcher, tracker });
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
  L = await importBuilt<typeof ListenerModule>('listener');
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  await overhead();
  bookkeeping();
  await handlerCost(join(__dirname, '..', '..'), BASELINE);
  await abortLatency(false);
  await abortLatency(true);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
