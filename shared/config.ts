import { z } from 'zod';
import { parseKeyRing } from './crm/connections/secret-box.js';
import { DialplaneError, ErrorCode } from './errors.js';

/**
 * Configuration is read once, at each entry point, from the environment: every part of dialplane
 * composes the fragments below into one zod schema and calls `loadConfig`. Modules receive the
 * resolved, typed object and never read `process.env` themselves.
 */

export class ConfigError extends DialplaneError {
  constructor(readonly issues: string[]) {
    super(ErrorCode.CONFIG_INVALID, `Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses `env` with `schema`; on failure throws a ConfigError naming every bad variable. With
 * NODE_ENV=production it also refuses any development secret the resolved configuration would run
 * on (`assertProductionSafe`): every service loads its config here, so this is the one check.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  if (env.NODE_ENV === 'production') assertProductionSafe(result.data);
  return result.data;
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.url().optional())
  .optional();
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Default ports of the map in the README; every one can be overridden. */
export const DEFAULT_PORTS = {
  gateway: 4000,
  salesforce: 4001,
  hubspot: 4002,
  consent: 4003,
  engagement: 4004,
  simSalesforce: 4101,
  simHubspot: 4102,
  simRnd: 4103,
} as const;

/**
 * The development default of every secret that authenticates an inbound edge, by variable name.
 * `npm start` runs on them; production refuses each (see `assertProductionSafe`).
 */
export const DEV_SECRETS = {
  DIALPLANE_INTERNAL_SECRET: 'dev-internal-secret-change-me',
  JWT_SECRET: 'dev-jwt-secret-change-me-0123456789abcdef',
  CALL_WEBHOOK_SECRET: 'dev-call-webhook-secret',
  HUBSPOT_CLIENT_SECRET: 'dev-hubspot-client-secret',
  SALESFORCE_WEBHOOK_SECRET: 'dev-salesforce-webhook-secret',
  // The voice platforms (platforms/core/config.ts). The Telnyx value is a public key whose private
  // half the platform simulator holds (sim/platforms/keys.ts): production refuses it like a secret.
  VAPI_HMAC_SECRET: 'dev-vapi-hmac-secret-change-me',
  RETELL_API_KEY: 'dev-retell-api-key-change-me',
  TELNYX_PUBLIC_KEY: 'AHaxuNGuLTnp33no4scczC/ho1x/Qim/35YvLyVbfjU=',
  TWILIO_AUTH_TOKEN: 'dev-twilio-auth-token-change-me',
  BLAND_WEBHOOK_SECRET: 'dev-bland-webhook-secret-change-me',
  BLAND_DYNAMIC_DATA_TOKEN: 'dev-bland-dynamic-data-token-change-me',
  SYNTHFLOW_WEBHOOK_SECRET: 'dev-synthflow-webhook-secret-change-me',
  // The key ring that encrypts CRM connection credentials at rest (shared/crm/connections/): one
  // key `dev` (the bytes of "dialplane-dev-connections-key-32"). docs/connections.md#keys
  CONNECTION_ENCRYPTION_KEYS: 'dev:ZGlhbHBsYW5lLWRldi1jb25uZWN0aW9ucy1rZXktMzI=',
} as const;
export type SecretName = keyof typeof DEV_SECRETS;
export const DEV_INTERNAL_SECRET = DEV_SECRETS.DIALPLANE_INTERNAL_SECRET;
export const DEV_JWT_SECRET = DEV_SECRETS.JWT_SECRET;

/** A secret variable: at least `minLength` characters, defaulting to its development value. */
export const secretEnv = (name: SecretName, minLength = 16) => z.string().min(minLength).default(DEV_SECRETS[name]);

/**
 * OpenTelemetry traces, in the standard variables (docs/operations.md#traces). Export is on when
 * `OTEL_TRACES_EXPORTER=otlp` or an OTLP endpoint is set (and neither `OTEL_TRACES_EXPORTER=none` nor
 * `OTEL_SDK_DISABLED=true`); otherwise no SDK starts at all. Resolved by `tracingConfigOf`.
 */
const collectorUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL of an OTLP/HTTP collector' }).optional())
  .optional();

export const tracingEnv = {
  OTEL_SDK_DISABLED: bool(false),
  /** `otlp` or `none`; unset: `otlp` exactly when an endpoint below is set. */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional(),
  /** Collector base URL (OTLP/HTTP); `/v1/traces` is appended. */
  OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
  /** Full traces URL; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collectorUrl,
  /** `key=value,…` (values percent-encoded), e.g. an API key of a hosted collector. */
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: z.string().optional(),
  /** The exporter speaks OTLP over HTTP with JSON bodies (what a collector's :4318 accepts). */
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .literal('http/json', { error: 'only http/json is supported (OTLP/HTTP JSON; a collector accepts it on :4318)' })
    .optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z
    .literal('http/json', { error: 'only http/json is supported (OTLP/HTTP JSON; a collector accepts it on :4318)' })
    .optional(),
  /** Overrides the service name a process reports (default: the part's own name). */
  OTEL_SERVICE_NAME: z.string().min(1).max(200).optional(),
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .default('parentbased_always_on'),
  /** The ratio of the `…traceidratio` samplers, 0..1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
};

export type TracingSampler = z.output<typeof tracingEnv.OTEL_TRACES_SAMPLER>;

/** Where and how spans are exported; `undefined` means tracing is off. */
export interface TracingConfig {
  otlp: { url: string; headers: Record<string, string> };
  sampler: { kind: TracingSampler; ratio: number };
  serviceName?: string;
}

const tracingObject = z.object(tracingEnv);

/** The resolved tracing configuration of an environment, or undefined when no export is configured. */
export function tracingConfigOf(env: z.output<typeof tracingObject>): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED || env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const endpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` : undefined);
  if (!endpoint && env.OTEL_TRACES_EXPORTER !== 'otlp') return undefined;
  const headers = {
    ...otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'),
    ...otlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
  };
  return {
    // The specification's default collector address.
    otlp: { url: endpoint ?? 'http://localhost:4318/v1/traces', headers },
    sampler: { kind: env.OTEL_TRACES_SAMPLER, ratio: env.OTEL_TRACES_SAMPLER_ARG },
    ...(env.OTEL_SERVICE_NAME ? { serviceName: env.OTEL_SERVICE_NAME } : {}),
  };
}

/** Parses and resolves the tracing variables on their own (entry points call this before starting tracing). */
export function loadTracingConfig(env: NodeJS.ProcessEnv = process.env): TracingConfig | undefined {
  return tracingConfigOf(loadConfig(tracingObject, env));
}

function otlpHeaders(text: string | undefined, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf('=');
    const key = at > 0 ? entry.slice(0, at).trim() : '';
    let value: string | undefined;
    try {
      value = at > 0 ? decodeURIComponent(entry.slice(at + 1).trim()) : undefined;
    } catch {
      value = undefined;
    }
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key) || value === undefined)
      throw new ConfigError([`${name}: expected key=value,… (values percent-encoded)`]);
    out[key] = value;
  }
  return out;
}

