import { GraphQLError } from 'graphql';

/**
 * The error-code registry. Every error dialplane returns carries one of these codes in
 * `extensions.code`; code branches on codes, never on message text. Upstream errors carry
 * structured context (crm, status, field), never request bodies or personal data.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  CRM_UNAVAILABLE: 'CRM_UNAVAILABLE',
  CRM_RATE_LIMITED: 'CRM_RATE_LIMITED',
  CRM_SCHEMA_DRIFT: 'CRM_SCHEMA_DRIFT',
  CRM_REJECTED: 'CRM_REJECTED',
  MAPPING_OVERRIDE_INVALID: 'MAPPING_OVERRIDE_INVALID',
  CRM_CONNECTION_MISSING: 'CRM_CONNECTION_MISSING',
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  COMPLIANCE_DATA_UNAVAILABLE: 'COMPLIANCE_DATA_UNAVAILABLE',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  WEBHOOK_SIGNATURE_INVALID: 'WEBHOOK_SIGNATURE_INVALID',
  CONFIG_INVALID: 'CONFIG_INVALID',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  RATE_LIMITED: 'RATE_LIMITED',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  DOCUMENT_NOT_REGISTERED: 'DOCUMENT_NOT_REGISTERED',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  RATE_LIMIT_WAIT: 'RATE_LIMIT_WAIT',
  CONSENT_PENDING: 'CONSENT_PENDING',
  TIMEOUT: 'TIMEOUT',
  SHUTDOWN: 'SHUTDOWN',
  CONNECTION_SECRET_UNREADABLE: 'CONNECTION_SECRET_UNREADABLE',
  CONNECTION_CREDENTIALS_INVALID: 'CONNECTION_CREDENTIALS_INVALID',
  CRM_AUTH_FAILED: 'CRM_AUTH_FAILED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What each code means and the HTTP status it maps to outside GraphQL (webhooks, health). */
