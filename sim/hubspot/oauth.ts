import { randomBytes, randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse } from '../common/sim-server.js';

/**
 * `POST /oauth/v1/token` as HubSpot answers it for the refresh_token grant (the call
 * @hubspot/api-client's `oauth.tokensApi.create('refresh_token', …)` makes): a form-encoded body
 * with grant_type, client_id, client_secret and refresh_token; a 200 with
 * `{ token_type: "bearer", refresh_token, access_token, expires_in: 1800 }` (the refresh token is
 * kept: HubSpot does not rotate it), or a 400 `{ status, message, correlationId }` with
 * BAD_REFRESH_TOKEN (unknown or revoked), BAD_CLIENT_ID or BAD_GRANT_TYPE.
 */
export interface HubspotOAuthState {
  clientId: string;
  clientSecret: string;
  refreshTokens: Set<string>;
  /** Issued access token → expiry (epoch ms). */
  accessTokens: Map<string, number>;
  /** Access token lifetime, seconds. */
  lifetimeS: number;
}

function oauthError(status: string, message: string): SimResponse {
  return { status: 400, body: { status, message, correlationId: randomUUID() } };
}

export function handleHubspotToken(req: SimRequest, state: HubspotOAuthState, now = Date.now()): SimResponse {
  const params = new URLSearchParams(req.rawBody);
  if (params.get('grant_type') !== 'refresh_token')
    return oauthError('BAD_GRANT_TYPE', 'grant_type must be refresh_token or authorization_code');
  if (params.get('client_id') !== state.clientId || params.get('client_secret') !== state.clientSecret)
    return oauthError('BAD_CLIENT_ID', 'missing or unknown client id');
  const refreshToken = params.get('refresh_token') ?? '';
  if (!state.refreshTokens.has(refreshToken))
    return oauthError('BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
  const accessToken = `CO${randomBytes(36).toString('base64url')}`;
  state.accessTokens.set(accessToken, now + state.lifetimeS * 1000);
  return {
    status: 200,
    body: { token_type: 'bearer', refresh_token: refreshToken, access_token: accessToken, expires_in: state.lifetimeS },
  };
}

/** True when `token` is an access token this sim issued and it has not expired. */
export function isIssuedToken(state: HubspotOAuthState, token: string, now = Date.now()): boolean {
  const expiresAt = state.accessTokens.get(token);
  return expiresAt !== undefined && expiresAt > now;
}
