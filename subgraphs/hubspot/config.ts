import { z } from 'zod';
import { cacheEnv, crmClientEnv, loadConfig, portEnv, runtimeEnv } from '../../shared/config.js';

/**
 * The HubSpot subgraph's configuration: the shared env fragments it uses, resolved once at the
 * entry point (index.ts) and passed down. Tests build the object directly.
 */
export const hubspotSubgraphEnv = z
  .object({
    NODE_ENV: runtimeEnv.NODE_ENV,
    LOG_LEVEL: runtimeEnv.LOG_LEVEL,
    REDIS_URL: runtimeEnv.REDIS_URL,
    DIALPLANE_INTERNAL_SECRET: runtimeEnv.DIALPLANE_INTERNAL_SECRET,
    HUBSPOT_BASE_URL: crmClientEnv.HUBSPOT_BASE_URL,
    HUBSPOT_ACCESS_TOKEN: crmClientEnv.HUBSPOT_ACCESS_TOKEN,
    HUBSPOT_CLIENT_SECRET: crmClientEnv.HUBSPOT_CLIENT_SECRET,
    CACHE_TTL_MS: cacheEnv.CACHE_TTL_MS,
    BATCH_WINDOW_MS: cacheEnv.BATCH_WINDOW_MS,
    HUBSPOT_SUBGRAPH_PORT: portEnv.HUBSPOT_SUBGRAPH_PORT,
    /** Interface to listen on: 0.0.0.0 in containers. (Local until shared/config.ts has it; same as the gateway's.) */
    BIND_HOST: runtimeEnv.BIND_HOST,
  })
  .transform((env) => ({
    port: env.HUBSPOT_SUBGRAPH_PORT,
    host: env.BIND_HOST,
    nodeEnv: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    development: env.NODE_ENV !== 'production',
    hubspot: { baseUrl: env.HUBSPOT_BASE_URL, accessToken: env.HUBSPOT_ACCESS_TOKEN, clientSecret: env.HUBSPOT_CLIENT_SECRET },
    runtime: {
      cacheTtlMs: env.CACHE_TTL_MS,
      batchWindowMs: env.BATCH_WINDOW_MS,
      redisUrl: env.REDIS_URL,
      internalSecret: env.DIALPLANE_INTERNAL_SECRET,
      development: env.NODE_ENV !== 'production',
    },
  }));

export type HubspotSubgraphConfig = z.output<typeof hubspotSubgraphEnv>;

export function loadHubspotSubgraphConfig(env: NodeJS.ProcessEnv = process.env): HubspotSubgraphConfig {
  return loadConfig(hubspotSubgraphEnv, env);
}
