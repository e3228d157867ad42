import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Who is calling. The gateway verifies the caller's JWT and forwards the verified identity to
 * subgraphs in `x-dialplane-identity`, HMAC-signed with DIALPLANE_INTERNAL_SECRET; subgraphs trust
 * that header only, so a subgraph called directly (without the gateway) answers 401. Services that
 * call each other (engagement -> consent) sign a `service` identity with the same secret.
 */

export const ROLES = ['agent', 'analyst', 'compliance', 'admin', 'service'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const Identity = z.object({
  /** Subject: the agent, user or service id. */
  sub: z.string().min(1).max(200),
  roles: z.array(Role).min(1),
  /** The seller (brand) the caller acts for; consent is per seller. */
  seller: z.string().min(1).max(200).optional(),
  /**
   * More sellers an admin, compliance or analyst caller (or an internal service) may act for; `"*"`
   * means every seller. Agents act for `seller` only (shared/seller-scope.ts is the one rule).
   */
  sellers: z.array(z.string().min(1).max(200)).max(100).optional(),
  /** The organization (tenant). */
  org: z.string().min(1).max(200).optional(),
});
export type Identity = z.infer<typeof Identity>;

export const IDENTITY_HEADER = 'x-dialplane-identity';
/** A signed identity older than this is refused (replay window). */
export const IDENTITY_MAX_AGE_MS = 5 * 60_000;

const SignedPayload = Identity.extend({ iat: z.number().int() });

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** `<base64url(json)>.<base64url(hmac)>` */
export function signIdentity(identity: Identity, secret: string, now = Date.now()): string {
  const data = Buffer.from(JSON.stringify({ ...identity, iat: now })).toString('base64url');
  return `${data}.${mac(secret, data).toString('base64url')}`;
}

/** Returns the identity when the header is well-formed, correctly signed and fresh; else null. */
export function verifyIdentity(header: string | undefined | null, secret: string, now = Date.now()): Identity | null {
  return verifySigned(header, secret, now)?.identity ?? null;
}

function verifySigned(header: string | undefined | null, secret: string, now: number): { identity: Identity; iat: number } | null {
  if (!header) return null;
  const dot = header.indexOf('.');
  if (dot <= 0) return null;
  const data = header.slice(0, dot);
  const given = Buffer.from(header.slice(dot + 1), 'base64url');
  const expected = mac(secret, data);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const parsed = SignedPayload.safeParse(JSON.parse(Buffer.from(data, 'base64url').toString('utf8')));
    if (!parsed.success) return null;
    if (Math.abs(now - parsed.data.iat) > IDENTITY_MAX_AGE_MS) return null;
    const { iat, ...identity } = parsed.data;
    return { identity, iat };
  } catch {
    return null;
  }
}

export function hasRole(identity: Identity | null | undefined, ...roles: Role[]): boolean {
  return !!identity && identity.roles.some((r) => roles.includes(r));
}

/**
 * The identity services use to call each other. Internal services act for the whole system (an
 * opt-out pushed by engagement may concern any seller), hence `sellers: ["*"]` by default; pass
 * the seller when a call is made for one.
 */
export function serviceIdentity(service: string, seller?: string): Identity {
  return seller ? { sub: `service:${service}`, roles: ['service'], seller } : { sub: `service:${service}`, roles: ['service'], sellers: ['*'] };
}

/**
 * A verifier that remembers headers it has verified, until they would expire. The gateway reuses
 * one signed header per identity for a while, so on the hot path most requests repeat a header and
 * skip the HMAC, JSON parse and schema check. Bounded: at most `maxEntries` remembered headers.
 */
export function createIdentityVerifier(secret: string, maxEntries = 10_000): (header: string | undefined | null) => Identity | null {
  const verified = new Map<string, { identity: Identity; expiresAt: number }>();
  return (header) => {
    if (!header) return null;
    const now = Date.now();
    const hit = verified.get(header);
    if (hit && hit.expiresAt > now) return hit.identity;
    if (hit) verified.delete(header);
    const result = verifySigned(header, secret, now);
    if (!result) return null;
    if (verified.size >= maxEntries) verified.delete(verified.keys().next().value!);
    verified.set(header, { identity: result.identity, expiresAt: result.iat + IDENTITY_MAX_AGE_MS });
    return result.identity;
  };
}
