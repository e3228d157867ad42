import jsforce from 'jsforce';
import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import {
  CrmAuthError,
  type ConnectionTokenSource,
  type CrmConnectionKind,
  type GrantedToken,
} from '../../shared/crm/connections/tokens.js';
import { SALESFORCE_OVERRIDABLE } from './mapping-overrides.js';
import type { CrmConnection } from '../../shared/crm/connection.js';

/**
 * The one Salesforce credential parser: what a Salesforce account is (an org reached by OAuth
 * client credentials), read from the deployment's env or from a stored connection. The reader
 * (client.ts) and the writer (writer.ts) both take a SalesforceAccount.
 */
export const salesforceAccountSchema = z.object({
  /** OAuth token endpoint host (`https://login.salesforce.com`, a My Domain, the simulator). */
  loginUrl: z.url(),
  /** The org's instance URL (REST API host). */
  instanceUrl: z.url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  apiVersion: z.string().regex(/^\d+\.\d$/),
});
export type SalesforceAccount = z.output<typeof salesforceAccountSchema> & {
  /** A stored connection's token source (shared/crm/connections/tokens.ts); unset: the client runs client_credentials itself. */
  tokens?: ConnectionTokenSource;
};

/** The env keys of the deployment connection (shared/config.ts crmClientEnv validates them). */
export interface SalesforceAccountEnv {
  SALESFORCE_LOGIN_URL: string;
  SALESFORCE_INSTANCE_URL: string;
  SALESFORCE_CLIENT_ID: string;
  SALESFORCE_CLIENT_SECRET: string;
  SALESFORCE_API_VERSION: string;
}

/** The deployment connection: the env-configured org. */
export function salesforceAccountFromEnv(env: SalesforceAccountEnv): SalesforceAccount {
  return salesforceAccountSchema.parse({
    loginUrl: env.SALESFORCE_LOGIN_URL,
    instanceUrl: env.SALESFORCE_INSTANCE_URL,
    clientId: env.SALESFORCE_CLIENT_ID,
    clientSecret: env.SALESFORCE_CLIENT_SECRET,
    apiVersion: env.SALESFORCE_API_VERSION,
  });
}

/** The credentials a stored Salesforce connection carries (`CrmConnection.credentials`). */
export const salesforceCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** The login host when it differs from the instance (a sandbox, a My Domain). */
  loginUrl: z.url().optional(),
  apiVersion: z
    .string()
    .regex(/^\d+\.\d$/)
    .default('62.0'),
});

/** A stored connection's org: `baseUrl` is the instance URL. Throws a ZodError on bad credentials. */
export function salesforceAccountOf(
  connection: Pick<CrmConnection, 'baseUrl' | 'credentials'>,
  tokens?: ConnectionTokenSource,
): SalesforceAccount {
  const credentials = salesforceCredentialsSchema.parse(connection.credentials);
  const account = salesforceAccountSchema.parse({
    loginUrl: credentials.loginUrl ?? connection.baseUrl,
    instanceUrl: connection.baseUrl,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    apiVersion: credentials.apiVersion,
  });
  return tokens ? { ...account, tokens } : account;
}

// ---------------------------------------------------------------------------------------------
// The connection kind: credential shapes of a stored connection, token grants, the schema probe
// (shared/crm/connections/, docs/connections.md)
// ---------------------------------------------------------------------------------------------
/**
 * A Salesforce connection's credentials and how they become tokens, through jsforce's OAuth2
 * client (as client.ts obtains its token):
 * - OAuth 2.0 client credentials flow: `{ clientId, clientSecret }` of a connected app whose
 *   "Run As" user the org chose; a new session each grant, no refresh token.
 * - OAuth 2.0 refresh-token flow: `{ clientId, clientSecret, refreshToken }` issued when the
 *   seller's admin authorised the app; with Refresh Token Rotation on, each refresh answers a new
 *   refresh token (stored back, sealed, by ConnectionTokens).
 * Salesforce answers no expiry: a session lives until it answers 401 (then a new grant).
 */

const nonEmpty = z.string().trim().min(1).max(4_096);
/** What salesforceCredentialsSchema above also reads: a login host apart from the instance, the API version. */
const placement = {
  loginUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiVersion: z
    .string()
    .regex(/^\d+\.\d$/)
    .optional(),
};
export const SalesforceClientCredentials = z
  .object({ clientId: nonEmpty, clientSecret: nonEmpty, ...placement })
  .strict();
export const SalesforceRefreshToken = z
  .object({ clientId: nonEmpty, clientSecret: nonEmpty, refreshToken: nonEmpty, ...placement })
  .strict();
export const SalesforceCredentials = z.union([SalesforceRefreshToken, SalesforceClientCredentials]);
export type SalesforceCredentials = z.infer<typeof SalesforceCredentials>;

