import { z } from 'zod';
import { crmClientEnv, loadConfig, portEnv, runtimeEnv } from '../../shared/config.js';
import type { HubspotSimOptions } from './server.js';

/**
 * Environment of the standalone HubSpot simulator (`tsx sim/hubspot/index.ts`). The token and
 * webhook secret are the same variables the HubSpot subgraph uses, so both ends agree by default.
 */
const urlList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.url()));

export const hubspotSimEnv = z.object({
  NODE_ENV: runtimeEnv.NODE_ENV,
  LOG_LEVEL: runtimeEnv.LOG_LEVEL,
  /** Interface to listen on; containers set 0.0.0.0. */
  BIND_HOST: z.string().min(1).default('127.0.0.1'),
  SIM_HUBSPOT_PORT: portEnv.SIM_HUBSPOT_PORT,
  HUBSPOT_ACCESS_TOKEN: crmClientEnv.HUBSPOT_ACCESS_TOKEN,
  HUBSPOT_CLIENT_SECRET: crmClientEnv.HUBSPOT_CLIENT_SECRET,
  /** Dataset seed (same seed, same data) and size. */
  SIM_SEED: z.string().min(1).default('1'),
  SIM_CONTACTS: z.coerce.number().int().min(0).max(5_000_000).default(10_000),
  /** Median and jitter of the latency added to every CRM response. */
  SIM_LATENCY_MEDIAN_MS: z.coerce.number().min(0).default(120),
  SIM_LATENCY_JITTER_MS: z.coerce.number().min(0).default(40),
  /** Comma-separated receivers of change events; unset = the local HubSpot subgraph's webhook. */
  SIM_WEBHOOK_TARGETS: urlList.optional(),
  HUBSPOT_SUBGRAPH_PORT: portEnv.HUBSPOT_SUBGRAPH_PORT,
});

export interface HubspotSimCliConfig {
  logLevel: string;
  options: HubspotSimOptions;
}

export function loadHubspotSimConfig(env: NodeJS.ProcessEnv = process.env): HubspotSimCliConfig {
  const e = loadConfig(hubspotSimEnv, env);
  const seed = /^\d+$/.test(e.SIM_SEED) ? Number(e.SIM_SEED) : e.SIM_SEED;
  return {
    logLevel: e.LOG_LEVEL,
    options: {
      port: e.SIM_HUBSPOT_PORT,
      host: e.BIND_HOST,
      accessToken: e.HUBSPOT_ACCESS_TOKEN,
      clientSecret: e.HUBSPOT_CLIENT_SECRET,
      seed,
      contacts: e.SIM_CONTACTS,
      latency: { medianMs: e.SIM_LATENCY_MEDIAN_MS, jitterMs: e.SIM_LATENCY_JITTER_MS },
      webhookTargets: e.SIM_WEBHOOK_TARGETS ?? [`http://127.0.0.1:${e.HUBSPOT_SUBGRAPH_PORT}/webhooks/hubspot`],
    },
  };
}
