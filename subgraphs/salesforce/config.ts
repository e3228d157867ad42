import { z } from 'zod';
import { cacheEnv, crmClientEnv, loadConfig, portEnv, runtimeEnv } from '../../shared/config.js';

/**
 * The Salesforce subgraph's configuration: the shared env fragments it uses, resolved once at the
 * entry point (index.ts) and passed down. Tests build the object directly.
 */
export const salesforceSubgraphEnv = z
  .object({
    NODE_ENV: runtimeEnv.NODE_ENV,
    LOG_LEVEL: runtimeEnv.LOG_LEVEL,
    REDIS_URL: runtimeEnv.REDIS_URL,
    DIALPLANE_INTERNAL_SECRET: runtimeEnv.DIALPLANE_INTERNAL_SECRET,
    SALESFORCE_LOGIN_URL: crmClientEnv.SALESFORCE_LOGIN_URL,
    SALESFORCE_INSTANCE_URL: crmClientEnv.SALESFORCE_INSTANCE_URL,
    SALESFORCE_CLIENT_ID: crmClientEnv.SALESFORCE_CLIENT_ID,
    SALESFORCE_CLIENT_SECRET: crmClientEnv.SALESFORCE_CLIENT_SECRET,
    SALESFORCE_API_VERSION: crmClientEnv.SALESFORCE_API_VERSION,
    CACHE_TTL_MS: cacheEnv.CACHE_TTL_MS,
    BATCH_WINDOW_MS: cacheEnv.BATCH_WINDOW_MS,
    SALESFORCE_SUBGRAPH_PORT: portEnv.SALESFORCE_SUBGRAPH_PORT,
    BIND_HOST: runtimeEnv.BIND_HOST,
  })
  .transform((env) => ({
    port: env.SALESFORCE_SUBGRAPH_PORT,
    host: env.BIND_HOST,
    nodeEnv: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    salesforce: {
      loginUrl: env.SALESFORCE_LOGIN_URL,
      instanceUrl: env.SALESFORCE_INSTANCE_URL,
      clientId: env.SALESFORCE_CLIENT_ID,
      clientSecret: env.SALESFORCE_CLIENT_SECRET,
      apiVersion: env.SALESFORCE_API_VERSION,
    },
    runtime: {
      cacheTtlMs: env.CACHE_TTL_MS,
      batchWindowMs: env.BATCH_WINDOW_MS,
      redisUrl: env.REDIS_URL,
      internalSecret: env.DIALPLANE_INTERNAL_SECRET,
      development: env.NODE_ENV !== 'production',
    },
  }));

export type SalesforceSubgraphConfig = z.output<typeof salesforceSubgraphEnv>;

export function loadSalesforceSubgraphConfig(env: NodeJS.ProcessEnv = process.env): SalesforceSubgraphConfig {
  return loadConfig(salesforceSubgraphEnv, env);
}
