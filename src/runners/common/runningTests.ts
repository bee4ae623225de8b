// The test to stamp on what starts now, in one process. Runners run a file's tests one after
// another unless told otherwise (jest's test.concurrent, node:test's { concurrency }); while
// two overlap, a process-wide "current test" cannot say whose a call is, so nothing is stamped
// (null) rather than the wrong test.

import type { TestRef } from '../../core/observe/testContext';

export class RunningTests {
  private readonly running = new Map<string, TestRef>();

  start(key: string, test: TestRef): TestRef | null {
    this.running.set(key, test);
    return this.current();
  }

  end(key: string): TestRef | null {
    this.running.delete(key);
    return this.current();
  }

  current(): TestRef | null {
    return this.running.size === 1 ? (this.running.values().next().value ?? null) : null;
  }
}
