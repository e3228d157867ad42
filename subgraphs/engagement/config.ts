import { z } from 'zod';
import { loadServerTls, type ServerTls } from '../../shared/tls.js';
import {
  cacheEnv,
  connectionEnv,
  crmClientEnv,
  DEFAULT_PORTS,
  envBoolean,
  runtimeEnv,
  serviceUrlEnv,
  webhookSecretEnv,
} from '../../shared/config.js';
import { CRM_MODULES, crmAccountsFromEnv, type CrmAccounts, type CrmName } from '../../crm/registry.js';

/**
 * The engagement subgraph's configuration: the shared env fragments plus the write-back policy.
 * Parsed once by the entry points (index.ts, worker-main.ts); everything below receives the
 * resolved object.
 */

/** `limit/windowMs`, e.g. `100/10000` = 100 requests per 10 s (the CRM's own window). */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const m = /^(\d+)\/(\d+)$/.exec(value.trim());
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
        ctx.addIssue({ code: 'custom', message: `expected <requests>/<windowMs>, got "${value}"` });
        return z.NEVER;
      }
      return { limit: Number(m[1]), windowMs: Number(m[2]) };
    });

/** `WRITEBACK_RATE_<CRM>` per registered CRM: our share of its API limit, default the module's. */
const writeBackRateEnv = Object.fromEntries(
  CRM_MODULES.map((m) => [writeBackRateKey(m.name), rateLimit(m.defaultWriteBackRate)]),
) as Record<ReturnType<typeof writeBackRateKey<CrmName>>, ReturnType<typeof rateLimit>>;

function writeBackRateKey<N extends CrmName>(name: N): `WRITEBACK_RATE_${Uppercase<N>}` {
  return `WRITEBACK_RATE_${name.toUpperCase() as Uppercase<N>}`;
}

export const engagementEnv = z.object({
  ...runtimeEnv,
  ...connectionEnv,
  ...crmClientEnv,
  ...cacheEnv,
  CONSENT_SUBGRAPH_URL: serviceUrlEnv.CONSENT_SUBGRAPH_URL,
  ENGAGEMENT_SUBGRAPH_PORT: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_PORTS.engagement),
  /** Shared secret of the post-call webhook (`POST /webhooks/call-ended`). */
  CALL_WEBHOOK_SECRET: webhookSecretEnv.CALL_WEBHOOK_SECRET,
  /** Run the write-back worker inside the subgraph process (`npm start`); `npm run worker` runs it alone. */
  ENGAGEMENT_WORKER: envBoolean(true),
  /** Attempts before a write-back is dead-lettered. */
  WRITEBACK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  /** First retry delay in seconds; pg-boss doubles it per attempt and adds up to 100% jitter. */
  WRITEBACK_RETRY_DELAY_S: z.coerce.number().int().min(1).max(3600).default(1),
  /** Backoff never waits longer than this between attempts (pg-boss 10 doubles without a ceiling). */
  WRITEBACK_MAX_RETRY_DELAY_S: z.coerce.number().int().min(1).max(86_400).default(300),
  /** How often pg-boss maintenance runs (expires jobs held by a crashed worker). */
  WRITEBACK_MAINTENANCE_INTERVAL_S: z.coerce.number().int().min(1).max(3600).default(15),
  /** A job running longer than this is presumed lost (worker crash) and retried. */
  WRITEBACK_JOB_TIMEOUT_S: z.coerce.number().int().min(1).max(3600).default(60),
  /** Jobs one worker runs at once. */
  WRITEBACK_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  /** Our share of each CRM's API limit (WRITEBACK_RATE_SALESFORCE…), shared by every worker through the database. */
  ...writeBackRateEnv,
  /** Readiness fails (and an error is logged) when the oldest pending write-back is older than this. */
  WRITEBACK_PENDING_ALERT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(15 * 60_000),
  /**
   * How long the newest-outcome overlay of a contact may be answered from memory. Writes of this
   * process drop it at once; this bounds only writes of other processes (external worker, replicas). 0 = off.
   */
  ENGAGEMENT_OVERLAY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
});
export type EngagementEnv = z.infer<typeof engagementEnv>;

