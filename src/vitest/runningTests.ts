// The tests running now in one worker, and so the test to stamp on what starts now. Vitest runs
// a file's tests one after another unless they are `test.concurrent`; then several tests of
// the file run at once in one worker, and a call starting while they overlap cannot be told
// apart by a process-wide "current test" (observers read it at the call's start, and async
// code of every running test interleaves). Rather than name the wrong one, what starts while
// two or more tests overlap carries no test (null), and reads as "outside any test" — a
// concurrent test's failure section then names nothing as its own or as an earlier test's
// leftover that it cannot prove.

import type { TestRef } from '../core/observe/testContext';

export class RunningTests {
  private readonly running = new Map<string, TestRef>();

  /** A test starts (before its first beforeEach); returns the test to stamp from now on. */
  start(id: string, test: TestRef): TestRef | null {
    this.running.set(id, test);
    return this.current();
  }

  /** A test ended (after its last afterEach); returns the test to stamp from now on. */
  end(id: string): TestRef | null {
    this.running.delete(id);
    return this.current();
  }

  /** The one test running, or null when none or several are. */
  current(): TestRef | null {
    if (this.running.size !== 1) return null;
    return this.running.values().next().value ?? null;
  }
}
