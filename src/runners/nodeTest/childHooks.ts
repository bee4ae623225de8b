// The test-file side of `node --test … --test-reporter=flake-doctor/node-test`: node --test runs
// each test file in a child process of its own, and `--import flake-doctor/bridge/register`
// reaches those children (Node 20, 22 and 24), so the register module calls this there. It
// adds root-level hooks, which node:test runs for every test of the file: beforeEach says which
// test runs, afterEach — when the test failed — gathers the facts in this process at once and
// adds the section as the test's diagnostic (the spec reporter prints it under the failure,
// TAP as a comment), and the root `after` records what the tests left running.
//
// Only in a child the flake-doctor/node-test reporter's run started (runChannel.ts): a process
// a test spawns inherits NODE_TEST_CONTEXT too, and must not grow a node:test root of its own.

import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import type { BridgeServer } from '../../core/bridge/server';
import type { TestRef } from '../../core/observe/testContext';
import { runChannelDir } from '../common/runChannel';
import { TestSession, type TestError } from '../common/testSession';

/** The parts of node:test's TestContext used here (fullName and filePath are absent on older Node 20). */
interface HookContext {
  name: string;
  fullName?: string;
  filePath?: string;
  passed?: boolean;
  error?: unknown;
  diagnostic(message: string): void;
}
interface NodeTestHooks {
  beforeEach(fn: (t: HookContext) => void): void;
  afterEach(fn: (t: HookContext) => Promise<void>): void;
  after(fn: () => void): void;
}

function errorsOf(error: unknown): TestError[] {
  const out: TestError[] = [];
  // node:test wraps what the test threw in ERR_TEST_FAILURE, the original as its cause.
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    out.push(e instanceof Error ? { message: e.message, stack: e.stack } : { message: String(e) });
  }
  return out;
}

export function hookNodeTestChild(bridge: BridgeServer): void {
  const channel = runChannelDir();
  if (!(process.env.NODE_TEST_CONTEXT ?? '').startsWith('child') || !channel) return;
  // Synchronously (the test file must not start first), in the ESM and the CommonJS build alike.
  const hooks = createRequire(join(process.cwd(), 'flake-doctor-hooks.js'))('node:test') as NodeTestHooks;
  const session = new TestSession(bridge, channel);
  const mainFile = process.argv[1] ?? '';
  const fileOf = (t: HookContext): string => relative(process.cwd(), t.filePath ?? mainFile) || mainFile;
  const keys = new WeakMap<HookContext, string>();
  let next = 0;
  hooks.beforeEach((t) => {
    const key = String(++next);
    keys.set(t, key);
    session.testStarted(key, { file: fileOf(t), name: t.fullName ?? t.name });
  });
  hooks.afterEach(async (t) => {
    const key = keys.get(t);
    if (key === undefined) return;
    const test: TestRef = { file: fileOf(t), name: t.fullName ?? t.name };
    if (t.passed === false) {
      const section = await session.testFailed(key, test, errorsOf(t.error));
      if (section) t.diagnostic(section);
    }
    session.testEnded(key);
  });
  hooks.after(() => {
    session.fileEnded(relative(process.cwd(), mainFile) || mainFile);
  });
}