/**
 * Optional TLS of every listener (docs/operations.md#tls): both files or neither. `loadServerTls`
 * (shared/tls.ts) reads them and checks that they make a key pair.
 */
export const tlsEnv = {
  /** PEM certificate (chain) every HTTP listener of the process serves; unset = plain HTTP. */
  TLS_CERT_FILE: z.string().trim().min(1).optional(),
  /** PEM private key of TLS_CERT_FILE. */
  TLS_KEY_FILE: z.string().trim().min(1).optional(),
};

export const runtimeEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Redis for cache and event bus; unset = in-process. */
  REDIS_URL: optionalUrl,
  /** Upper bound of one Redis command, ms: past it the in-process fallback answers (docs/demand-control.md). */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(1).max(10_000).default(50),
  /** PostgreSQL system of record; unset = embedded PGlite. */
  DATABASE_URL: optionalUrl,
  /** PGlite data directory; unset = in-memory (lost on exit, fine for `npm start` demos). */
  DATA_DIR: z.string().optional(),
  /** Interface every server listens on: 127.0.0.1 on a workstation, 0.0.0.0 in containers. */
  BIND_HOST: z.string().min(1).default('127.0.0.1'),
  /** HMAC secret of the gateway -> subgraph identity header. */
  DIALPLANE_INTERNAL_SECRET: secretEnv('DIALPLANE_INTERNAL_SECRET'),
  ...tlsEnv,
  ...tracingEnv,
};