/** The API version describe calls use (config SALESFORCE_API_VERSION's default). */
const API_VERSION = '62.0';

/** OAuth error codes that mean "these credentials are refused", not "Salesforce is down". */
const AUTH_CODES = new Set([
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'invalid_client_credentials',
  'unauthorized_client',
  'inactive_user',
  'inactive_org',
]);

/** The org id from the identity URL a token answer carries (`…/id/<orgId>/<userId>`). */
function orgIdOf(identityUrl: unknown): string | undefined {
  return typeof identityUrl === 'string' ? /\/id\/([^/]+)\/[^/]+$/.exec(identityUrl)?.[1] : undefined;
}

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  instance_url: z.string().url(),
  id: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
});

export const salesforceConnectionKind: CrmConnectionKind = {
  crm: 'salesforce',
  credentials: SalesforceCredentials,
  async grant({ baseUrl, credentials }) {
    const c = SalesforceCredentials.parse(credentials);
    const oauth2 = new jsforce.OAuth2({
      loginUrl: c.loginUrl ?? baseUrl,
      clientId: c.clientId,
      clientSecret: c.clientSecret,
    });
    let answer: unknown;
    try {
      answer =
        'refreshToken' in c
          ? await oauth2.refreshToken(c.refreshToken)
          : await oauth2.requestToken({ grant_type: 'client_credentials' });
    } catch (error) {
      // jsforce names the error after Salesforce's OAuth `error` code; its message is Salesforce's
      // description (never a credential), but only the code travels on.
      const code = (error as { name?: unknown }).name;
      if (typeof code === 'string' && AUTH_CODES.has(code)) throw new CrmAuthError('salesforce', code);
      throw new DialplaneError(ErrorCode.CRM_UNAVAILABLE, 'salesforce token endpoint failed', {
        crm: 'salesforce',
        crmCode: typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? code : 'unknown',
      });
    }
    const token = TokenAnswer.safeParse(answer);
    if (!token.success)
      throw new DialplaneError(ErrorCode.CRM_UNAVAILABLE, 'salesforce token endpoint: unexpected answer', {
        crm: 'salesforce',
      });
    const account = orgIdOf(token.data.id);
    return {
      accessToken: token.data.access_token,
      instanceUrl: token.data.instance_url,
      ...(account ? { account } : {}),
      ...(token.data.refresh_token ? { refreshToken: token.data.refresh_token } : {}),
    } satisfies GrantedToken;
  },
  overrides: {
    overridable: SALESFORCE_OVERRIDABLE,
    async liveSchema({ baseUrl }, token) {
      const conn = new jsforce.Connection({
        instanceUrl: token.instanceUrl ?? baseUrl,
        accessToken: token.accessToken,
        version: API_VERSION,
      });
      const objects = [...new Set(SALESFORCE_OVERRIDABLE.map((o) => o.object))];
      try {
        const described = await Promise.all(objects.map((o) => conn.sobject(o).describe()));
        return new Map(
          objects.map((o, i) => [
            o,
            described[i]!.fields.map((f) => ({
              name: f.name,
              type: f.type,
              values: (f.picklistValues ?? []).filter((p) => p.active !== false).map((p) => p.value),
            })),
          ]),
        );
      } catch (error) {
        const code = (error as { errorCode?: unknown }).errorCode;
        if (code === 'INVALID_SESSION_ID' || code === 'INSUFFICIENT_ACCESS') throw new CrmAuthError('salesforce', code);
        throw new DialplaneError(ErrorCode.CRM_UNAVAILABLE, 'salesforce describe failed', { crm: 'salesforce' });
      }
    },
  },
  async probe({ baseUrl }, token) {
    const conn = new jsforce.Connection({
      instanceUrl: token.instanceUrl ?? baseUrl,
      accessToken: token.accessToken,
      version: API_VERSION,
    });
    try {
      const describe = await conn.sobject('Contact').describe();
      // jsforce keeps the org's daily allowance from the Sforce-Limit-Info header of the answer.
      const usage = conn.limitInfo?.apiUsage;
      return {
        ...(token.account ? { account: token.account } : {}),
        fields: describe.fields.map((f) => f.name),
        ...(usage ? { budget: { remaining: Math.max(0, usage.limit - usage.used), limit: usage.limit } } : {}),
      };
    } catch (error) {
      const code = (error as { errorCode?: unknown; name?: unknown }).errorCode ?? (error as { name?: unknown }).name;
      if (code === 'INVALID_SESSION_ID' || code === 'INSUFFICIENT_ACCESS') throw new CrmAuthError('salesforce', code);
      throw new DialplaneError(ErrorCode.CRM_UNAVAILABLE, 'salesforce describe of Contact failed', {
        crm: 'salesforce',
      });
    }
  },
};
