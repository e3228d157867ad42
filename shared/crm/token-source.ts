import type { ConnectionHealth, ConnectionRef } from './connections/health.js';
import { CrmAuthError, type ConnectionTokens, type GrantedToken } from './connections/tokens.js';
import { isDialplaneError } from '../errors.js';
import { CrmCallError, type CrmSource } from './connector.js';

/**
 * Where a stored connection's CRM client gets its access token on the request path (issue 15):
 * the connection's ConnectionTokens entry, so the client never runs a grant of its own. Warm, a
 * token is an already-resolved promise; cold, every caller shares the connection's one grant; a
 * 401 invalidates that token and the next caller (one grant, whoever asks) gets a new one. The
 * client reports what each call proved (a success, an auth refusal, the API budget left) to the
 * connection's health, so /metrics and /readyz see the request path, not only the admin checks.
 */
export interface TokenSource {
  token(): Promise<GrantedToken>;
  /** The CRM answered 401 with `accessToken`. */
  invalidate(accessToken: string): void;
  /** A CRM call with a token from here succeeded (last success; a recovery after refusals). */
  succeeded(): void;
  /** The CRM refused a freshly granted token too (`code`: the CRM's error code, never its message). */
  refused(code: string): void;
  /** The account's API allowance as the CRM's answer headers reported it. */
  budget(budget: { remaining: number; limit: number }): void;
}

/** The token source of one stored connection over the process's token cache and health. */
export function connectionTokenSource(
  tokens: ConnectionTokens,
  health: ConnectionHealth,
  connection: ConnectionRef,
): TokenSource {
  const ref: ConnectionRef = { id: connection.id, crm: connection.crm };
  return {
    // Grant refusals are recorded in health by ConnectionTokens itself.
    token: () => tokens.token(ref.id),
    invalidate: (accessToken) => tokens.invalidate(ref.id, accessToken),
    succeeded: () => health.recordSuccess(ref),
    refused: (code) => health.recordAuthFailure(ref, code),
    budget: (budget) => health.recordBudget(ref, budget),
  };
}

/**
 * A token source's failure as the CRM call error the runtime understands: a refused credential is
 * `auth` (the breaker and error codes treat it as the CRM's refusal), anything else `unavailable`.
 */
export function tokenFailure(crm: CrmSource, endpoint: string, error: unknown): CrmCallError {
  if (error instanceof CrmCallError) return error;
  if (error instanceof CrmAuthError)
    return new CrmCallError(crm, endpoint, 'auth', `${endpoint}: credentials refused (${error.crmCode})`, 401, {
      cause: error,
    });
  const code = isDialplaneError(error) ? error.code : 'error';
  return new CrmCallError(crm, endpoint, 'unavailable', `${endpoint}: no token (${code})`, undefined, {
    cause: error,
  });
}
