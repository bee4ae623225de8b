// "Which test is running now" in this process (this thread): set by a runner integration
// (the vitest setup file, later jest's and node:test's), read by every observer when a call,
// WebSocket, listen or child starts, so each can later be named with the test that started it.
//
// On globalThis under a registered symbol, like the live registry: the register module, the
// vitest setup file and the user's imports are separate bundles that must share one value.

/** A test as a person finds it again: its file (relative to the project root where known) and its full name. */
export interface TestRef {
  file: string;
  name: string;
}

const KEY = Symbol.for('flake-doctor.current-test.v1');

type Holder = { [KEY]?: TestRef | null };

/** Called by a runner integration when a test starts (with the test) and ends (with null). */
export function setCurrentTest(test: TestRef | null): void {
  (globalThis as Holder)[KEY] = test;
}

/** The test running now, or null outside any test (module scope, hooks of no test, no runner integration). */
export function currentTest(): TestRef | null {
  return (globalThis as Holder)[KEY] ?? null;
}
