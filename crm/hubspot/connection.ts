import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import {
  CrmAuthError,
  type ConnectionTokenSource,
  type CrmConnectionKind,
  type GrantedToken,
} from '../../shared/crm/connections/tokens.js';
import { HUBSPOT_OVERRIDABLE } from './mapping-overrides.js';
import type { CrmConnection } from '../../shared/crm/connection.js';

/**
 * The one HubSpot credential parser: what a HubSpot account is (a portal reached with a private-app
 * or OAuth access token), read from the deployment's env or from a stored connection. The reader
 * (client.ts) and the writer (writer.ts) both take a HubspotAccount.
 */
export const hubspotAccountSchema = z.object({
  /** API base (`https://api.hubapi.com`, the simulator). */
  baseUrl: z.url(),
  accessToken: z.string().min(1),
});
export type HubspotAccount = z.output<typeof hubspotAccountSchema> & {
  /** A stored connection's token source (shared/crm/connections/tokens.ts): requests carry its token. */
  tokens?: ConnectionTokenSource;
};

/** The env keys of the deployment connection (shared/config.ts crmClientEnv validates them). */
export interface HubspotAccountEnv {
  HUBSPOT_BASE_URL: string;
  HUBSPOT_ACCESS_TOKEN: string;
}

/** The deployment connection: the env-configured portal. */
export function hubspotAccountFromEnv(env: HubspotAccountEnv): HubspotAccount {
  return hubspotAccountSchema.parse({ baseUrl: env.HUBSPOT_BASE_URL, accessToken: env.HUBSPOT_ACCESS_TOKEN });
}

/** The credentials a stored HubSpot connection carries (`CrmConnection.credentials`). */
export const hubspotCredentialsSchema = z.object({ accessToken: z.string().min(1) });

/** Stands in for the access token of an OAuth connection: every request carries the token source's instead. */
const FROM_TOKEN_SOURCE = 'oauth-token-from-the-connection-token-source';

/**
 * A stored connection's portal. Throws a ZodError on bad credentials. An OAuth connection (client
 * id, secret, refresh token) needs `tokens`: its access tokens come from there.
 */
export function hubspotAccountOf(
  connection: Pick<CrmConnection, 'baseUrl' | 'credentials'>,
  tokens?: ConnectionTokenSource,
): HubspotAccount {
  const oauth = HubspotOAuth.safeParse(connection.credentials);
  if (oauth.success && !tokens)
    throw new DialplaneError(ErrorCode.CONFIG_INVALID, 'a HubSpot OAuth connection needs its token source', {
      crm: 'hubspot',
    });
  const accessToken = oauth.success
    ? FROM_TOKEN_SOURCE
    : hubspotCredentialsSchema.parse(connection.credentials).accessToken;
  const account = hubspotAccountSchema.parse({ baseUrl: connection.baseUrl, accessToken });
  return tokens ? { ...account, tokens } : account;
}

// ---------------------------------------------------------------------------------------------
// The connection kind: credential shapes of a stored connection, token grants, the schema probe
// (shared/crm/connections/, docs/connections.md)
// ---------------------------------------------------------------------------------------------
/**
 * A HubSpot connection's credentials and how they become tokens:
 * - a private app's access token `{ accessToken }`: used as is, never expires (rotated by hand);
 * - OAuth `{ clientId, clientSecret, refreshToken }`: `POST /oauth/v1/token` with the
 *   refresh_token grant answers an access token for `expires_in` seconds (30 min).
 * Plain fetch, not @hubspot/api-client: the client keeps its retry decorators in a process-wide
 * singleton that each `new Client()` replaces (see client.ts), so a token call
 * made with a fresh client would change the CRM reader's retry policy.
 */

const nonEmpty = z.string().trim().min(1).max(4_096);
export const HubspotPrivateApp = z.object({ accessToken: nonEmpty }).strict();
export const HubspotOAuth = z.object({ clientId: nonEmpty, clientSecret: nonEmpty, refreshToken: nonEmpty }).strict();
export const HubspotCredentials = z.union([HubspotOAuth, HubspotPrivateApp]);
export type HubspotCredentials = z.infer<typeof HubspotCredentials>;

const TIMEOUT_MS = 10_000;
const TokenAnswer = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().int().positive(),
});
const ErrorAnswer = z.object({ status: z.string().regex(/^[A-Z_]{1,64}$/) }).partial();
const PropertiesAnswer = z.object({ results: z.array(z.object({ name: z.string() })) });
const AccountDetails = z.object({ portalId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]) });
const TypedPropertiesAnswer = z.object({
  results: z.array(
    z.object({ name: z.string(), type: z.string(), options: z.array(z.object({ value: z.string() })).optional() }),
  ),
});

const endpoint = (baseUrl: string, path: string) => `${baseUrl.replace(/\/+$/, '')}${path}`;

