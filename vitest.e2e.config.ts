import { defineConfig } from 'vitest/config';

// End-to-end: the packaged .vsix installed into a real code-server, driven by Playwright
// through Debian's Chromium. One file at a time: each starts its own code-server.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    globalSetup: ['test/e2e/harness/globalSetup.ts'],
  },
});
