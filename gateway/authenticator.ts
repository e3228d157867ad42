import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../shared/errors.js';
import type { Identity } from '../shared/identity.js';

/** Roles a caller's JWT may carry (`service` is for subgraph-to-subgraph calls only, never a JWT). */
export const CALLER_ROLES = ['agent', 'analyst', 'compliance', 'admin'] as const;

const Claims = z.object({
  sub: z.string().min(1).max(200),
  roles: z.array(z.enum(CALLER_ROLES)).min(1),
  seller: z.string().min(1).max(200).optional(),
  /** Sellers an admin / compliance / analyst may act for (`["*"]`: every seller); shared/seller-scope.ts. */
  sellers: z.array(z.string().min(1).max(200)).max(100).optional(),
  org: z.string().min(1).max(200).optional(),
  exp: z.number(),
  iat: z.number().optional(),
});

/** Longest token lifetime accepted when the configuration says nothing (12 h: one working shift). */
export const DEFAULT_MAX_TOKEN_LIFETIME_S = 43_200;

export interface AuthenticatorOptions {
  /** HS256 shared secret (development, and deployments without an identity provider). */
  secret: string;
  issuer: string;
  audience: string;
  /** JWKS endpoint of the identity provider (RS256/ES256); when set, tokens are checked against it. */
  jwksUrl?: string;
  /** Tokens must carry `exp`, at most this many seconds after `iat` (or after now, without `iat`). */
  maxLifetimeS?: number;
}

export class AuthenticationError extends DialplaneError {
  /**
   * `claims`: correctly signed, but for no caller this gateway serves (no subject, no caller role):
   * forbidden rather than unauthenticated (graphql-ws closes 4403, not 4401).
   */
  constructor(
    readonly reason: 'missing' | 'malformed' | 'invalid' | 'claims' | 'lifetime',
    message: string,
  ) {
    super(ErrorCode.UNAUTHENTICATED, message, { reason });
    this.name = 'AuthenticationError';
  }
}

export interface Authenticator {
  /** Verifies `Authorization: Bearer <jwt>` (or the bare token) and returns the caller. */
  authenticate(authorization: string | undefined | null): Promise<Identity>;
  /** As `authenticate`, with the token's expiry (epoch ms): long-lived sockets end there. */
  authenticateUntil(authorization: string | undefined | null): Promise<{ identity: Identity; expiresAt: number }>;
}

/**
 * Verifies bearer JWTs with jose. Verified tokens are remembered until they expire (bounded), so an
 * agent's repeated calls with the same token cost a map lookup, not a signature check.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const key: Uint8Array | JWTVerifyGetKey = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : new TextEncoder().encode(options.secret);
  const maxLifetimeS = options.maxLifetimeS ?? DEFAULT_MAX_TOKEN_LIFETIME_S;
  const verified = new Map<string, { identity: Identity; expiresAt: number; cachedUntil: number }>();
  const MAX_CACHED = 10_000;

  async function authenticateUntil(
    authorization: string | undefined | null,
  ): Promise<{ identity: Identity; expiresAt: number }> {
    if (!authorization)
      throw new AuthenticationError('missing', 'Authentication required: send Authorization: Bearer <token>.');
    const token =
      authorization.startsWith('Bearer ') || authorization.startsWith('bearer ')
        ? authorization.slice(7).trim()
        : authorization.trim();
    if (!token || token.split('.').length !== 3)
      throw new AuthenticationError('malformed', 'The bearer token is not a JWT.');
    const now = Date.now();
    const hit = verified.get(token);
    if (hit && hit.cachedUntil > now) return hit;

    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.jwksUrl ? ['RS256', 'ES256', 'EdDSA'] : ['HS256'],
        requiredClaims: ['exp'],
      }));
    } catch {
      // jose's message names the failing check (expired, signature...); the code is what clients branch on.
      throw new AuthenticationError('invalid', 'The bearer token is invalid or expired.');
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw new AuthenticationError('claims', 'The bearer token lacks a subject or a known role.');
    const { exp, iat, ...identity } = claims.data;
    // A token that never expires, or lives longer than a shift, is a standing credential: refused.
    if (exp - (iat ?? Math.floor(now / 1000)) > maxLifetimeS) {
      throw new AuthenticationError(
        'lifetime',
        `The bearer token lives longer than ${maxLifetimeS} s; ask for a shorter-lived token.`,
      );
    }
    if (verified.size >= MAX_CACHED) verified.clear();
    const entry = { identity, expiresAt: exp * 1000, cachedUntil: Math.min(exp * 1000, now + 5 * 60_000) };
    verified.set(token, entry);
    return entry;
  }

  return {
    authenticateUntil,
    authenticate: async (authorization) => (await authenticateUntil(authorization)).identity,
  };
}
