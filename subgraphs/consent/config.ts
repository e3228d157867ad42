import { z } from 'zod';
import { loadServerTls, type ServerTls } from '../../shared/tls.js';
import { envPort, loadConfig, runtimeEnv, DEFAULT_PORTS } from '../../shared/config.js';

/** Environment of the consent subgraph (parsed once, in index.ts or scripts/start.ts). */
export const consentEnv = z.object({
  ...runtimeEnv,
  CONSENT_SUBGRAPH_PORT: envPort(DEFAULT_PORTS.consent),
  /** How often each replica re-reads the ledger for revocations the bus may have missed. */
  CONSENT_REVOCATION_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** The Reassigned Numbers Database query API (or sim/rnd); unset: no RND, E1 answers RND_NO_DATA. */
  RND_URL: z.url().optional(),
  /**
   * How long a number's stored facts may be reused between decisions (store/facts-snapshot.ts).
   * Unset: 1000 on the embedded database (no other writer), 0 (off) on PostgreSQL, where other
   * replicas write unseen; set it there only if a grant, import or attempt written by another
   * replica may show up to this late in callPermission (revocations evict at once through the bus).
   */
  CONSENT_FACTS_SNAPSHOT_MS: z.coerce.number().int().min(0).max(10_000).optional(),
  RND_API_KEY: z.string().min(1).optional(),
});

export interface ConsentConfig {
  port: number;
  /** Listen address (BIND_HOST); default 127.0.0.1. */
  host?: string;
  /** HTTPS/WSS with this certificate (TLS_CERT_FILE / TLS_KEY_FILE); unset: plain HTTP. */
  tls?: ServerTls;
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  redisUrl?: string;
  databaseUrl?: string;
  dataDir?: string;
  internalSecret: string;
  revocationPollMs: number;
  rnd?: { url: string; apiKey?: string };
  /** Facts snapshot lifetime; undefined = the default for the database kind (server.ts). */
  factsSnapshotMs?: number;
}

export function toConsentConfig(env: z.infer<typeof consentEnv>): ConsentConfig {
  return {
    port: env.CONSENT_SUBGRAPH_PORT,
    host: env.BIND_HOST,
    tls: loadServerTls(env),
    nodeEnv: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    internalSecret: env.DIALPLANE_INTERNAL_SECRET,
    revocationPollMs: env.CONSENT_REVOCATION_POLL_MS,
    rnd: env.RND_URL ? { url: env.RND_URL, apiKey: env.RND_API_KEY } : undefined,
    factsSnapshotMs: env.CONSENT_FACTS_SNAPSHOT_MS,
  };
}

export function loadConsentConfig(env: NodeJS.ProcessEnv = process.env): ConsentConfig {
  return toConsentConfig(loadConfig(consentEnv, env));
}
