// The supervisor's schedule, forced deterministically: injected sleep and random, no clock.
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/core/listener/index';
import { Supervisor } from '../../src/core/listener/supervisor';

describe('backoff', () => {
  it('grows exponentially, is capped, and jitters within [half, full]', () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, policy, () => 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(300);
  });
});

describe('Supervisor', () => {
  it('restarts a failing run with growing delays, resets after a healthy run, gives up at maxRestarts', async () => {
    const delays: number[] = [];
    const attempts: number[] = [];
    let runs = 0;
    const gaveUp = new Promise<unknown>((resolve) => {
      new Supervisor({
        run: async (_signal, healthy) => {
          runs++;
          if (runs === 3) healthy(); // the third run got somewhere before failing
          throw new Error(`run ${runs} failed`);
        },
        backoff: { baseMs: 100, maxMs: 10_000 },
        sleep: async (ms) => {
          delays.push(ms);
        },
        random: () => 0,
        maxRestarts: 4,
        onRunFailed: (_e, attempt) => attempts.push(attempt),
        onGiveUp: resolve,
      }).start();
    });
    const error = await gaveUp;
    // Runs 1 and 2 fail (50, 100); run 3 was healthy, so the backoff starts over (50, 100,
    // 200, 400); after 4 failures in a row the supervisor gives up on run 7.
    expect(delays).toEqual([50, 100, 50, 100, 200, 400]);
    expect(attempts).toEqual([1, 2, 1, 2, 3, 4]);
    expect(runs).toBe(7);
    expect((error as Error).message).toBe('run 7 failed');
  });

  it('stop() cuts a backoff short even if the injected sleep ignores the signal', async () => {
    const supervisor = new Supervisor({
      run: async () => {
        throw new Error('fail');
      },
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      sleep: () => new Promise(() => undefined), // never resolves, ignores abort
      random: () => 0,
      maxRestarts: Infinity,
      onRunFailed: () => undefined,
      onGiveUp: () => undefined,
    });
    supervisor.start();
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await supervisor.stop();
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('restart() during a backoff starts the next run at once', async () => {
    let runs = 0;
    const supervisor = new Supervisor({
      run: async () => {
        runs++;
        throw new Error('fail');
      },
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      sleep: () => new Promise(() => undefined),
      random: () => 0,
      maxRestarts: Infinity,
      onRunFailed: () => undefined,
      onGiveUp: () => undefined,
    });
    supervisor.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(1);
    supervisor.restart();
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(2);
    await supervisor.stop();
  });
});
