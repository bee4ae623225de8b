/**
 * Runs `task` repeatedly while `setActive(true)`, waiting between runs a multiple of the
 * task's own measured cost (never less than `minIntervalMs`), as VS Code's Ports view does:
 * a scan that costs 20 ms on a busy host runs less often than one that costs 2 ms.
 * The cost is the least of the last few runs: a run's wall time on a loaded machine is mostly
 * waiting for a core (one scan here took 3 ms, the next 90 ms), and one such run must not
 * stretch the next wait — and with it how soon a fault shows — by its multiple; a task that is
 * costly every time still backs off.
 * It never overlaps runs and does nothing at all while inactive (view hidden).
 *
 * No `vscode` import: it is tested with an injected clock and timer.
 */
export interface PollerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: PollerTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface AdaptivePollerOptions {
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Interval = cost × this factor, clamped to [min, max]. */
  costMultiplier?: number;
  /** How many recent runs the cost is the least of (default 5). */
  costWindow?: number;
  /**
   * How soon a change should show, wait plus run (unset: no such goal). While a run costs at
   * most a fifth of it, the wait is shortened to meet it; only a costlier task backs off
   * further (to four times its cost, at most the multiple). On a saturated machine every run's
   * wall time is mostly waiting for a core, so without this goal the multiple alone pushed the
   * Loopback view's next scan 8 s away and a fault showed that late.
   */
  latencyGoalMs?: number;
  timers?: PollerTimers;
  onError?: (err: unknown) => void;
}

export class AdaptivePoller {
  private active = false;
  private running = false;
  private timer: unknown = null;
  private readonly recentCostsMs: number[] = [];
  private readonly timers: PollerTimers;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly options: AdaptivePollerOptions,
  ) {
    this.timers = options.timers ?? realTimers;
  }

  /** The wait the poller will use after a run that cost `costMs`. */
  intervalFor(costMs: number): number {
    const { minIntervalMs, maxIntervalMs, costMultiplier = 20, latencyGoalMs } = this.options;
    const byCost = Math.min(maxIntervalMs, Math.max(minIntervalMs, Math.round(costMs * costMultiplier)));
    if (latencyGoalMs === undefined) return byCost;
    const withinGoal = Math.max(minIntervalMs, Math.round(Math.max(latencyGoalMs - costMs, costMs * 4)));
    return Math.min(byCost, withinGoal);
  }

  get currentIntervalMs(): number {
    return this.intervalFor(this.recentCostsMs.length ? Math.min(...this.recentCostsMs) : 0);
  }

  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    if (active) {
      if (!this.running) void this.runOnce();
    } else if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private async runOnce(): Promise<void> {
    this.timer = null;
    this.running = true;
    const started = this.timers.now();
    try {
      await this.task();
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.running = false;
      this.recentCostsMs.push(this.timers.now() - started);
      if (this.recentCostsMs.length > (this.options.costWindow ?? 5)) this.recentCostsMs.shift();
    }
    if (this.active) this.timer = this.timers.setTimeout(() => void this.runOnce(), this.currentIntervalMs);
  }

  dispose(): void {
    this.setActive(false);
  }
}
