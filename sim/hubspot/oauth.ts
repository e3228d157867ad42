import { randomBytes, randomUUID } from 'node:crypto';
import type { SimHandler, SimRequest, SimResponse } from '../common/sim-server.js';
import { correlationId } from './errors.js';

/**
 * HubSpot's OAuth endpoints as a public app's backend uses them: `POST /oauth/v1/token`
 * (refresh_token grant; form body as @hubspot/api-client's `oauth.tokensApi.create` sends it), and
 * the token metadata lookups `GET /oauth/v1/access-tokens/{token}` / `GET
 * /oauth/v1/refresh-tokens/{token}` (which tell an integration the portal, `hub_id`, a token
 * belongs to), and `DELETE /oauth/v1/refresh-tokens/{token}` (uninstall/revoke). Access tokens
 * live 30 minutes, as HubSpot's do.
 */

export interface HubspotApp {
  clientId: string;
  clientSecret: string;
  appId: number;
  /** Access token lifetime, seconds (HubSpot: 1800). */
  lifetimeS: number;
}

export interface OAuthAccessToken {
  portalId: number;
  expiresAt: number;
}

/** Every token the simulator knows, across portals: the account lookup is one map get. */
export class HubspotTokens {
  /** Private-app tokens (never expire) → portal. */
  readonly privateApp = new Map<string, number>();
  /** OAuth refresh tokens → portal. */
  readonly refresh = new Map<string, number>();
  /** Issued OAuth access tokens. */
  readonly access = new Map<string, OAuthAccessToken>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The portal a bearer token acts for, or undefined (unknown, expired or revoked). */
  portalOf(token: string): number | undefined {
    const fixed = this.privateApp.get(token);
    if (fixed !== undefined) return fixed;
    const issued = this.access.get(token);
    if (!issued) return undefined;
    if (issued.expiresAt <= this.now()) {
      this.access.delete(token);
      return undefined;
    }
    return issued.portalId;
  }

  /** An uninstall: the portal's refresh and access tokens stop working; answers a new valid refresh token. */
  revoke(portalId: number): string {
    for (const [token, owner] of this.refresh) if (owner === portalId) this.refresh.delete(token);
    this.expire(portalId);
    const next = `na1-${randomUUID()}`;
    this.refresh.set(next, portalId);
    return next;
  }

  /** Drops issued OAuth access tokens (all, or one portal's); private-app tokens stay. */
  expire(portalId?: number): void {
    for (const [token, issued] of this.access)
      if (portalId === undefined || issued.portalId === portalId) this.access.delete(token);
  }
}

/** HubSpot's OAuth error shape (`{status, message, correlationId}`; status is a code, not "error"). */
function oauthError(status: string, message: string, httpStatus = 400): SimResponse {
  return { status: httpStatus, body: { status, message, correlationId: correlationId() } };
}

function formParams(req: SimRequest): URLSearchParams {
  const ct = String(req.headers['content-type'] ?? '');
  if (ct.includes('application/json')) {
    try {
      const v = JSON.parse(req.rawBody) as Record<string, unknown>;
      return new URLSearchParams(Object.entries(v).map(([k, x]): [string, string] => [k, String(x)]));
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(req.rawBody);
}

/** The portal a token request is for (its refresh token's), for the account lookup. */
export function portalOfTokenRequest(rawBody: string, tokens: HubspotTokens): number | undefined {
  const refresh = new URLSearchParams(rawBody).get('refresh_token');
  return refresh === null ? undefined : tokens.refresh.get(refresh);
}

export function oauthHandlers(app: HubspotApp, tokens: HubspotTokens, now: () => number = Date.now) {
  const token: SimHandler = (req) => {
    const p = formParams(req);
    const grant = p.get('grant_type');
    if (grant !== 'refresh_token')
      return oauthError('BAD_GRANT_TYPE', 'grant_type must be refresh_token or authorization_code');
    if (p.get('client_id') !== app.clientId || p.get('client_secret') !== app.clientSecret)
      return oauthError('BAD_CLIENT_ID', 'missing or unknown client id');
    const refresh = p.get('refresh_token') ?? '';
    const portalId = tokens.refresh.get(refresh);
    if (portalId === undefined) return oauthError('BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
    const accessToken = `CO${randomBytes(36).toString('base64url')}`;
    tokens.access.set(accessToken, { portalId, expiresAt: now() + app.lifetimeS * 1000 });
    // HubSpot does not rotate refresh tokens: the same one comes back.
    return {
      status: 200,
      body: { token_type: 'bearer', refresh_token: refresh, access_token: accessToken, expires_in: app.lifetimeS },
    };
  };

  const accessTokenInfo: SimHandler = (req) => {
    const issued = tokens.access.get(req.params.token);
    if (!issued || issued.expiresAt <= now())
      return oauthError('BAD_ACCESS_TOKEN', 'missing or unknown access token', 404);
    return {
      status: 200,
      body: {
        token: req.params.token,
        user: 'agent@dialplane.dev',
        hub_domain: `portal-${issued.portalId}.hubspot.dev`,
        scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.deals.read', 'oauth'],
        hub_id: issued.portalId,
        app_id: app.appId,
        expires_in: Math.max(0, Math.round((issued.expiresAt - now()) / 1000)),
        user_id: 9001,
        token_type: 'access',
      },
    };
  };

  const refreshTokenInfo: SimHandler = (req) => {
    const portalId = tokens.refresh.get(req.params.token);
    if (portalId === undefined) return oauthError('BAD_REFRESH_TOKEN', 'missing or unknown refresh token', 404);
    return {
      status: 200,
      body: {
        token: req.params.token,
        user: 'agent@dialplane.dev',
        hub_domain: `portal-${portalId}.hubspot.dev`,
        scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.deals.read', 'oauth'],
        hub_id: portalId,
        client_id: app.clientId,
        user_id: 9001,
        token_type: 'refresh',
      },
    };
  };

  /** Revoking a refresh token (an uninstall) also ends the access tokens issued for its portal. */
  const revokeRefreshToken: SimHandler = (req) => {
    const portalId = tokens.refresh.get(req.params.token);
    if (portalId === undefined) return oauthError('BAD_REFRESH_TOKEN', 'missing or unknown refresh token', 404);
    tokens.refresh.delete(req.params.token);
    tokens.expire(portalId);
    return { status: 204 };
  };

  return { token, accessTokenInfo, refreshTokenInfo, revokeRefreshToken };
}
