// A scheduler whose clock only moves when the test says so: deadlines fire exactly when the
// test advances past them, never because the machine was slow or fast.

import type { Scheduler } from '../../../src/core/relay/index';

export class ManualScheduler implements Scheduler {
  t = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  private seq = 0;
  now = (): number => this.t;
  setTimer = (fn: () => void, ms: number): number => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimer = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };
  get armed(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
}
