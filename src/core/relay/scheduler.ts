// The clock and timers the relay's deadlines run on. Injected so tests can drive deadlines
// deterministically instead of sleeping (the lock core's `sleepFn` is the model).

// Opaque: the real scheduler returns Node timers, a test scheduler whatever it likes.
export type TimerHandle = unknown;

export interface Scheduler {
  /** Milliseconds; only differences are used, so any monotonic-enough clock works. */
  now(): number;
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    // Deadlines must never keep a harness process alive on their own.
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