export interface WriteBackPolicy {
  maxAttempts: number;
  retryDelaySeconds: number;
  maxRetryDelaySeconds: number;
  maintenanceIntervalSeconds: number;
  jobTimeoutSeconds: number;
  concurrency: number;
  /** Poll interval when the queue is empty (a local enqueue wakes the worker at once). */
  pollIntervalMs: number;
  rateLimits: Record<CrmName, { limit: number; windowMs: number }>;
  pendingAlertMs: number;
  /** How long after a write lands the overlay still prefers our outcome (the CRM subgraphs' cache TTL). */
  readYourWritesGraceMs: number;
}

/** What `startEngagementSubgraph` and `startWriteBackWorker` need, resolved. */
export interface EngagementConfig {
  port: number;
  /** Listen address (BIND_HOST); default 127.0.0.1. */
  host?: string;
  /** HTTPS with this certificate (TLS_CERT_FILE / TLS_KEY_FILE); unset: plain HTTP. */
  tls?: ServerTls;
  logLevel: string;
  /** PostgreSQL URL; unset = PGlite (in `dataDir`, or in memory). */
  databaseUrl?: string;
  dataDir?: string;
  internalSecret: string;
  webhookSecret: string;
  consentUrl: string;
  runWorker: boolean;
  /** ENGAGEMENT_OVERLAY_CACHE_MS (runtime.ts default when absent). */
  overlayCacheMs?: number;
  /** The deployment connection of each CRM (crm/<name>/connection.ts parses it). */
  crm: CrmAccounts;
  /** Redis for the event bus the connection directory follows; unset = in-process. */
  redisUrl?: string;
  /**
   * The sellers' own connections (docs/connections.md): the worker reads them from its database
   * (the CRM subgraphs' table: the same PostgreSQL, or npm start's one PGlite) and writes each
   * outcome to its seller's. Unset: every write-back goes to the deployment connection.
   */
  connections?: { keyRing: string; resyncMs: number };
  policy: WriteBackPolicy;
}

export function toEngagementConfig(env: EngagementEnv): EngagementConfig {
  return {
    port: env.ENGAGEMENT_SUBGRAPH_PORT,
    host: env.BIND_HOST,
    tls: loadServerTls(env),
    logLevel: env.LOG_LEVEL,
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    internalSecret: env.DIALPLANE_INTERNAL_SECRET,
    webhookSecret: env.CALL_WEBHOOK_SECRET,
    consentUrl: env.CONSENT_SUBGRAPH_URL,
    runWorker: env.ENGAGEMENT_WORKER,
    overlayCacheMs: env.ENGAGEMENT_OVERLAY_CACHE_MS,
    crm: crmAccountsFromEnv(env),
    redisUrl: env.REDIS_URL,
    connections: { keyRing: env.CONNECTION_ENCRYPTION_KEYS, resyncMs: env.CONNECTION_RESYNC_MS },
    policy: {
      maxAttempts: env.WRITEBACK_MAX_ATTEMPTS,
      retryDelaySeconds: env.WRITEBACK_RETRY_DELAY_S,
      maxRetryDelaySeconds: env.WRITEBACK_MAX_RETRY_DELAY_S,
      maintenanceIntervalSeconds: env.WRITEBACK_MAINTENANCE_INTERVAL_S,
      jobTimeoutSeconds: env.WRITEBACK_JOB_TIMEOUT_S,
      concurrency: env.WRITEBACK_CONCURRENCY,
      pollIntervalMs: 500,
      rateLimits: Object.fromEntries(CRM_MODULES.map((m) => [m.name, env[writeBackRateKey(m.name)]])) as Record<
        CrmName,
        { limit: number; windowMs: number }
      >,
      pendingAlertMs: env.WRITEBACK_PENDING_ALERT_MS,
      readYourWritesGraceMs: env.CACHE_TTL_MS,
    },
  };
}
