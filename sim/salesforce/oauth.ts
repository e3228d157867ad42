import { createHmac, randomBytes } from 'node:crypto';
import type { SimRequest, SimRequestProbe, SimResponse } from '../common/sim-server.js';
import { INTEGRATION_USER_ID, SIM_USER_ID } from './store.js';

/** Org id of the simulator's default org. */
export const ORG_ID = '00DDp0000000001AAA';

/** One org's connected app and login, as its token endpoint checks them. */
export interface OAuthSettings {
  orgId: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  /** Refresh tokens the org honours now (as if issued to the connected app by a web-server flow). */
  refreshTokens: Set<string>;
  /** Refresh Token Rotation: each refresh answers a new refresh token and retires the one spent. */
  rotateRefreshTokens: boolean;
}

/** A refresh token as Salesforce spells them (`5Aep861…`). */
export function newRefreshToken(): string {
  return `5Aep861${randomBytes(32).toString('base64url')}`;
}

/** An issued access token: which org and user it acts as. */
export interface Session {
  orgId: string;
  userId: string;
  issuedAt: number;
}

/** OAuth errors are `{error, error_description}` (not the REST error array), status 400/401. */
function oauthError(status: number, error: string, description: string): SimResponse {
  return { status, body: { error, error_description: description } };
}

/** The token request's parameters (form-encoded as jsforce sends them; JSON accepted too). */
export function tokenParams(req: Pick<SimRequestProbe, 'headers' | 'rawBody'>): URLSearchParams {
  const ct = String(req.headers['content-type'] ?? '');
  return ct.includes('application/json')
    ? new URLSearchParams(Object.entries(safeJson(req.rawBody)).map(([k, v]): [string, string] => [k, String(v)]))
    : new URLSearchParams(req.rawBody);
}

/**
 * Which org a token request is for: the refresh token's org, else the username's (usernames are
 * unique across orgs), else the connected app's client id (the sim requires distinct client ids
 * per org, standing in for each org's My Domain login URL).
 */
export function orgOfTokenRequest(params: URLSearchParams, orgs: readonly OAuthSettings[]): string | undefined {
  const refresh = params.get('refresh_token');
  const username = params.get('username');
  const clientId = params.get('client_id');
  for (const org of orgs) {
    if (refresh !== null && org.refreshTokens.has(refresh)) return org.orgId;
    if (username !== null && org.username === username) return org.orgId;
  }
  for (const org of orgs) if (clientId !== null && org.clientId === clientId) return org.orgId;
  return undefined;
}

/**
 * `POST /services/oauth2/token` of one org: the password, client_credentials and refresh_token
 * grants jsforce uses (`conn.login()` with client id/secret,
 * `conn.authorize({grant_type:'client_credentials'})`, `oauth2.refreshToken(rt)`). The access
 * token starts with the org's 15-character id, as real ones do, and works only against that org.
 */
export function handleTokenRequest(
  req: SimRequest,
  settings: OAuthSettings,
  urls: { loginUrl: string; instanceUrl: string },
  sessions: Map<string, Session>,
): SimResponse {
  const params = tokenParams(req);
  const grant = params.get('grant_type');
  if (grant !== 'password' && grant !== 'client_credentials' && grant !== 'refresh_token')
    return oauthError(400, 'unsupported_grant_type', 'grant type not supported');
  if (params.get('client_id') !== settings.clientId)
    return oauthError(400, 'invalid_client_id', 'client identifier invalid');
  if (params.get('client_secret') !== settings.clientSecret)
    return oauthError(400, 'invalid_client', 'invalid client credentials');
  let userId = INTEGRATION_USER_ID;
  if (grant === 'password') {
    if (params.get('username') !== settings.username || params.get('password') !== settings.password) {
      return oauthError(400, 'invalid_grant', 'authentication failure');
    }
    userId = SIM_USER_ID;
  }
  let nextRefreshToken: string | undefined;
  if (grant === 'refresh_token') {
    // Salesforce answers an unknown, revoked or already rotated refresh token this way.
    const spent = params.get('refresh_token') ?? '';
    if (!settings.refreshTokens.has(spent)) return oauthError(400, 'invalid_grant', 'expired access/refresh token');
    if (settings.rotateRefreshTokens) {
      settings.refreshTokens.delete(spent);
      nextRefreshToken = newRefreshToken();
      settings.refreshTokens.add(nextRefreshToken);
    }
    userId = SIM_USER_ID;
  }
  const issuedAt = Date.now();
  const accessToken = `${settings.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
  sessions.set(accessToken, { orgId: settings.orgId, userId, issuedAt });
  const id = `${urls.loginUrl}/id/${settings.orgId}/${userId}`;
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

/** The bearer (or `OAuth`) token of a request, '' when none. */
export function bearerToken(headers: SimRequestProbe['headers']): string {
  const auth = String(headers.authorization ?? '');
  return auth.startsWith('Bearer ') ? auth.slice(7) : auth.startsWith('OAuth ') ? auth.slice(6) : '';
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
