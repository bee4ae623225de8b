// The supervisor: runs the listener, and when a run fails, starts a new one after an
// exponential backoff with jitter. This is only safe because no call can hang (see call.ts):
// a supervisor cannot restart a run that never returns, which is exactly how the origin's
// listener stayed dead.

import { backoffDelay, type BackoffPolicy } from './backoff';
import { CallAbortedError, ListenerStoppedError, RestartRequestedError } from './errors';
import { retryAfterOf } from './retryAfter';
import { sleepUnlessAborted } from './sleep';
import type { RandomFn, SleepFn } from './types';

export interface SupervisorOptions {
  /** One run; must settle when `signal` aborts. `healthy()` resets the backoff. */
  run(signal: AbortSignal, healthy: () => void): Promise<void>;
  backoff: BackoffPolicy;
  sleep: SleepFn;
  random: RandomFn;
  /** Failed runs tolerated in a row before giving up (Infinity = never give up). */
  maxRestarts: number;
  onRunFailed(error: unknown, attempt: number, delayMs: number): void;
  onGiveUp(error: unknown): void;
}

export class Supervisor {
  private readonly stopController = new AbortController();
  private runController: AbortController | null = null;
  private sleepController: AbortController | null = null;
  private done: Promise<void> | null = null;
  private attempt = 0;
  private runs = 0;

  constructor(private readonly options: SupervisorOptions) {}

  /** Number of runs started after the first. */
  get restarts(): number {
    return Math.max(0, this.runs - 1);
  }

  get consecutiveFailures(): number {
    return this.attempt;
  }

  start(): void {
    if (this.done) return;
    this.done = this.loop();
  }

  /** Ends the current run now; the next one starts at once with a fresh backoff. */
  restart(): void {
    this.attempt = 0;
    // During a run: end it. During a backoff: cut the wait short.
    (this.runController ?? this.sleepController)?.abort(new RestartRequestedError());
  }

  async stop(): Promise<void> {
    this.stopController.abort(new ListenerStoppedError());
    this.runController?.abort(this.stopController.signal.reason);
    this.sleepController?.abort(this.stopController.signal.reason);
    await this.done;
  }

  private async loop(): Promise<void> {
    const stop = this.stopController.signal;
    while (!stop.aborted) {
      const run = new AbortController();
      this.runController = run;
      this.runs++;
      let error: unknown;
      try {
        await this.options.run(run.signal, () => {
          this.attempt = 0;
        });
        error = new Error('listener run ended without an error');
      } catch (err) {
        error = err;
      } finally {
        this.runController = null;
      }
      if (stop.aborted) return;
      if (run.signal.reason instanceof RestartRequestedError) {
        this.attempt = 0;
        continue;
      }
      // A user Break is not a broker fault: retry at once, without growing the backoff.
      if (error instanceof CallAbortedError && error.byUser) {
        this.options.onRunFailed(error, this.attempt, 0);
        continue;
      }
      if (this.attempt >= this.options.maxRestarts) {
        this.options.onGiveUp(error);
        return;
      }
      // A broker that said when to come back (Retry-After) is not asked again sooner.
      const delayMs = Math.max(backoffDelay(this.attempt, this.options.backoff, this.options.random), retryAfterOf(error));
      this.attempt++;
      this.options.onRunFailed(error, this.attempt, delayMs);
      if (stop.aborted) return;
      const wait = new AbortController();
      this.sleepController = wait;
      try {
        await sleepUnlessAborted(this.options.sleep, delayMs, wait.signal);
      } catch {
        if (stop.aborted) return;
      } finally {
        this.sleepController = null;
      }
    }
  }
}
