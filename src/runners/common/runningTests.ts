// The test to stamp on what starts now, in one process, for every runner integration. Runners
// run a file's tests one after another unless told otherwise (vitest's and jest's
// test.concurrent, node:test's { concurrency }); while two overlap, a process-wide "current
// test" cannot say whose a call is (observers read it at the call's start, and the async code of
// every running test interleaves), so nothing is stamped (null): what starts then reads as
// "outside any test" rather than as the wrong test's own or leftover.

import type { TestRef } from '../../core/observe/testContext';

export class RunningTests {
  private readonly running = new Map<string, TestRef>();

  /** A test starts (before its first beforeEach); returns the test to stamp from now on. */
  start(key: string, test: TestRef): TestRef | null {
    this.running.set(key, test);
    return this.current();
  }

  /** A test ended (after its last afterEach); returns the test to stamp from now on. */
  end(key: string): TestRef | null {
    this.running.delete(key);
    return this.current();
  }

  /** The one test running, or null when none or several are. */
  current(): TestRef | null {
    return this.running.size === 1 ? (this.running.values().next().value ?? null) : null;
  }
}
