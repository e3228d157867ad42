import { z } from 'zod';
import { loadServerTls, type ServerTls } from '../../shared/tls.js';
import { TRUSTED_DOCUMENTS_MANIFEST } from '../../shared/trusted-documents-manifest.js';
import {
  ConfigError,
  DEFAULT_PORTS,
  DEV_SECRETS,
  envPort,
  jwtEnv,
  runtimeEnv,
  secretEnv,
} from '../../shared/config.js';

/**
 * The voice-platforms service's configuration: where the gateway is, who the service acts for
 * (seller, purpose), how long a call-start answer may take, and one secret per platform. Parsed
 * once at the entry point (platforms/index.ts); everything below receives `PlatformsConfig`.
 */

export const PLATFORMS_DEFAULT_PORT = 4005;

export const CALL_PURPOSES = [
  'MARKETING',
  'INFORMATIONAL',
  'EMERGENCY',
  'HEALTHCARE_APPOINTMENT',
  'HEALTHCARE_WELLNESS',
  'HEALTHCARE_LAB_RESULTS',
  'HEALTHCARE_PRESCRIPTION',
  'HEALTHCARE_DISCHARGE',
  'HEALTHCARE_BILLING',
] as const;
export type CallPurpose = (typeof CALL_PURPOSES)[number];

/**
 * Development defaults of the platform secrets: registered in shared/config.ts DEV_SECRETS, so
 * `loadConfig` refuses each in production like every other secret. The Telnyx pair is a fixed
 * Ed25519 key whose private half lives in the platform simulator (sim/platforms/keys.ts).
 */
export const DEV_PLATFORM_SECRETS = {
  VAPI_HMAC_SECRET: DEV_SECRETS.VAPI_HMAC_SECRET,
  RETELL_API_KEY: DEV_SECRETS.RETELL_API_KEY,
  TELNYX_PUBLIC_KEY: DEV_SECRETS.TELNYX_PUBLIC_KEY,
  TWILIO_AUTH_TOKEN: DEV_SECRETS.TWILIO_AUTH_TOKEN,
  BLAND_WEBHOOK_SECRET: DEV_SECRETS.BLAND_WEBHOOK_SECRET,
  BLAND_DYNAMIC_DATA_TOKEN: DEV_SECRETS.BLAND_DYNAMIC_DATA_TOKEN,
  SYNTHFLOW_WEBHOOK_SECRET: DEV_SECRETS.SYNTHFLOW_WEBHOOK_SECRET,
} as const;

