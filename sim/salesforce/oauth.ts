import { createHmac, randomBytes } from 'node:crypto';
import type { SimRequest, SimResponse } from '../common/sim-server.js';
import { INTEGRATION_USER_ID, SIM_USER_ID } from './store.js';

export const ORG_ID = '00DDp0000000001AAA';

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

export interface Session {
  userId: string;
  issuedAt: number;
}

/** OAuth errors are `{error, error_description}` (not the REST error array), status 400/401. */
function oauthError(status: number, error: string, description: string): SimResponse {
  return { status, body: { error, error_description: description } };
}

/**
 * The refresh tokens the org honours. With `rotate` (the connected app's "Refresh Token Rotation"),
 * a refresh_token grant answers a new refresh token and the one spent stops working.
 */
export interface RefreshTokens {
  valid: Set<string>;
  rotate: boolean;
}

/**
 * `POST /services/oauth2/token`: the password, client_credentials and refresh_token grants jsforce
 * uses (`conn.login()` with client id/secret, `conn.authorize({grant_type:'client_credentials'})`,
 * `oauth2.refreshToken(token)`).
 */
export function handleTokenRequest(
  req: SimRequest,
  settings: OAuthSettings,
  urls: { loginUrl: string; instanceUrl: string },
  sessions: Map<string, Session>,
  refreshTokens: RefreshTokens = { valid: new Set(), rotate: false },
): SimResponse {
  const ct = String(req.headers['content-type'] ?? '');
  const params = ct.includes('application/json')
    ? new URLSearchParams(Object.entries(safeJson(req.rawBody)).map(([k, v]): [string, string] => [k, String(v)]))
    : new URLSearchParams(req.rawBody);
  const grant = params.get('grant_type');
  if (!grant) return oauthError(400, 'unsupported_grant_type', 'grant type not supported');
  if (grant !== 'password' && grant !== 'client_credentials' && grant !== 'refresh_token')
    return oauthError(400, 'unsupported_grant_type', 'grant type not supported');
  if (params.get('client_id') !== settings.clientId)
    return oauthError(400, 'invalid_client_id', 'client identifier invalid');
  if (params.get('client_secret') !== settings.clientSecret)
    return oauthError(400, 'invalid_client', 'invalid client credentials');
  let userId = INTEGRATION_USER_ID;
  let nextRefreshToken: string | undefined;
  if (grant === 'refresh_token') {
    // Salesforce answers an unknown, revoked or already rotated refresh token this way.
    const spent = params.get('refresh_token') ?? '';
    if (!refreshTokens.valid.has(spent)) return oauthError(400, 'invalid_grant', 'expired access/refresh token');
    if (refreshTokens.rotate) {
      refreshTokens.valid.delete(spent);
      nextRefreshToken = `5Aep861${randomBytes(32).toString('base64url')}`;
      refreshTokens.valid.add(nextRefreshToken);
    }
    userId = SIM_USER_ID;
  }
  if (grant === 'password') {
    if (params.get('username') !== settings.username || params.get('password') !== settings.password) {
      return oauthError(400, 'invalid_grant', 'authentication failure');
    }
    userId = SIM_USER_ID;
  }
  const issuedAt = Date.now();
  const accessToken = `${ORG_ID.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
  sessions.set(accessToken, { userId, issuedAt });
  const id = `${urls.loginUrl}/id/${ORG_ID}/${userId}`;
  return {
    status: 200,
    body: {
      access_token: accessToken,
      instance_url: urls.instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: String(issuedAt),
      signature: createHmac('sha256', settings.clientSecret)
        .update(id + issuedAt)
        .digest('base64'),
      ...(grant === 'client_credentials' ? { scope: 'api' } : {}),
      ...(grant === 'refresh_token' ? { scope: 'api refresh_token' } : {}),
      ...(nextRefreshToken ? { refresh_token: nextRefreshToken } : {}),
    },
  };
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
