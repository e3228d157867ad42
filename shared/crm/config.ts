import { z } from 'zod';
import { cacheEnv, runtimeEnv } from '../config.js';
import type { CrmRuntimeConfig } from './crm-subgraph.js';

/**
 * The environment every CRM subgraph reads besides its own CRM connection and port, and how it
 * resolves into `CrmSubgraphOptions`. Each subgraphs/<crm>/config.ts spreads these in.
 */
export const crmSubgraphRuntimeEnv = {
  NODE_ENV: runtimeEnv.NODE_ENV,
  LOG_LEVEL: runtimeEnv.LOG_LEVEL,
  REDIS_URL: runtimeEnv.REDIS_URL,
  DIALPLANE_INTERNAL_SECRET: runtimeEnv.DIALPLANE_INTERNAL_SECRET,
  CACHE_TTL_MS: cacheEnv.CACHE_TTL_MS,
  BATCH_WINDOW_MS: cacheEnv.BATCH_WINDOW_MS,
  /** Refresh a contact that is read in the last this-many ms of its freshness in the background (0 = off). */
  CACHE_REFRESH_AHEAD_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  /** Interface to listen on: 0.0.0.0 in containers. */
  BIND_HOST: runtimeEnv.BIND_HOST,
};

const runtimeObject = z.object(crmSubgraphRuntimeEnv);

export function toCrmSubgraphRuntime(env: z.output<typeof runtimeObject>) {
  const development = env.NODE_ENV !== 'production';
  const runtime: CrmRuntimeConfig = {
    cacheTtlMs: env.CACHE_TTL_MS,
    batchWindowMs: env.BATCH_WINDOW_MS,
    refreshAheadMs: env.CACHE_REFRESH_AHEAD_MS,
    redisUrl: env.REDIS_URL,
    internalSecret: env.DIALPLANE_INTERNAL_SECRET,
    development,
  };
  return { host: env.BIND_HOST, nodeEnv: env.NODE_ENV, logLevel: env.LOG_LEVEL, development, runtime };
}
