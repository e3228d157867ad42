import { defineConfig } from 'vitest/config';

// Integration tests start real HTTP servers, Redis and PostgreSQL clients; two cores means
// at most two test files at once, each in its own process so ports and globals never collide.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default'],
  },
});