export function hubspotConnectionKind(now: () => number = Date.now): CrmConnectionKind {
  return {
    crm: 'hubspot',
    credentials: HubspotCredentials,
    async grant({ baseUrl, credentials }) {
      const c = HubspotCredentials.parse(credentials);
      if ('accessToken' in c) return { accessToken: c.accessToken };
      const response = await fetch(endpoint(baseUrl, '/oauth/v1/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: c.clientId,
          client_secret: c.clientSecret,
          refresh_token: c.refreshToken,
        }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      }).catch(() => null);
      if (!response)
        throw new DialplaneError(ErrorCode.CRM_UNAVAILABLE, 'hubspot token endpoint unreachable', { crm: 'hubspot' });
      const body: unknown = await response.json().catch(() => null);
      if (response.status === 400 || response.status === 401) {
        const status = ErrorAnswer.safeParse(body).data?.status ?? `HTTP_${response.status}`;
        throw new CrmAuthError('hubspot', status);
      }
      const token = TokenAnswer.safeParse(body);
      if (!response.ok || !token.success)
        throw new DialplaneError(ErrorCode.CRM_UNAVAILABLE, `hubspot token endpoint failed (${response.status})`, {
          crm: 'hubspot',
        });
      return {
        accessToken: token.data.access_token,
        expiresAt: now() + token.data.expires_in * 1000,
        ...(token.data.refresh_token ? { refreshToken: token.data.refresh_token } : {}),
      } satisfies GrantedToken;
    },
    overrides: {
      overridable: HUBSPOT_OVERRIDABLE,
      async liveSchema({ baseUrl }, token) {
        const objects = [...new Set(HUBSPOT_OVERRIDABLE.map((o) => o.object))];
        const lists = await Promise.all(
          objects.map(async (object) => {
            const response = await fetch(endpoint(baseUrl, `/crm/v3/properties/${object}`), {
              headers: { authorization: `Bearer ${token.accessToken}`, accept: 'application/json' },
              signal: AbortSignal.timeout(TIMEOUT_MS),
            }).catch(() => null);
            if (response && (response.status === 401 || response.status === 403)) {
              await response.body?.cancel();
              throw new CrmAuthError('hubspot', `HTTP_${response.status}`);
            }
            const parsed = TypedPropertiesAnswer.safeParse(await response?.json().catch(() => null));
            if (!response?.ok || !parsed.success)
              throw new DialplaneError(ErrorCode.CRM_UNAVAILABLE, 'hubspot properties failed', { crm: 'hubspot' });
            return parsed.data.results.map((p) => ({
              name: p.name,
              type: p.type,
              values: (p.options ?? []).map((o) => o.value),
            }));
          }),
        );
        return new Map(objects.map((o, i) => [o, lists[i]!]));
      },
    },
    async probe({ baseUrl }, token) {
      const response = await fetch(endpoint(baseUrl, '/crm/v3/properties/contacts'), {
        headers: { authorization: `Bearer ${token.accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      }).catch(() => null);
      if (!response)
        throw new DialplaneError(ErrorCode.CRM_UNAVAILABLE, 'hubspot properties unreachable', { crm: 'hubspot' });
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        throw new CrmAuthError('hubspot', `HTTP_${response.status}`);
      }
      const properties = PropertiesAnswer.safeParse(await response.json().catch(() => null));
      if (!response.ok || !properties.success)
        throw new DialplaneError(ErrorCode.CRM_UNAVAILABLE, `hubspot properties failed (${response.status})`, {
          crm: 'hubspot',
        });
      // The account's daily allowance, as HubSpot reports it on every answer.
      const remaining = Number(response.headers.get('x-hubspot-ratelimit-daily-remaining'));
      const limit = Number(response.headers.get('x-hubspot-ratelimit-daily'));
      const account = await portalOf(baseUrl, token.accessToken);
      return {
        ...(account ? { account } : {}),
        fields: properties.data.results.map((p) => p.name),
        ...(Number.isFinite(remaining) && Number.isFinite(limit) && limit > 0 ? { budget: { remaining, limit } } : {}),
      };
    },
  };
}

/**
 * The portal a token belongs to (`GET /account-info/v3/details`), so a connection cannot claim
 * another portal than its credentials reach. Undefined when the API does not answer it (then the
 * `account` given at create stands).
 */
async function portalOf(baseUrl: string, accessToken: string): Promise<string | undefined> {
  const response = await fetch(endpoint(baseUrl, '/account-info/v3/details'), {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  }).catch(() => null);
  if (!response?.ok) {
    await response?.body?.cancel();
    return undefined;
  }
  const details = AccountDetails.safeParse(await response.json().catch(() => null));
  return details.success ? String(details.data.portalId) : undefined;
}
