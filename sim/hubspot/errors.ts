import { randomUUID } from 'node:crypto';

/**
 * HubSpot's error bodies, as @hubspot/api-client receives them (`ApiException.body`). Every error
 * the simulator answers goes through `HubspotApiError`, so the shape (status, message,
 * correlationId, category, optional errors/context) and the JSON content type never vary.
 */

export type HubspotErrorCategory =
  | 'VALIDATION_ERROR'
  | 'OBJECT_NOT_FOUND'
  | 'INVALID_AUTHENTICATION'
  | 'RATE_LIMITS'
  | 'CONFLICT'
  | 'MISSING_SCOPES'
  | 'INTERNAL_ERROR';

export interface HubspotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category?: HubspotErrorCategory;
  subCategory?: string;
  errors?: Array<{ message: string; code?: string; in?: string; context?: Record<string, string[]> }>;
  context?: Record<string, string[]>;
  [extra: string]: unknown;
}

export class HubspotApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: HubspotErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
    this.name = 'HubspotApiError';
  }
}

export function correlationId(): string {
  return randomUUID();
}

function error(
  status: number,
  category: HubspotErrorCategory,
  message: string,
  extra: Partial<Omit<HubspotErrorBody, 'status' | 'message' | 'correlationId' | 'category'>> = {},
): HubspotApiError {
  return new HubspotApiError(status, { status: 'error', message, correlationId: correlationId(), category, ...extra });
}

/** One entry of the `Property values were not valid: [...]` list HubSpot puts in write errors. */
export interface PropertyValidationIssue {
  name: string;
  /** PROPERTY_DOESNT_EXIST, INVALID_OPTION, INVALID_INTEGER, INVALID_BOOLEAN, INVALID_DATE, READ_ONLY_VALUE… */
  error: string;
  message: string;
}

/**
 * HubSpot embeds the per-property issues as JSON inside the message string (that is what the real
 * API does, awkward as it is), e.g. `Property values were not valid: [{"isValid":false,…}]`.
 */
export function propertyValidationError(issues: PropertyValidationIssue[]): HubspotApiError {
  const list = issues.map((i) => ({
    isValid: false,
    message: i.message,
    error: i.error,
    name: i.name,
    localizedErrorMessage: i.message,
  }));
  return error(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(list)}`);
}

export function validationError(message: string, errors?: HubspotErrorBody['errors']): HubspotApiError {
  return error(400, 'VALIDATION_ERROR', message, errors ? { errors } : {});
}

export function invalidJson(detail: string): HubspotApiError {
  return error(400, 'VALIDATION_ERROR', `Invalid input JSON: ${detail}`);
}

export function objectNotFound(id: string): HubspotApiError {
  return error(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', { context: { id: [id] } });
}

export function routeNotFound(path: string): HubspotApiError {
  return error(404, 'OBJECT_NOT_FOUND', `Unable to route request: no resource at ${path}`);
}

export function methodNotAllowed(method: string): HubspotApiError {
  return error(405, 'VALIDATION_ERROR', `HTTP method ${method} is not supported by this resource`);
}

export function unauthorized(reason: 'missing' | 'invalid'): HubspotApiError {
  const message =
    reason === 'missing'
      ? 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview'
      : 'The OAuth token used to make this call expired or is invalid. Please refresh the token or use a valid private app access token.';
  return error(401, 'INVALID_AUTHENTICATION', message);
}

export function conflict(message: string, context?: Record<string, string[]>): HubspotApiError {
  return error(409, 'CONFLICT', message, context ? { context } : {});
}

export function internalError(): HubspotApiError {
  return error(500, 'INTERNAL_ERROR', 'internal error');
}

/** 502/503 the fault knob answers; HubSpot's edge returns these for an unavailable backend. */
export function serviceUnavailable(status = 503): HubspotApiError {
  return error(status, 'INTERNAL_ERROR', 'Service unavailable, please retry');
}
