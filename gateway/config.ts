import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { envBoolean, jwtEnv, loadConfig, portEnv, runtimeEnv, serviceUrlEnv } from '../shared/config.js';

/** The gateway's environment: shared fragments plus its own knobs. */
export const gatewayEnv = z.object({
  ...runtimeEnv,
  ...jwtEnv,
  ...serviceUrlEnv,
  GATEWAY_PORT: portEnv.GATEWAY_PORT,
  /** The composed supergraph the gateway serves (written by `npm run compose`). */
  SUPERGRAPH_PATH: z.string().default('schema/supergraph.graphql'),
  /** Upper bound of one subgraph fetch, in ms. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Serve CRM-only queries straight from the CRM routing data source (see gateway/crm-fast-path.ts). */
  GATEWAY_CRM_FAST_PATH: envBoolean(true),
});

/** Resolved gateway configuration; tests build it directly, `index.ts` builds it from the env. */
export interface GatewayConfig {
  port: number;
  host?: string;
  development: boolean;
  logLevel?: string;
  internalSecret: string;
  jwt: { secret: string; issuer: string; audience: string; jwksUrl?: string; maxLifetimeS?: number };
  /** The composed supergraph SDL (content, not path). */
  supergraphSdl: string;
  /** CRM subgraph deployments behind the supergraph's `crm` subgraph, in routing order. */
  crmSubgraphs: readonly { name: string; url: string }[];
  /** URL per non-CRM subgraph name; names absent here use the URL recorded in the supergraph. */
  subgraphUrls: Readonly<Record<string, string>>;
  subgraphTimeoutMs?: number;
  /** ws keep-alive ping interval for subscription clients, ms. */
  keepAliveMs?: number;
  /** CRM-only queries skip planning (gateway/crm-fast-path.ts). @default true */
  crmFastPath?: boolean;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = loadConfig(gatewayEnv, env); // refuses development secrets in production
  return {
    port: e.GATEWAY_PORT,
    host: e.BIND_HOST,
    development: e.NODE_ENV === 'development',
    logLevel: e.LOG_LEVEL,
    internalSecret: e.DIALPLANE_INTERNAL_SECRET,
    jwt: {
      secret: e.JWT_SECRET,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      maxLifetimeS: e.JWT_MAX_LIFETIME_S,
      ...(e.JWT_JWKS_URL ? { jwksUrl: e.JWT_JWKS_URL } : {}),
    },
    supergraphSdl: readFileSync(e.SUPERGRAPH_PATH, 'utf8'),
    crmSubgraphs: e.CRM_SUBGRAPHS,
    subgraphUrls: { consent: e.CONSENT_SUBGRAPH_URL, engagement: e.ENGAGEMENT_SUBGRAPH_URL },
    subgraphTimeoutMs: e.SUBGRAPH_TIMEOUT_MS,
    crmFastPath: e.GATEWAY_CRM_FAST_PATH,
  };
}
