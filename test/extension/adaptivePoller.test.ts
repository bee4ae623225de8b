import { describe, expect, it } from 'vitest';
import { AdaptivePoller, type PollerTimers } from '../../src/extension/common/adaptivePoller';

/** A manual clock: timers fire only when the test advances time. */
class ManualTimers implements PollerTimers {
  time = 0;
  pending: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.pending.push({ at: this.time + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.pending = this.pending.filter((p) => p.id !== id);
  };
  async advance(ms: number) {
    this.time += ms;
    const due = this.pending.filter((p) => p.at <= this.time);
    this.pending = this.pending.filter((p) => p.at > this.time);
    for (const p of due) p.fn();
    await new Promise((r) => setImmediate(r));
  }
}

describe('AdaptivePoller', () => {
  it('runs only while active, and waits a multiple of its measured cost', async () => {
    const timers = new ManualTimers();
    let runs = 0;
    const poller = new AdaptivePoller(
      async () => {
        runs++;
        timers.time += 300; // this run "costs" 300 ms
      },
      { minIntervalMs: 1000, maxIntervalMs: 60_000, costMultiplier: 10, timers },
    );
    await timers.advance(10_000);
    expect(runs).toBe(0); // hidden view: nothing runs
    poller.setActive(true);
    await timers.advance(0);
    expect(runs).toBe(1);
    expect(poller.currentIntervalMs).toBe(3000); // 300 ms × 10, above the 1 s floor
    await timers.advance(2999);
    expect(runs).toBe(1);
    await timers.advance(1);
    expect(runs).toBe(2);
    poller.setActive(false);
    expect(timers.pending).toHaveLength(0);
    await timers.advance(100_000);
    expect(runs).toBe(2);
  });

  it('waits by the least cost of its recent runs: one slow run on a loaded machine does not stretch the next wait, runs slow every time do', async () => {
    const timers = new ManualTimers();
    const costs = [10, 10, 400, 400, 400, 400, 400];
    let runs = 0;
    const poller = new AdaptivePoller(
      async () => {
        timers.time += costs[runs++] ?? 400;
      },
      { minIntervalMs: 1000, maxIntervalMs: 60_000, costMultiplier: 20, costWindow: 5, timers },
    );
    poller.setActive(true);
    await timers.advance(0);
    await timers.advance(1000);
    await timers.advance(1000);
    expect(runs).toBe(3); // the third run cost 400 ms: 8 s by its multiple
    expect(poller.currentIntervalMs).toBe(1000);
    await timers.advance(1000);
    await timers.advance(1000);
    await timers.advance(1000);
    expect(runs).toBe(6);
    expect(poller.currentIntervalMs).toBe(1000); // one 10 ms run still in the last five
    await timers.advance(1000);
    expect(runs).toBe(7);
    expect(poller.currentIntervalMs).toBe(8000); // five slow runs in a row: a costly task backs off
    poller.dispose();
  });

  it('with a latency goal, a run costing up to a fifth of it waits only what is left of the goal; a costlier one still backs off', () => {
    const poller = new AdaptivePoller(async () => undefined, { minIntervalMs: 1000, maxIntervalMs: 30_000, latencyGoalMs: 2000 });
    expect(poller.intervalFor(10)).toBe(1000); // cheap: the floor
    expect(poller.intervalFor(400)).toBe(1600); // 8 s by its multiple; 1.6 s wait + 0.4 s run = the 2 s goal
    expect(poller.intervalFor(300)).toBe(1700);
    expect(poller.intervalFor(1000)).toBe(4000); // half the goal per run: four times its cost
    expect(poller.intervalFor(5000)).toBe(20_000); // never beyond the multiple and the bound
    const unbounded = new AdaptivePoller(async () => undefined, { minIntervalMs: 1000, maxIntervalMs: 30_000 });
    expect(unbounded.intervalFor(400)).toBe(8000);
  });

  it('clamps the interval to its bounds', () => {
    const poller = new AdaptivePoller(async () => undefined, { minIntervalMs: 500, maxIntervalMs: 5000 });
    expect(poller.intervalFor(1)).toBe(500);
    expect(poller.intervalFor(10_000)).toBe(5000);
  });
});
