import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Who is calling. The gateway verifies the caller's JWT and forwards the verified identity to
 * subgraphs in `x-dialplane-identity`, HMAC-signed with DIALPLANE_INTERNAL_SECRET over the identity,
 * the signing time and the request body; subgraphs trust that header only, and only with that body
 * and for IDENTITY_MAX_AGE_MS, so a subgraph called directly (without the gateway) or with a
 * captured header answers 401. Services that call each other (engagement -> consent) sign a
 * `service` identity with the same secret. docs/trust-model.md describes the scheme.
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
/**
 * A signed identity is accepted this long after (or before, for clock skew) it was signed. The
 * gateway signs each subgraph request as it sends it, so seconds are plenty; a captured header is
 * useless soon after, and only ever with the exact body it was signed for.
 */
export const IDENTITY_MAX_AGE_MS = 30_000;
/**
 * What a streamed upload binds its identity to: its method, path and query (the body is a file
 * streamed through unbuffered, so it cannot be hashed before it is sent). With the 30 s life, a
 * captured header only replays the same import parameters.
 */
export const streamBinding = (method: string, pathAndQuery: string): string => `stream:${method} ${pathAndQuery}`;

/** What a graphql-ws connection binds its identity to (a connect carries no request body). */
export const WEBSOCKET_BINDING = 'graphql-ws:connection_init';

const SignedIdentity = Identity.strict();

/** The bytes an identity header is bound to: the raw HTTP body, or WEBSOCKET_BINDING. */
export type IdentityBinding = string | Buffer;

/**
 * `<base64url(identity json)>.<iat ms>.<base64url(HMAC-SHA256(secret, "<data>.<iat>." + body))>`:
 * the MAC covers the request body it travels with, so the header cannot be moved to another
 * request, and it lives IDENTITY_MAX_AGE_MS.
 */
function mac(secret: string, data: string, iat: string, body: IdentityBinding): Buffer {
  return createHmac('sha256', secret).update(`${data}.${iat}.`).update(body).digest();
}

function encodeIdentity(identity: Identity): string {
  return Buffer.from(JSON.stringify(identity)).toString('base64url');
}

export function signIdentity(
  identity: Identity,
  secret: string,
  options: { body: IdentityBinding; now?: number },
): string {
  return signEncoded(encodeIdentity(identity), secret, options.body, options.now ?? Date.now());
}

function signEncoded(data: string, secret: string, body: IdentityBinding, now: number): string {
  const iat = String(Math.trunc(now));
  return `${data}.${iat}.${mac(secret, data, iat, body).toString('base64url')}`;
}

/**
 * The gateway's signer: the identity's encoding is computed once per identity object (a token's
 * identity is reused across its requests), so each request costs one HMAC over its body.
 */
export function createIdentitySigner(secret: string): (identity: Identity, body: IdentityBinding) => string {
  const encoded = new WeakMap<Identity, string>();
  return (identity, body) => {
    let data = encoded.get(identity);
    if (data === undefined) {
      data = encodeIdentity(identity);
      encoded.set(identity, data);
    }
    return signEncoded(data, secret, body, Date.now());
  };
}

/** Returns the identity when the header is well-formed, signed for `body` and fresh; else null. */
export function verifyIdentity(
  header: string | undefined | null,
  secret: string,
  body: IdentityBinding,
  now = Date.now(),
): Identity | null {
  return createIdentityVerifier(secret, 1, () => now)(header, body);
}

export type IdentityVerifier = (header: string | undefined | null, body: IdentityBinding) => Identity | null;

/**
 * A verifier for subgraphs. The MAC is checked on every request (it covers the body); the decoded
 * identity is remembered per encoded identity, so the JSON parse and schema check run once per
 * caller rather than once per request. Bounded: at most `maxEntries` remembered identities.
 */
export function createIdentityVerifier(
  secret: string,
  maxEntries = 10_000,
  clock: () => number = Date.now,
): IdentityVerifier {
  const decoded = new Map<string, Identity>();
  return (header, body) => {
    if (!header) return null;
    const first = header.indexOf('.');
    const second = header.indexOf('.', first + 1);
    if (first <= 0 || second <= first + 1 || header.indexOf('.', second + 1) !== -1) return null;
    const data = header.slice(0, first);
    const iat = header.slice(first + 1, second);
    if (!/^\d{1,16}$/.test(iat) || Math.abs(clock() - Number(iat)) > IDENTITY_MAX_AGE_MS) return null;
    const given = Buffer.from(header.slice(second + 1), 'base64url');
    const expected = mac(secret, data, iat, body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const known = decoded.get(data);
    if (known) return known;
    let identity: Identity;
    try {
      const parsed = SignedIdentity.safeParse(JSON.parse(Buffer.from(data, 'base64url').toString('utf8')));
      if (!parsed.success) return null;
      identity = parsed.data;
    } catch {
      return null;
    }
    if (decoded.size >= maxEntries) decoded.delete(decoded.keys().next().value!);
    decoded.set(data, identity);
    return identity;
  };
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
  return seller
    ? { sub: `service:${service}`, roles: ['service'], seller }
    : { sub: `service:${service}`, roles: ['service'], sellers: ['*'] };
}