export const platformsEnv = z.object({
  ...runtimeEnv,
  ...jwtEnv,
  PLATFORMS_PORT: envPort(PLATFORMS_DEFAULT_PORT),
  /** The gateway's GraphQL endpoint: every decision and write goes through it. */
  GATEWAY_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.gateway}/graphql`),
  /** A bearer token for the gateway (role agent, with a seller). Unset: minted from JWT_SECRET. */
  PLATFORMS_GATEWAY_TOKEN: z.string().min(20).optional(),
  /** The seller (brand) the calls are made for; consent is per seller. */
  PLATFORMS_SELLER: z.string().min(1).max(200).default('demo-seller'),
  PLATFORMS_ORG: z.string().min(1).max(200).optional(),
  /** The gateway's trusted-documents manifest: the service sends the ids of its registered operations. */
  PLATFORMS_TRUSTED_DOCUMENTS_PATH: z.string().min(1).default(TRUSTED_DOCUMENTS_MANIFEST),
  /** The purpose the call-start permission is decided for. */
  PLATFORMS_PURPOSE: z.enum(CALL_PURPOSES).default('MARKETING'),
  /** Call-start answers are sent within this budget, with a stale/unavailable marker if need be. */
  PLATFORMS_CALL_START_BUDGET_MS: z.coerce.number().int().min(50).max(5_000).default(800),
  /** The externally visible base URL (Twilio signs the full URL it called; docs print it). */
  PLATFORMS_PUBLIC_URL: z.url().optional(),
  /** Where a hand-off transfers to (E.164), answered to the platform's hand-off tool. */
  PLATFORMS_HANDOFF_NUMBER: z.string().min(3).max(40).optional(),
  VAPI_HMAC_SECRET: secretEnv('VAPI_HMAC_SECRET'),
  /** The Vapi assistant an allowed assistant-request is answered with (its prompt reads the variables). */
  VAPI_ASSISTANT_ID: z.string().min(1).max(200).optional(),
  RETELL_API_KEY: secretEnv('RETELL_API_KEY'),
  /** A Retell agent that only explains and ends the call, given to denied inbound calls (optional). */
  RETELL_DENIED_AGENT_ID: z.string().min(1).max(200).optional(),
  /** Base64 Ed25519 public key of the Telnyx account (32 raw bytes). */
  TELNYX_PUBLIC_KEY: z
    .string()
    .default(DEV_PLATFORM_SECRETS.TELNYX_PUBLIC_KEY)
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'expected a base64 Ed25519 public key (32 bytes)'),
  TWILIO_AUTH_TOKEN: secretEnv('TWILIO_AUTH_TOKEN'),
  BLAND_WEBHOOK_SECRET: secretEnv('BLAND_WEBHOOK_SECRET'),
  BLAND_DYNAMIC_DATA_TOKEN: secretEnv('BLAND_DYNAMIC_DATA_TOKEN'),
  SYNTHFLOW_WEBHOOK_SECRET: secretEnv('SYNTHFLOW_WEBHOOK_SECRET'),
});
export type PlatformsEnv = z.infer<typeof platformsEnv>;

export interface PlatformSecrets {
  vapiHmacSecret: string;
  retellApiKey: string;
  telnyxPublicKey: string;
  twilioAuthToken: string;
  blandWebhookSecret: string;
  blandDynamicDataToken: string;
  synthflowWebhookSecret: string;
}

export interface PlatformsConfig {
  port: number;
  bindHost: string;
  /** HTTPS with this certificate (TLS_CERT_FILE / TLS_KEY_FILE); unset: plain HTTP. */
  tls?: ServerTls;
  logLevel: string;
  gatewayUrl: string;
  /** Either a fixed token or the means to mint one. */
  gatewayAuth: { kind: 'token'; token: string } | { kind: 'mint'; secret: string; issuer: string; audience: string };
  seller: string;
  org?: string;
  purpose: CallPurpose;
  /** The trusted-documents manifest whose ids the gateway client sends (PLATFORMS_TRUSTED_DOCUMENTS_PATH). */
  trustedDocumentsPath: string;
  callStartBudgetMs: number;
  publicUrl?: string;
  handoffNumber?: string;
  vapiAssistantId?: string;
  retellDeniedAgentId?: string;
  secrets: PlatformSecrets;
}

/**
 * Production needs the public base URL (Twilio signs the full URL it called). Development secrets
 * are refused by `loadConfig` itself (they are registered in DEV_SECRETS).
 */
export function assertPlatformsProductionReady(env: PlatformsEnv): void {
  if (env.NODE_ENV === 'production' && !env.PLATFORMS_PUBLIC_URL) {
    throw new ConfigError(['PLATFORMS_PUBLIC_URL: required in production (Twilio signs the URL it calls)']);
  }
}

export function toPlatformsConfig(env: PlatformsEnv): PlatformsConfig {
  return {
    port: env.PLATFORMS_PORT,
    bindHost: env.BIND_HOST,
    tls: loadServerTls(env),
    logLevel: env.LOG_LEVEL,
    gatewayUrl: env.GATEWAY_URL,
    gatewayAuth: env.PLATFORMS_GATEWAY_TOKEN
      ? { kind: 'token', token: env.PLATFORMS_GATEWAY_TOKEN }
      : { kind: 'mint', secret: env.JWT_SECRET, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE },
    seller: env.PLATFORMS_SELLER,
    org: env.PLATFORMS_ORG,
    purpose: env.PLATFORMS_PURPOSE,
    trustedDocumentsPath: env.PLATFORMS_TRUSTED_DOCUMENTS_PATH,
    callStartBudgetMs: env.PLATFORMS_CALL_START_BUDGET_MS,
    publicUrl: env.PLATFORMS_PUBLIC_URL,
    handoffNumber: env.PLATFORMS_HANDOFF_NUMBER,
    vapiAssistantId: env.VAPI_ASSISTANT_ID,
    retellDeniedAgentId: env.RETELL_DENIED_AGENT_ID,
    secrets: {
      vapiHmacSecret: env.VAPI_HMAC_SECRET,
      retellApiKey: env.RETELL_API_KEY,
      telnyxPublicKey: env.TELNYX_PUBLIC_KEY,
      twilioAuthToken: env.TWILIO_AUTH_TOKEN,
      blandWebhookSecret: env.BLAND_WEBHOOK_SECRET,
      blandDynamicDataToken: env.BLAND_DYNAMIC_DATA_TOKEN,
      synthflowWebhookSecret: env.SYNTHFLOW_WEBHOOK_SECRET,
    },
  };
}
