// `setupFilesAfterEnv: ['flake-doctor/jest/setup']`: runs in every jest test file, inside its
// sandbox. It publishes the process over the bridge for the file (each file has a sandbox of
// its own, with its own copy of this module: the bridge is started here and stopped at the
// file's end, so one runs at a time in a worker), says which test is running, and when a test
// failed adds the Flake Doctor section to that test's failure by throwing it from an afterEach:
// jest prints it as one more error of the failing test, in its own output, and counts nothing
// twice (the test has already failed).
//
// Whether the test failed: jest gives a setup file no public way to ask (jestjs/jest#5292; the
// runner's event handlers are only offered to a custom testEnvironment). jest-circus keeps the
// running test, with the errors so far, in its state on the sandbox's global under a symbol
// described 'JEST_STATE_SYMBOL' (jest 29 and 30 alike); it is read here, never written. When it
// is not there (jest-jasmine2, a future jest), no section is added — a debug note says so.

import { relative } from 'node:path';
import { bridgeDebug } from '../../core/bridge/debug';
import { startBridge } from '../../core/bridge/server';
import type { TestRef } from '../../core/observe/testContext';
import { runChannelDir } from '../common/runChannel';
import { TestSession, type TestError } from '../common/testSession';

declare const beforeEach: (fn: () => void) => void;
declare const afterEach: (fn: () => Promise<void>) => void;
declare const afterAll: (fn: () => Promise<void>) => void;
declare const expect: { getState(): { currentTestName?: string; testPath?: string } };

interface CircusBlock {
  name: string;
  parent?: CircusBlock;
}
interface CircusTest extends CircusBlock {
  errors: unknown[];
}
interface CircusState {
  currentlyRunningTest: CircusTest | null;
}

const ROOT_BLOCK = 'ROOT_DESCRIBE_BLOCK';
const bridge = startBridge({ via: 'api' });
const session = new TestSession(bridge, runChannelDir());
const stateKey = Object.getOwnPropertySymbols(globalThis).find((s) => s.description === 'JEST_STATE_SYMBOL');
if (!stateKey) bridgeDebug('jest-circus state not found: failed tests get no Flake Doctor section (is the runner jest-circus?)');

function runningTest(): CircusTest | null {
  if (!stateKey) return null;
  return (globalThis as unknown as Record<symbol, CircusState | undefined>)[stateKey]?.currentlyRunningTest ?? null;
}

function testFile(): string {
  const path = expect.getState().testPath ?? '';
  return relative(process.cwd(), path) || path;
}

/** The test as jest names it in its failure headings: `describe › test`. */
function testRef(t: CircusTest | null): TestRef {
  const names: string[] = [];
  for (let b: CircusBlock | undefined = t ?? undefined; b && b.name !== ROOT_BLOCK; b = b.parent) names.unshift(b.name);
  return { file: testFile(), name: names.length ? names.join(' › ') : (expect.getState().currentTestName ?? '') };
}

/**
 * circus keeps an error as it was thrown (or rejected with), or as [thrown, async error]. The
 * async error's stack is never read: V8 renders a stack on first read, and jest sets that
 * error's message (`thrown: "Exceeded timeout…"`) only later — reading it first would blank
 * the message jest prints.
 */
function testErrors(t: CircusTest): TestError[] {
  return t.errors.map((entry) => {
    const thrown: unknown = Array.isArray(entry) ? entry[0] : entry;
    if (thrown instanceof Error) return { message: thrown.message, stack: thrown.stack };
    return { message: typeof thrown === 'string' ? thrown : String(thrown) };
  });
}

let testKey = 0;
let current: { key: string; test: TestRef } | null = null;

beforeEach(() => {
  const key = String(++testKey);
  current = { key, test: testRef(runningTest()) };
  session.testStarted(key, current.test);
});

afterEach(async () => {
  const ended = current;
  current = null;
  if (!ended) return;
  const t = runningTest();
  const section = t && t.errors.length > 0 ? await session.testFailed(ended.key, ended.test, testErrors(t)) : '';
  session.testEnded(ended.key);
  if (section) {
    // No stack: jest prints this error as the section itself, not as a place in this file.
    const shown = new Error(section);
    shown.stack = section;
    throw shown;
  }
});

afterAll(async () => {
  session.fileEnded(testFile());
  await bridge.stop();
});
