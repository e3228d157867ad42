import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Integration tests start real HTTP servers, Redis and PostgreSQL clients; two cores means
// at most two test files at once, each in its own process so ports and globals never collide.
export default defineConfig({
  resolve: {
    // Apollo's CommonJS packages load graphql's CJS build; without this alias vite hands our own
    // code the .mjs build and graphql-js refuses objects "from another module or realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
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
