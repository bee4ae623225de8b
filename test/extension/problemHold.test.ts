import { describe, expect, it } from 'vitest';
import { ProblemHold } from '../../src/extension/problems/problemHold';

const p = (id: string) => ({ id });

describe('ProblemHold: counts do not flicker', () => {
  it('counts a problem only after it lasted the hold time', () => {
    let now = 0;
    const hold = new ProblemHold(5000, () => now);
    expect(hold.update([p('a')])).toEqual([]);
    expect(hold.nextChangeInMs()).toBe(5000);
    now = 4999;
    expect(hold.update([p('a')])).toEqual([]);
    now = 5000;
    expect(hold.update([p('a')])).toEqual([p('a')]);
    expect(hold.nextChangeInMs()).toBeNull();
  });

  it('never counts a problem that went away before the hold time', () => {
    let now = 0;
    const hold = new ProblemHold(5000, () => now);
    hold.update([p('blip')]);
    now = 2000;
    expect(hold.update([])).toEqual([]);
    now = 9000;
    expect(hold.update([])).toEqual([]);
    expect(hold.nextChangeInMs()).toBeNull();
  });

  it('keeps counting a problem through a short absence (a stalled call aborted and stalling again on its retry)', () => {
    let now = 0;
    const hold = new ProblemHold(5000, () => now);
    hold.update([p('calls:acquireJobs:stalled')]);
    now = 5000;
    expect(hold.update([p('calls:acquireJobs:stalled')])).toHaveLength(1);
    now = 20_000;
    expect(hold.update([])).toHaveLength(1); // aborted at its deadline
    expect(hold.nextChangeInMs()).toBe(5000);
    now = 23_000;
    expect(hold.update([p('calls:acquireJobs:stalled')])).toHaveLength(1); // stalled again
    now = 40_000;
    expect(hold.update([])).toHaveLength(1);
    now = 45_000;
    expect(hold.update([])).toEqual([]); // fixed for good: clears after the hold
  });
});