export const crmClientEnv = {
  SALESFORCE_LOGIN_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.simSalesforce}`),
  SALESFORCE_INSTANCE_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.simSalesforce}`),
  SALESFORCE_CLIENT_ID: z.string().min(1).default('dialplane-dev'),
  SALESFORCE_CLIENT_SECRET: z.string().min(1).default('dev-salesforce-secret'),
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d+\.\d$/)
    .default('62.0'),
  HUBSPOT_BASE_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.simHubspot}`),
  HUBSPOT_ACCESS_TOKEN: z.string().min(1).default('dev-hubspot-token'),
};

/** Secrets of the inbound webhooks, one per sender (docs/trust-model.md). */
export const webhookSecretEnv = {
  /** HubSpot app client secret: HubSpot signs its webhooks with it (signature v3). */
  HUBSPOT_CLIENT_SECRET: secretEnv('HUBSPOT_CLIENT_SECRET', 1),
  /** The signing relay in front of Salesforce change events (`POST /webhooks/salesforce`). */
  SALESFORCE_WEBHOOK_SECRET: secretEnv('SALESFORCE_WEBHOOK_SECRET'),
  /** Voice platforms sign `POST /webhooks/call-ended` with it. */
  CALL_WEBHOOK_SECRET: secretEnv('CALL_WEBHOOK_SECRET'),
};

/** Connection credentials at rest (docs/connections.md#keys): `<keyId>:<base64 32-byte key>,…`, the first encrypts. */
export const connectionEnv = {
  CONNECTION_ENCRYPTION_KEYS: secretEnv('CONNECTION_ENCRYPTION_KEYS', 8).superRefine((value, ctx) => {
    try {
      parseKeyRing(value);
    } catch (error) {
      // The parser names the entry by position, never the key.
      ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^CONNECTION_ENCRYPTION_KEYS: /, '') });
    }
  }),
  /** Period of the connection directory's full reload, the safety net beside change events, ms. */
  CONNECTION_RESYNC_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
};

export const cacheEnv = {
  CACHE_TTL_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  BATCH_WINDOW_MS: z.coerce.number().min(0).max(50).default(3),
};

export const jwtEnv = {
  JWT_SECRET: secretEnv('JWT_SECRET', 32),
  JWT_ISSUER: z.string().default('dialplane'),
  JWT_AUDIENCE: z.string().default('dialplane-api'),
  /** Optional JWKS endpoint for production identity providers (RS256/ES256). */
  JWT_JWKS_URL: optionalUrl,
  /** Longest accepted token lifetime (exp - iat), seconds; tokens without exp are refused. */
  JWT_MAX_LIFETIME_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(43_200),
};

export const portEnv = {
  GATEWAY_PORT: port(DEFAULT_PORTS.gateway),
  SALESFORCE_SUBGRAPH_PORT: port(DEFAULT_PORTS.salesforce),
  HUBSPOT_SUBGRAPH_PORT: port(DEFAULT_PORTS.hubspot),
  CONSENT_SUBGRAPH_PORT: port(DEFAULT_PORTS.consent),
  ENGAGEMENT_SUBGRAPH_PORT: port(DEFAULT_PORTS.engagement),
  SIM_SALESFORCE_PORT: port(DEFAULT_PORTS.simSalesforce),
  SIM_HUBSPOT_PORT: port(DEFAULT_PORTS.simHubspot),
};

/** `name=url,name=url` -> [{ name, url }]; the list of CRM subgraphs is configuration, not code. */
export const crmSubgraphList = z
  .string()
  .default(
    `salesforce=http://127.0.0.1:${DEFAULT_PORTS.salesforce}/graphql,hubspot=http://127.0.0.1:${DEFAULT_PORTS.hubspot}/graphql`,
  )
  .transform((value, ctx) => {
    const entries = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const out: { name: string; url: string }[] = [];
    for (const entry of entries) {
      const [name, url] = entry.split('=', 2);
      if (!name || !/^[a-z][a-z0-9_-]*$/.test(name) || !url || !URL.canParse(url)) {
        ctx.addIssue({ code: 'custom', message: `expected name=url, got "${entry}"` });
        return z.NEVER;
      }
      out.push({ name, url });
    }
    return out;
  });

export const serviceUrlEnv = {
  CRM_SUBGRAPHS: crmSubgraphList,
  CONSENT_SUBGRAPH_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.consent}/graphql`),
  ENGAGEMENT_SUBGRAPH_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.engagement}/graphql`),
};

export { bool as envBoolean, port as envPort };

/**
 * Production must not run on development secrets. Looks through the resolved configuration (any
 * shape: env objects and the nested objects config schemas transform them into) for a value that
 * is one of the development secrets, and names the variable each came from.
 */
export function assertProductionSafe(config: unknown): void {
  const byValue = new Map<string, string>(Object.entries(DEV_SECRETS).map(([name, value]) => [value, name]));
  const found = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      const name = byValue.get(value);
      if (name) found.add(name);
    } else if (value && typeof value === 'object' && depth < 6) {
      for (const v of Object.values(value)) visit(v, depth + 1);
    }
  };
  visit(config, 0);
  if (found.size > 0)
    throw new ConfigError(
      [...found].sort().map((name) => `${name}: development default in production; set a secret of your own`),
    );
}
