import { ErrorCode, dialplaneError } from './errors.js';
import { hasRole, type Identity } from './identity.js';

/**
 * Seller isolation: the one rule, written once, that every resolver asks "may this caller act for
 * (or see data of) this seller?" (docs/access.md).
 *
 * - `agent`: exactly its own `seller` (a token without one acts for no seller).
 * - `admin`, `compliance`, `analyst`: the sellers its token lists in `sellers`, plus `seller`;
 *   `sellers: ["*"]` means every seller.
 * - `service` (internal, never a JWT): its `seller`, or the sellers it was signed with
 *   (`serviceIdentity()` signs `["*"]`: engagement's opt-out push concerns any seller).
 *
 * Data without a seller (an all-seller revocation, a legacy outcome) is visible to every caller that
 * may read the kind of data at all; acting for "every seller" (an ALL_SELLERS revocation, an
 * internal DNC entry of scope ALL) needs the every-seller scope.
 */

/** The `sellers` claim value meaning every seller. */
export const EVERY_SELLER = '*';

export interface SellerScope {
  /** Every seller. */
  readonly all: boolean;
  /** The sellers named (when not `all`). */
  readonly sellers: ReadonlySet<string>;
  /** The seller an operation defaults to: the identity's own `seller`. */
  readonly home: string | null;
}

const scopes = new WeakMap<Identity, SellerScope>();

export function sellerScopeOf(identity: Identity): SellerScope {
  let scope = scopes.get(identity);
  if (scope) return scope;
  const named = new Set<string>();
  let all = false;
  if (identity.seller) named.add(identity.seller);
  // Agents never widen their scope with a `sellers` list, whatever the token carries.
  if (hasRole(identity, 'admin', 'compliance', 'analyst', 'service')) {
    for (const s of identity.sellers ?? []) {
      if (s === EVERY_SELLER) all = true;
      else named.add(s);
    }
  }
  scope = { all, sellers: named, home: identity.seller ?? null };
  scopes.set(identity, scope);
  return scope;
}

/** May the caller act for `seller`? (`null`: every seller at once.) */
export function mayActFor(identity: Identity, seller: string | null): boolean {
  const scope = sellerScopeOf(identity);
  return scope.all || (seller !== null && scope.sellers.has(seller));
}

/** May the caller see data of `seller`? Data without a seller concerns everyone. */
export function maySee(identity: Identity, seller: string | null | undefined): boolean {
  if (seller == null) return true;
  const scope = sellerScopeOf(identity);
  return scope.all || scope.sellers.has(seller);
}

/** For SQL filters: `null` = no filter (every seller), else the sellers the caller may see. */
export function visibleSellers(identity: Identity): string[] | null {
  const scope = sellerScopeOf(identity);
  return scope.all ? null : [...scope.sellers];
}

function forbidden(field: string, seller: string | null): never {
  throw dialplaneError(
    ErrorCode.FORBIDDEN,
    seller === null
      ? `${field}: acting for every seller needs a token for every seller`
      : `${field}: this token may not act for that seller`,
    { field },
  );
}

/**
 * The seller an operation acts for: the one given (which must be in scope, else FORBIDDEN naming
 * `field`), or the caller's own seller when none is given (null when it has none).
 */
export function actingSeller(identity: Identity, given: string | null | undefined, field: string): string | null {
  if (given == null) return sellerScopeOf(identity).home;
  if (!mayActFor(identity, given)) forbidden(field, given);
  return given;
}

/** Throws FORBIDDEN (naming `field`) unless the caller may act for `seller` (null = every seller). */
export function requireActFor(identity: Identity, seller: string | null, field: string): void {
  if (!mayActFor(identity, seller)) forbidden(field, seller);
}
