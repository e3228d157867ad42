import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../shared/errors.js';
import type { OperationBody, Refusal } from './demand-control/admission.js';

/**
 * Which lane a `/graphql` request takes, decided without I/O (server.ts reads the body,
 * authenticates, and then does what this says):
 * - `landing-page`: a browser GET asking for HTML: the static page, no token needed;
 * - `refused`: an answer with no operation run (no token, bad JSON, refused at the door);
 * - `fast-path`: a JSON operation a fast path may answer before Apollo (the CRM fast path,
 *   crm-fast-path/, then the plan fast path, plan-fast-path/), falling back to Apollo when neither does;
 * - `apollo`: Apollo Server (the planned path, where the fast path's entry inside Apollo may still
 *   answer a CRM-only query), with the body already read and admitted, or reading the request
 *   itself (a GET with its query string admitted, or a method or Content-Type Apollo refuses).
 * The door (demand-control/admission.ts) is passed in: its checks are functions of the request.
 */

export type RequestForm = 'landing-page' | 'query-string' | 'json-body' | 'other';

export type Lane = (
  | { lane: 'landing-page' }
  | { lane: 'refused'; status: number; headers: Record<string, string>; errors: GraphQLFormattedError[] }
  | {
      lane: 'apollo';
      /** The URL Apollo sees (a GET's query string as the door rewrote it). */
      url: URL;
      /** Present when the body was read here: Apollo gets it parsed. */
      body?: { value: unknown };
      /** The door checked the operation (demand control, trusted documents). */
      admitted: boolean;
    }
  | { lane: 'fast-path'; body: OperationBody }
) & {
  /** The operation's name from a JSON body, for the request span (refused or not). */
  operationName?: string;
};

export interface Door {
  admitSearch(url: URL): { search: string } | Refusal;
  admitOperation(body: OperationBody): { body: OperationBody } | Refusal;
}

/** How a request arrives, from its method and headers alone (before any token is checked). */
export function requestForm(
  method: string | undefined,
  headers: { accept?: string; 'content-type'?: string },
): RequestForm {
  if (method === 'GET') return (headers.accept ?? '').includes('text/html') ? 'landing-page' : 'query-string';
  if (method === 'POST' && (headers['content-type'] ?? '').includes('json')) return 'json-body';
  return 'other';
}

/** 401 for a request without a valid token (the landing page needs none). */
export function unauthenticated(message: string): Lane {
  return {
    lane: 'refused',
    status: 401,
    headers: { 'www-authenticate': 'Bearer' },
    errors: [{ message, extensions: { code: ErrorCode.UNAUTHENTICATED } }],
  };
}

/** A refusal at the door (rate, concurrency, trusted documents, demand control) as a lane. */
export function refused(refusal: Refusal): Lane {
  return { lane: 'refused', status: refusal.status, headers: refusal.headers, errors: [refusal.error] };
}

/**
 * The lane of an authenticated, entered request. `rawBody`: the POSTed bytes of a `json-body`
 * request. `fastPath`: a fast path (CRM or plan) is on.
 */
export function chooseLane(
  request: { form: RequestForm; url: URL; rawBody?: Buffer },
  door: Door,
  fastPath: boolean,
): Lane {
  const { form, url } = request;
  if (form === 'landing-page') return { lane: 'landing-page' };
  if (form === 'other') return { lane: 'apollo', url, admitted: false };
  if (form === 'query-string') {
    const admitted = door.admitSearch(url);
    if ('status' in admitted) return refused(admitted);
    const target = admitted.search === url.search ? url : new URL(`${url.pathname}${admitted.search}`, url);
    return { lane: 'apollo', url: target, admitted: true };
  }
  const raw = request.rawBody ?? Buffer.alloc(0);
  let body: unknown;
  try {
    body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
  } catch {
    return {
      lane: 'refused',
      status: 400,
      headers: {},
      errors: [{ message: 'body is not valid JSON', extensions: { code: ErrorCode.BAD_USER_INPUT } }],
    };
  }
  // Not an operation object (a batch, a scalar, nothing): Apollo answers it.
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { lane: 'apollo', url, body: { value: body }, admitted: false };
  const name = (body as { operationName?: unknown }).operationName;
  const operationName = typeof name === 'string' ? { operationName: name } : {};
  const admitted = door.admitOperation(body as OperationBody);
  if ('status' in admitted) return { ...refused(admitted), ...operationName };
  return fastPath
    ? { lane: 'fast-path', body: admitted.body, ...operationName }
    : { lane: 'apollo', url, body: { value: admitted.body }, admitted: true, ...operationName };
}
