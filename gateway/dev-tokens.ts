import { SignJWT } from 'jose';
import type { Identity } from '../shared/identity.js';
import { CALLER_ROLES } from './authenticator.js';

export type CallerRole = (typeof CALLER_ROLES)[number];

export interface TokenOptions {
  secret: string;
  issuer: string;
  audience: string;
}

/** Signs an HS256 token for `identity` (development and tests; production tokens come from the IdP). */
export async function signToken(
  identity: Identity,
  options: TokenOptions,
  expiresIn: string | number = '12h',
): Promise<string> {
  return new SignJWT({
    roles: identity.roles,
    ...(identity.seller ? { seller: identity.seller } : {}),
    ...(identity.sellers ? { sellers: identity.sellers } : {}),
    ...(identity.org ? { org: identity.org } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(identity.sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(options.secret));
}

/** Roles whose development token acts for every seller (`sellers: ["*"]`, docs/access.md). */
const EVERY_SELLER_DEV_ROLES: readonly CallerRole[] = ['admin', 'compliance'];

/**
 * One ready-to-use development token per role, acting for the demo seller and org; the admin and
 * compliance tokens act for every seller, as an operator's would.
 */
export async function mintDevTokens(
  options: TokenOptions,
  expiresIn: string | number = '12h',
): Promise<Record<CallerRole, string>> {
  const entries = await Promise.all(
    CALLER_ROLES.map(async (role) => {
      const identity: Identity = {
        sub: `dev-${role}`,
        roles: [role],
        seller: 'demo-seller',
        org: 'demo-org',
        ...(EVERY_SELLER_DEV_ROLES.includes(role) ? { sellers: ['*'] } : {}),
      };
      return [role, await signToken(identity, options, expiresIn)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<CallerRole, string>;
}
