// bench/bridge, part 1: the register module's cost on an undici request loop, against the
// same loop bare (off) and with a no-op subscriber on the tracker's undici channels (floor:
// what any channel-based tracker pays inside undici). Every mode is a fresh child process
// running bench/bridge/loop.mjs; one round runs every mode once, the order rotating from round
// to round, so load from elsewhere on a shared machine hits all modes alike.
import { loadavg } from 'node:os';
import { listBridgeProcesses, connectBridge, type BridgeClient } from '../../src/core/bridge';
import { bootstrapInterval, median, medianInterval, percentile } from '../stats';
import type { ChildProcess } from 'node:child_process';

export type Mode = 'off' | 'floor' | 'on' | 'watched' | 'baseline';

interface Sample {
  /** Median wall time of one request in the child, µs. */
  medianUs: number;
  /** Mean wall time of one request (the whole loop / requests), µs. */
  meanUs: number;
  /** The child's CPU per request (user + system), µs. */
  cpuUs: number;
}

export interface OverheadSetup {
  rounds: number;
  requests: number;
  loop: string;
  url: string;
  dir: string;
  /** Preloads per mode (off has none). */
  preload: { floor: string; register: string; baseline?: string };
  run(args: string[]): { child: ChildProcess; done: Promise<string> };
  /** Which client the loop uses, for the heading (default undici). */
  client?: string;
  /** A goal for on / off CPU per request (bench/nodeHttp: ≤ 1.03), printed with its verdict. */
  cpuGoal?: number;
}

const LABELS: Record<Mode, string> = {
  off: 'off      (bare loop)                            ',
  floor: 'floor    (no-op subscriber, tracker’s channels) ',
  on: 'on       (register module, nobody attached)     ',
  watched: 'watched  (register module, a view subscribed)   ',
  baseline: 'baseline (BENCH_BASELINE register, nobody att.)',
};

export async function measureOverhead(setup: OverheadSetup): Promise<void> {
  const modes: Mode[] = ['off', 'floor', 'on', 'watched', ...(setup.preload.baseline ? (['baseline'] as const) : [])];
  const samples: Record<Mode, Sample[]> = { off: [], floor: [], on: [], watched: [], baseline: [] };
  const load0 = loadavg()[0]!;

  const measure = async (mode: Mode): Promise<Sample> => {
    const preload = mode === 'off' ? null : mode === 'floor' ? setup.preload.floor : mode === 'baseline' ? setup.preload.baseline! : setup.preload.register;
    const args = [...(preload ? ['--require', preload] : []), setup.loop, setup.url, String(setup.requests)];
    const { child, done } = setup.run(args);
    let client: BridgeClient | null = null;
    if (mode === 'watched') {
      for (let i = 0; i < 500 && !client; i++) {
        const entry = (await listBridgeProcesses({ dir: setup.dir }).catch(() => [])).find((e) => e.pid === child.pid);
        // Listed is not always connectable yet (seen: ECONNREFUSED on a listed socket): retry.
        if (entry) client = await connectBridge(entry.socketPath).catch(() => null);
        if (!client) await new Promise((r) => setTimeout(r, 2));
      }
      client?.onDidChange(() => undefined);
    }
    const out = JSON.parse(await done) as { ms: number; medianUs: number; cpuUs: number };
    client?.close();
    return { medianUs: out.medianUs, meanUs: (out.ms / setup.requests) * 1000, cpuUs: out.cpuUs };
  };

  for (let round = 0; round < setup.rounds; round++) {
    const k = round % modes.length;
    for (const mode of [...modes.slice(k), ...modes.slice(0, k)]) samples[mode].push(await measure(mode));
  }

  const f = (n: number): string => n.toFixed(1);
  console.log(
    `register overhead, ${setup.requests} sequential ${setup.client ?? 'undici'} requests per child, ${setup.rounds} rounds of one child per mode (order rotating); ` +
      `load average ${load0.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`,
  );
  for (const mode of modes) {
    const s = samples[mode];
    const med = s.map((x) => x.medianUs);
    console.log(
      `  ${LABELS[mode]}: median request ${f(median(med))} µs (rounds' IQR ${f(percentile(med, 25))} … ${f(percentile(med, 75))}), ` +
        `mean ${f(median(s.map((x) => x.meanUs)))} µs, CPU ${f(median(s.map((x) => x.cpuUs)))} µs per request`,
    );
  }

  // Ratios per round (the modes of one round ran back to back), then their median and CI.
  const per = (mode: Mode, key: keyof Sample, op: (a: number, b: number) => number): number[] => samples[mode].map((x, i) => op(x[key], samples.off[i]![key]));
  const ratio = (mode: Mode, key: keyof Sample): string => {
    const r = per(mode, key, (a, b) => a / b);
    const ci = medianInterval(r);
    return `${median(r).toFixed(3)} (95 % CI ${ci.lo.toFixed(3)} … ${ci.hi.toFixed(3)})`;
  };
  const verdict = (mode: Mode, goal: number, key: keyof Sample = 'medianUs'): string => {
    const ci = medianInterval(per(mode, key, (a, b) => a / b));
    return ci.hi <= goal ? 'met' : ci.lo > goal ? 'NOT met' : 'not resolved at this noise level';
  };
  for (const mode of modes.filter((m) => m !== 'off')) {
    console.log(
      `  ${mode.padEnd(8)} / off: median request ${ratio(mode, 'medianUs')}, mean ${ratio(mode, 'meanUs')}, CPU ${ratio(mode, 'cpuUs')}` +
        (mode === 'on' ? `   goal ≤ 1.05: ${verdict('on', 1.05)}` : '') +
        (mode === 'on' && setup.cpuGoal !== undefined ? `; CPU goal ≤ ${setup.cpuGoal}: ${verdict('on', setup.cpuGoal, 'cpuUs')}` : ''),
    );
  }
  // The tracker's added cost against the floor's: medians of per-round differences.
  for (const mode of modes.filter((m) => m === 'on' || m === 'baseline')) {
    for (const key of ['medianUs', 'cpuUs'] as const) {
      const over = per(mode, key, (a, b) => a - b);
      const floor = per('floor', key, (a, b) => a - b);
      const stat = (idx: number[]): number => median(idx.map((i) => over[i]!)) / median(idx.map((i) => floor[i]!));
      const ci = bootstrapInterval(over.length, stat);
      const all = over.map((_, i) => i);
      // A ratio to a floor that is not above off is noise divided by noise: say so instead.
      const floorCi = medianInterval(floor);
      const ratio =
        floorCi.lo > 0
          ? `= ${stat(all).toFixed(2)}x (bootstrap 95 % CI ${ci.lo.toFixed(2)} … ${ci.hi.toFixed(2)})`
          : `: no ratio, the floor is not resolved above off (its 95 % CI ${f(floorCi.lo)} … ${f(floorCi.hi)} µs)`;
      console.log(
        `  (${mode} − off) / (floor − off), ${key === 'medianUs' ? 'median request' : 'CPU per request'}: ${f(median(over))} µs / ${f(median(floor))} µs ${ratio}` +
          (mode === 'on' ? '   goal ≤ 1.5x' : ''),
      );
    }
  }
}
