import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Forest training spawns its own worker_threads; keep vitest's pool small on 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
