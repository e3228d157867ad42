import jsforce from 'jsforce';
import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import { CrmAuthError, type CrmConnectionKind, type GrantedToken } from '../../shared/crm/connections/tokens.js';

/**
 * A Salesforce connection's credentials and how they become tokens, through jsforce's OAuth2
 * client (as subgraphs/salesforce/client.ts obtains its token):
 * - OAuth 2.0 client credentials flow: `{ clientId, clientSecret }` of a connected app whose
 *   "Run As" user the org chose; a new session each grant, no refresh token.
 * - OAuth 2.0 refresh-token flow: `{ clientId, clientSecret, refreshToken }` issued when the
 *   seller's admin authorised the app; with Refresh Token Rotation on, each refresh answers a new
 *   refresh token (stored back, sealed, by ConnectionTokens).
 * Salesforce answers no expiry: a session lives until it answers 401 (then a new grant).
 */

const nonEmpty = z.string().trim().min(1).max(4_096);
export const SalesforceClientCredentials = z.object({ clientId: nonEmpty, clientSecret: nonEmpty }).strict();
export const SalesforceRefreshToken = z
  .object({ clientId: nonEmpty, clientSecret: nonEmpty, refreshToken: nonEmpty })
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
    const oauth2 = new jsforce.OAuth2({ loginUrl: baseUrl, clientId: c.clientId, clientSecret: c.clientSecret });
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
