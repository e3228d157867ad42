import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { envBoolean, jwtEnv, loadConfig, portEnv, runtimeEnv, serviceUrlEnv } from '../shared/config.js';
import { ROLES, type Role } from '../shared/identity.js';
import { loadServerTls, type ServerTls } from '../shared/tls.js';
import type { AdmissionConfig } from './demand-control/admission.js';
import type { RateLimit } from './demand-control/caller-rate-limit.js';
import { loadManifest, TRUSTED_DOCUMENTS_MANIFEST } from '../shared/trusted-documents-manifest.js';
import type { TrustedDocumentsMode } from './demand-control/trusted-documents.js';

/** `role=value,role=value` (a subset of the roles) parsed by `value`. */
function perRole<T>(parse: (raw: string) => T | undefined, expected: string) {
  return z.string().transform((text, ctx) => {
    const out: Partial<Record<Role, T>> = {};
    for (const entry of text
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const [role, raw] = entry.split('=', 2);
      const value = raw === undefined ? undefined : parse(raw.trim());
      if (!role || !(ROLES as readonly string[]).includes(role.trim()) || value === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected role=${expected}, got "${entry}"` });
        return z.NEVER;
      }
      out[role.trim() as Role] = value;
    }
    return out;
  });
}
const positiveInt = (raw: string) => (/^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined);
const rate = (raw: string): RateLimit | undefined => {
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  return m && Number(m[1]) > 0 && Number(m[2]) > 0 ? { points: Number(m[1]), durationS: Number(m[2]) } : undefined;
};
const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

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
  /** Serve CRM-only queries straight from the CRM routing data source (see gateway/crm-fast-path/). */
  GATEWAY_CRM_FAST_PATH: envBoolean(true),
  /** Run remembered query plans before Apollo Server's pipeline (see gateway/plan-fast-path/). */
  GATEWAY_PLAN_FAST_PATH: envBoolean(true),
  /** Demand control (limits and cost budgets, docs/demand-control.md); off only for measurements. */
  GATEWAY_DEMAND_CONTROL: envBoolean(true),
  GATEWAY_MAX_TOKENS: limit(100_000, 1_000),
  GATEWAY_MAX_DEPTH: limit(100, 8),
  GATEWAY_MAX_ALIASES: limit(1_000, 15),
  GATEWAY_MAX_DIRECTIVES: limit(1_000, 20),
  GATEWAY_MAX_LIST_LENGTH: limit(10_000, 100),
  /** Cost budget per operation per role, `role=n,...`; roles not named keep their default. */
  GATEWAY_COST_BUDGETS: perRole(positiveInt, '<positive integer>').default({}),
  /** Requests per caller per role, `role=points/seconds,...`, shared by replicas through Redis; `off` disables. */
  GATEWAY_RATE_LIMITS: z.union([z.literal('off'), perRole(rate, '<points>/<seconds>')]).default({}),
  /** Concurrent requests per caller per gateway replica; 0 disables. */
  GATEWAY_MAX_IN_FLIGHT_PER_CALLER: z.coerce.number().int().min(0).max(10_000).default(16),
  /** `enforce`: agent/service callers run registered documents only. Default: enforce in production, off elsewhere. */
  GATEWAY_TRUSTED_DOCUMENTS: z.enum(['off', 'enforce']).optional(),
  GATEWAY_TRUSTED_DOCUMENTS_PATH: z.string().default(TRUSTED_DOCUMENTS_MANIFEST),
});

/** Resolved gateway configuration; tests build it directly, `index.ts` builds it from the env. */
export interface GatewayConfig {
  port: number;
  host?: string;
  /** HTTPS/WSS with this certificate (TLS_CERT_FILE / TLS_KEY_FILE); unset: plain HTTP. */
  tls?: ServerTls;
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
  /** CRM-only queries skip planning (gateway/crm-fast-path/). @default true */
  crmFastPath?: boolean;
  /** Remembered query plans run before Apollo Server's pipeline (gateway/plan-fast-path/). @default true */
  planFastPath?: boolean;
  /** Overload and abuse policy (gateway/demand-control/); unset: demand control with default limits only. */
  admission?: AdmissionConfig;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = loadConfig(gatewayEnv, env); // refuses development secrets in production
  return {
    port: e.GATEWAY_PORT,
    host: e.BIND_HOST,
    tls: loadServerTls(e),
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
    planFastPath: e.GATEWAY_PLAN_FAST_PATH,
    admission: {
      limits: e.GATEWAY_DEMAND_CONTROL
        ? {
            maxTokens: e.GATEWAY_MAX_TOKENS,
            maxDepth: e.GATEWAY_MAX_DEPTH,
            maxAliases: e.GATEWAY_MAX_ALIASES,
            maxDirectives: e.GATEWAY_MAX_DIRECTIVES,
            maxListLength: e.GATEWAY_MAX_LIST_LENGTH,
            costBudgets: e.GATEWAY_COST_BUDGETS as Record<Role, number>,
          }
        : false,
      rateLimits: e.GATEWAY_RATE_LIMITS === 'off' ? false : e.GATEWAY_RATE_LIMITS,
      ...(e.GATEWAY_MAX_IN_FLIGHT_PER_CALLER > 0 ? { maxInFlightPerCaller: e.GATEWAY_MAX_IN_FLIGHT_PER_CALLER } : {}),
      ...trustedDocuments(
        e.GATEWAY_TRUSTED_DOCUMENTS ?? (e.NODE_ENV === 'production' ? 'enforce' : 'off'),
        e.GATEWAY_TRUSTED_DOCUMENTS_PATH,
      ),
      ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
      redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    },
  };
}

/** The manifest is read whenever it exists (ids resolve in every mode); enforcing without one is a configuration error. */
function trustedDocuments(mode: TrustedDocumentsMode, path: string): Pick<AdmissionConfig, 'trustedDocuments'> {
  if (mode === 'off' && !existsSync(path)) return {};
  return { trustedDocuments: { mode, manifest: loadManifest(path) } };
}
