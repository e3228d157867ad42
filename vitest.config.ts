import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Three projects, one run: `npm test` runs them all; `npx vitest run --project unit` runs the pure
 * ones in seconds. A new test file lands in `integration` unless listed below: the safe default.
 */
// Pure decisions, parsers, mappings and static checks: no server, no database, no process. (The
// simulator's data tests are pure too, but build 10,000-contact datasets: they run as integration.)
const UNIT = [
  'test/compose-file.test.ts',
  'test/connections/secret-box.test.ts',
  'test/consent/consent-plan.test.ts',
  'test/consent/decision-table.test.ts',
  'test/crm/change-handler.test.ts',
  'test/crm/contract-answers.test.ts',
  'test/shared/remembered-operations.test.ts',
  'test/crm/hubspot-mapping.test.ts',
  'test/crm/hubspot-signature.test.ts',
  'test/crm/hubspot-webhooks.test.ts',
  'test/crm/mapping-overrides.test.ts',
  'test/crm/refresh-ahead.test.ts',
  'test/crm/runtime.test.ts',
  'test/crm/salesforce-mapping.test.ts',
  'test/crm/registry.test.ts',
  'test/crm/connection-routing.test.ts',
  'test/engagement/attempt-policy.test.ts',
  'test/engagement/mapping.test.ts',
  'test/gateway/demand-control.test.ts',
  'test/gateway/graphql-route.test.ts',
  'test/ops/deploy-k8s.test.ts',
  'test/ops/import-rules.test.ts',
  'test/ops/node-line.test.ts',
  'test/platforms/call-context.test.ts',
  'test/platforms/signatures.test.ts',
  'test/shared/error-registry.test.ts',
  'test/shared/identity.test.ts',
  'test/shared/logger.test.ts',
  'test/shared/redis-breaker.test.ts',
  'test/sim/data-record-table.test.ts',
  'test/sim/salesforce-soql.test.ts',
];
// Child processes, a browser, the whole stack, or many seconds of a scenario (outage, crash, fan-out).
const SLOW = [
  'test/**/*.e2e.test.ts',
  'test/**/*browser.test.ts',
  'test/compose.test.ts',
  'test/ops/start-banner.test.ts',
  'test/ops/start-honest.test.ts',
  'test/ops/shutdown.test.ts',
  'test/ops/tls.test.ts',
  'test/ops/traces.test.ts',
  'test/security/production-secrets.test.ts',
  'test/consent/compliance-data-stack.test.ts',
  'test/consent/gateway-fanout.test.ts',
  'test/consent/replicas.test.ts',
  'test/crm/reconciliation-e2e.test.ts',
  'test/engagement/worker-crash.test.ts',
  'test/engagement/writeback-outage.test.ts',
  'test/engagement/writeback-rate-limit.test.ts',
];
// Probes Redis and PostgreSQL once per run (describeWithRedis / describeWithPostgres read the answer).
const SERVERS = ['test/support/global-setup.ts'];
// Builds ui-build/ (explorer, console) once before the pages are served.
const UI = ['test/support/ui-build-setup.ts'];

// Integration tests start real HTTP servers, Redis and PostgreSQL clients; two cores means
// at most two test files at once, each in its own process so ports and globals never collide.
export default defineConfig({
  resolve: {
    // Apollo's CommonJS packages load graphql's CJS build; without this alias vite hands our own
    // code the .mjs build and graphql-js refuses objects "from another module or realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT, ...SLOW],
          globalSetup: [...SERVERS, ...UI],
        },
      },
      { extends: true, test: { name: 'slow', include: SLOW, globalSetup: [...SERVERS, ...UI] } },
    ],
  },
});
