import type { ConnectionHealth, ConnectionRef } from './connections/health.js';
import { CrmAuthError, type ConnectionTokenSource } from './connections/tokens.js';
import { CrmCallError, type CrmSource } from './connector.js';

/**
 * Request-path health of a stored connection (issue 15): its CRM client reports what each call
 * proved (a success, a token the CRM refused even fresh, the API budget its answer headers carry)
 * to the connection's ConnectionHealth, so /metrics and /readyz see the requests sellers make, not
 * only the runtime's checks. Refusals of the grant itself are recorded by ConnectionTokens.
 */
export interface RequestPathHealth {
  /** A CRM call with a token from the source succeeded (last success; a recovery after refusals). */
  succeeded(): void;
  /** The CRM refused a freshly granted token too (`code`: the CRM's error code, never its message). */
  refused(code: string): void;
  /** The account's API allowance as the CRM's answer headers reported it. */
  budget(budget: { remaining: number; limit: number }): void;
}

/** What a stored connection's CRM client takes: its tokens and, in a service, where to report health. */
export type TokenSource = ConnectionTokenSource & Partial<RequestPathHealth>;

/** A connection's token source with its request-path health reported to `health`. */
export function withRequestPathHealth(
  source: ConnectionTokenSource,
  health: ConnectionHealth,
  connection: ConnectionRef,
): TokenSource {
  const ref: ConnectionRef = { id: connection.id, crm: connection.crm };
  return {
    token: () => source.token(),
    rejected: (accessToken) => source.rejected(accessToken),
    succeeded: () => health.recordSuccess(ref),
    refused: (code) => health.recordAuthFailure(ref, code),
    budget: (budget) => health.recordBudget(ref, budget),
  };
}

/** Whether `error` (or what it wraps) is the grant's refusal, already recorded by ConnectionTokens. */
export function isGrantRefusal(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof CrmAuthError) return true;
  return false;
}

/**
 * A token source's failure as the CRM call error the runtime understands: a refused credential is
 * `auth` (not a network error), anything else `unavailable`.
 */
export function tokenFailure(crm: CrmSource, endpoint: string, error: unknown): CrmCallError {
  if (error instanceof CrmCallError) return error;
  if (error instanceof CrmAuthError)
    return new CrmCallError(crm, endpoint, 'auth', `${endpoint}: credentials refused (${error.crmCode})`, 401, {
      cause: error,
    });
  return new CrmCallError(crm, endpoint, 'unavailable', `${endpoint}: no access token`, undefined, { cause: error });
}
