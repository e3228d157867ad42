import { z } from 'zod';
import { cacheEnv, connectionEnv, runtimeEnv, tlsEnv, tracingEnv } from '../config.js';
import { loadServerTls } from '../tls.js';
import type { CrmRuntimeConfig } from './crm-subgraph.js';
import { DEFAULT_BATCH_CONCURRENCY_MAX } from './batch-concurrency.js';
import { RECONCILE_DEFAULTS } from './reconciliation/reconcile-policy.js';

/**
 * The environment every CRM subgraph reads besides its own CRM connection and port, and how it
 * resolves into `CrmSubgraphOptions`. Each subgraphs/<crm>/config.ts spreads these in.
 */
export const crmSubgraphRuntimeEnv = {
  NODE_ENV: runtimeEnv.NODE_ENV,
  LOG_LEVEL: runtimeEnv.LOG_LEVEL,
  REDIS_URL: runtimeEnv.REDIS_URL,
  REDIS_COMMAND_TIMEOUT_MS: runtimeEnv.REDIS_COMMAND_TIMEOUT_MS,
  DIALPLANE_INTERNAL_SECRET: runtimeEnv.DIALPLANE_INTERNAL_SECRET,
  CACHE_TTL_MS: cacheEnv.CACHE_TTL_MS,
  BATCH_WINDOW_MS: cacheEnv.BATCH_WINDOW_MS,
  /**
   * Most CRM batch loads in flight per CRM account. The subgraph starts at one and opens more only
   * while keys wait behind a batch and the CRM reports budget to spare (shared/crm/batch-concurrency.ts);
   * 1 = always one batch (fewest CRM calls, a cold read may wait behind the batch in flight).
   */
  CRM_BATCH_CONCURRENCY_MAX: z.coerce.number().int().min(1).max(8).default(DEFAULT_BATCH_CONCURRENCY_MAX),
  /** Refresh a contact that is read in the last this-many ms of its freshness in the background (0 = off). */
  CACHE_REFRESH_AHEAD_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  /**
   * How often the drift watch describes the contact object (one CRM call) to see consent-critical
   * fields (do-not-call, phones) drift or come back; 0 turns the periodic check off (reads still
   * report drift). Each check is one API call: 3 s is 28,800 calls a day per replica.
   */
  DRIFT_CHECK_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600_000)
    .refine((ms) => ms === 0 || ms >= 500, { message: 'must be 0 (off) or at least 500 ms' })
    .default(3_000),
  /**
   * `on`: a seller without a connection of its own is served by this deployment's env-configured
   * account (today's single-account behaviour); `off`: it gets CRM_CONNECTION_MISSING
   * (docs/access.md). Applies once the subgraph is given connections.
   */
  CRM_DEPLOYMENT_CONNECTION: z.enum(['on', 'off']).default('on'),
  /** Interface to listen on: 0.0.0.0 in containers. */
  BIND_HOST: runtimeEnv.BIND_HOST,
  /** Where reconciliation keeps its cursor and job queue (PostgreSQL; unset = embedded PGlite). */
  DATABASE_URL: runtimeEnv.DATABASE_URL,
  DATA_DIR: runtimeEnv.DATA_DIR,
  /** Reconciliation interval; 0 turns reconciliation off. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(RECONCILE_DEFAULTS.intervalMs),
  /** How far before its cursor each reconciliation read starts (late commits, clock skew). */
  RECONCILE_SKEW_MARGIN_MS: z.coerce.number().int().min(0).default(RECONCILE_DEFAULTS.skewMarginMs),
  /** No successful reconciliation for longer than this: readiness red and an error log line. */
  RECONCILE_STALE_ALERT_MS: z.coerce.number().int().min(1_000).default(RECONCILE_DEFAULTS.staleAlertMs),
  ...connectionEnv,
  ...tlsEnv,
  ...tracingEnv,
};

const runtimeObject = z.object(crmSubgraphRuntimeEnv);

export function toCrmSubgraphRuntime(env: z.output<typeof runtimeObject>) {
  const development = env.NODE_ENV !== 'production';
  const runtime: CrmRuntimeConfig = {
    cacheTtlMs: env.CACHE_TTL_MS,
    batchWindowMs: env.BATCH_WINDOW_MS,
    batchConcurrencyMax: env.CRM_BATCH_CONCURRENCY_MAX,
    refreshAheadMs: env.CACHE_REFRESH_AHEAD_MS,
    driftCheckIntervalMs: env.DRIFT_CHECK_INTERVAL_MS,
    deploymentConnection: env.CRM_DEPLOYMENT_CONNECTION === 'on',
    redisUrl: env.REDIS_URL,
    redisCommandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    internalSecret: env.DIALPLANE_INTERNAL_SECRET,
    development,
    connections: {
      keyRing: env.CONNECTION_ENCRYPTION_KEYS,
      resyncMs: env.CONNECTION_RESYNC_MS,
      databaseUrl: env.DATABASE_URL,
      dataDir: env.DATA_DIR,
    },
    ...(env.RECONCILE_INTERVAL_MS > 0
      ? {
          reconcile: {
            intervalMs: env.RECONCILE_INTERVAL_MS,
            skewMarginMs: env.RECONCILE_SKEW_MARGIN_MS,
            staleAlertMs: env.RECONCILE_STALE_ALERT_MS,
            databaseUrl: env.DATABASE_URL,
            dataDir: env.DATA_DIR,
          },
        }
      : {}),
  };
  return {
    host: env.BIND_HOST,
    tls: loadServerTls(env),
    nodeEnv: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    development,
    runtime,
  };
}
