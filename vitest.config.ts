import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Unit and real-process tests: real sockets on loopback, real child processes, real files.
// End-to-end tests (code-server + Chromium) have their own config: vitest.e2e.config.ts.
//
// Speed without weakening anything: worker scripts are compiled once per run (globalSetup,
// test/helpers/workers.ts) instead of by a TypeScript loader in every child process, and test
// files run in parallel: one per core (vitest's default is cores − 1, a single file at a time on
// a 2-core machine). Every test file works with its own temp dirs, random loopback ranges and
// free ports, so files do not share state. Twice the cores was tried: on a machine already
// loaded by other work it pushed two tests that start whole runners (vitest's threads pool
// inside runners.test.ts; the 300 ms stall threshold in publish.test.ts) past their margins.
//
// Test files share their worker process (isolate: false): starting a fresh vitest worker per file
// cost about 0.45 s of CPU each (69 files: a third of the suite's CPU). Sharing is safe here
// because no test file mutates process-global state it does not restore: every relay, listener,
// lock and pool a test starts is stopped by that test (and so leaves the live registry), no file
// writes process.env, and the suite passes with --sequence.shuffle. minWorkers = maxWorkers:
// with idle workers being retired mid-run, tinypool rejected a task with "Terminating worker
// thread" after every test had passed (vitest-dev/vitest#8564 shows the same symptom).
const workers = Math.max(2, availableParallelism());

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/setup/workers.ts'],
    pool: 'forks',
    isolate: false,
    maxWorkers: workers,
    minWorkers: workers,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