export const ERROR_CODES: Record<ErrorCode, { description: string; httpStatus: number }> = {
  BAD_USER_INPUT: {
    description: 'An argument or payload failed validation; `extensions.field` names it.',
    httpStatus: 400,
  },
  UNAUTHENTICATED: {
    description: 'No valid credentials (JWT at the gateway, signed identity at a subgraph).',
    httpStatus: 401,
  },
  FORBIDDEN: { description: 'Authenticated, but the role may not do this.', httpStatus: 403 },
  NOT_FOUND: { description: 'The requested record does not exist.', httpStatus: 404 },
  CONFLICT: {
    description: 'The request conflicts with stored state (e.g. idempotency key reused with another payload).',
    httpStatus: 409,
  },
  CRM_UNAVAILABLE: {
    description: 'The CRM could not be reached or failed, and nothing usable is cached.',
    httpStatus: 503,
  },
  CRM_RATE_LIMITED: { description: 'The CRM refused the call for rate limits.', httpStatus: 503 },
  CRM_SCHEMA_DRIFT: {
    description: 'A CRM field the mapping expects is missing or changed; the affected canonical field is not served.',
    httpStatus: 502,
  },
  CRM_REJECTED: { description: 'The CRM rejected a write permanently (validation, missing record).', httpStatus: 422 },
  MAPPING_OVERRIDE_INVALID: {
    description:
      "A connection's field-mapping override was refused before saving: the canonical field cannot be overridden, or the CRM field does not exist in the account or has the wrong type; `extensions.field` names the canonical field, `crmField` the CRM field, `problem` why (docs/mapping-overrides.md).",
    httpStatus: 422,
  },
  CRM_CONNECTION_MISSING: {
    description:
      "The caller's seller has no connection to this CRM and the deployment's own account is not shared (CRM_DEPLOYMENT_CONNECTION=off); connect the CRM first.",
    httpStatus: 412,
  },
  SUBGRAPH_UNAVAILABLE: {
    description: 'A subgraph did not answer; only the fields it owns are missing.',
    httpStatus: 503,
  },
  COMPLIANCE_DATA_UNAVAILABLE: {
    description: 'Consent or suppression state could not be verified; the answer is do-not-call.',
    httpStatus: 503,
  },
  SERVICE_UNAVAILABLE: {
    description:
      'A store the service needs (its database) is unavailable; nothing was written: retry the same request (same idempotency key) later.',
    httpStatus: 503,
  },
  WEBHOOK_SIGNATURE_INVALID: { description: 'A webhook signature or timestamp did not verify.', httpStatus: 401 },
  CONFIG_INVALID: { description: 'Configuration failed validation at start-up.', httpStatus: 500 },
  PAYLOAD_TOO_LARGE: {
    description: 'The request body is larger than the endpoint accepts (1 MB unless documented otherwise).',
    httpStatus: 413,
  },
  QUERY_TOO_COMPLEX: {
    description:
      "The operation exceeds a demand-control limit (tokens, depth, aliases, directives, list length) or the caller's cost budget; `extensions.limit` names it, `measured`/`max` (and `cost`/`budget`) give the figures.",
    httpStatus: 400,
  },
  RATE_LIMITED: {
    description:
      'The caller sent more requests than its rate or concurrency allows; `extensions.retryAfterMs` (and the Retry-After header) say when to retry.',
    httpStatus: 429,
  },
  PERSISTED_QUERY_NOT_FOUND: {
    description: 'The document id / sha256 hash names no registered document.',
    httpStatus: 400,
  },
  DOCUMENT_NOT_REGISTERED: {
    description: 'In production this role may run registered (trusted) documents only.',
    httpStatus: 403,
  },
  METHOD_NOT_ALLOWED: { description: 'The path exists, but not for this HTTP method.', httpStatus: 405 },
  RATE_LIMIT_WAIT: {
    description:
      "Write-back status: the CRM's shared rate limit had no request slot within the job's time budget; the job retries later.",
    httpStatus: 503,
  },
  CONSENT_PENDING: {
    description:
      'Write-back status: the opt-out is not yet in the consent ledger, so the CRM is not written yet; the job retries.',
    httpStatus: 503,
  },
  TIMEOUT: {
    description:
      'A call (a CRM write, Redis) did not answer within its time budget: a write-back retries, a cache or rate limiter falls back in-process.',
    httpStatus: 504,
  },
  SHUTDOWN: {
    description: 'Job status: the worker stopped mid-job; the queue hands the job to a worker again.',
    httpStatus: 503,
  },
  CONNECTION_SECRET_UNREADABLE: {
    description:
      "A connection's stored credentials could not be decrypted: their key is not in CONNECTION_ENCRYPTION_KEYS, or the value was altered (docs/connections.md#keys).",
    httpStatus: 500,
  },
  CONNECTION_CREDENTIALS_INVALID: {
    description:
      'Connection credentials were refused: the CRM granted no token with them, or the token could not read the account (describe / properties); nothing was saved.',
    httpStatus: 422,
  },
  CRM_AUTH_FAILED: {
    description:
      "The CRM refused a connection's credentials (revoked or expired refresh token, wrong client secret); an alert until a later success (docs/connections.md#health).",
    httpStatus: 503,
  },
  INTERNAL_SERVER_ERROR: {
    description: 'An unexpected failure; details are in the logs under the request id.',
    httpStatus: 500,
  },
};

/** Builds a GraphQLError with a registered code and structured, non-personal context. */
export function dialplaneError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** BAD_USER_INPUT naming the offending field (dot path), as every mutation's validation reports it. */
export function badUserInput(field: string, message: string): GraphQLError {
  return dialplaneError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });
}

/** Converts a zod error into one BAD_USER_INPUT naming the first failing field (all issues in `issues`). */
export function badUserInputFromZod(
  error: { issues: { path: PropertyKey[]; message: string }[] },
  prefix = '',
): GraphQLError {
  const issues = error.issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
  const first = issues[0] ?? { field: prefix || 'input', message: 'invalid' };
  return dialplaneError(ErrorCode.BAD_USER_INPUT, `${first.field}: ${first.message}`, { field: first.field, issues });
}

/**
 * The one error base of dialplane: every error we raise is a DialplaneError (or a subclass) with a
 * registered code, so handlers branch on `code` and logs name it. GraphQL resolvers throw
 * `dialplaneError(...)` (a GraphQLError) instead, with the same codes.
 */
export class DialplaneError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DialplaneError';
  }
  toGraphQLError(): GraphQLError {
    return dialplaneError(this.code, this.message, this.context);
  }
}

export function isDialplaneError(e: unknown, code?: ErrorCode): e is DialplaneError {
  return e instanceof DialplaneError && (code === undefined || e.code === code);
}

/**
 * A DialplaneError whose message may be shown to the client: every code but INTERNAL_SERVER_ERROR,
 * whose text (an invariant, a driver's message) stays in the logs behind a generic answer.
 */
export function isClientFacingError(e: unknown): e is DialplaneError {
  return isDialplaneError(e) && e.code !== ErrorCode.INTERNAL_SERVER_ERROR;
}
