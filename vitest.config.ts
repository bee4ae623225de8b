import { defineConfig } from 'vitest/config';

// Unit and real-process tests: real sockets on loopback, real child processes, real files.
// End-to-end tests (code-server + Chromium) have their own config: vitest.e2e.config.ts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
