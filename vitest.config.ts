import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Unit and real-process tests: real sockets on loopback, real child processes, real files.
// End-to-end tests (code-server + Chromium) have their own config: vitest.e2e.config.ts.
//
// Speed without weakening anything: worker scripts are compiled once per run (globalSetup,
// test/helpers/workers.ts) instead of by a TypeScript loader in every child process, and test
// files run in parallel. Most of this suite waits on child processes, sockets and files rather
// than on the CPU, so it runs more files at once than there are cores (vitest's default is
// cores − 1: a single file at a time on a 2-core machine). Tests never depend on wall-clock
// speed (races are forced, deadlines use generous margins), and every test file works with its
// own temp dirs, random loopback ranges and free ports, so files do not share state.
const workers = Math.max(2, availableParallelism() * 2);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/setup/workers.ts'],
    pool: 'forks',
    maxWorkers: workers,
    minWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
