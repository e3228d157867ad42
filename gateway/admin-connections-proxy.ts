import type { IncomingMessage, ServerResponse } from 'node:http';
import { ADMIN_CONNECTIONS_MAX_BODY, adminConnectionsBinding } from '../shared/crm/connections/admin-routes.js';
import { ERROR_CODES, ErrorCode } from '../shared/errors.js';
import { HttpError, readRawBody, sendJson, type Route } from '../shared/http.js';
import { hasRole, IDENTITY_HEADER, type Identity, type IdentityBinding } from '../shared/identity.js';
import { logError, type Logger } from '../shared/logger.js';
import { AuthenticationError, type Authenticator } from './authenticator.js';

/**
 * `/admin/connections/<crm>…`: the one public door to the connection admin API each CRM subgraph
 * serves (shared/crm/connections/admin-routes.ts). The caller's JWT is verified and the admin role
 * checked BEFORE any byte of the body is read; the body (64 KB at most) is then forwarded to the
 * CRM subgraph named in the path with the signed identity bound to the method, path and body.
 * `GET /admin/connections` lists the connections of every CRM.
 */
export const ADMIN_CONNECTIONS_PREFIX = '/admin/connections';

export interface AdminConnectionsProxyDeps {
  authenticator: Authenticator;
  /** The CRM subgraphs (name = CRM) and their GraphQL URLs (their base is used). */
  crms: readonly { name: string; url: string }[];
  signIdentity: (identity: Identity, binding: IdentityBinding) => string;
  log: Logger;
  /** Upper bound of one forwarded request, ms (a create waits for the CRM's token and describe). @default 20000 */
  timeoutMs?: number;
}

function refuse(res: ServerResponse, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
  res.req.resume();
  sendJson(res, ERROR_CODES[code].httpStatus, { error: { code, message } }, headers);
}

export function adminConnectionsProxy(deps: AdminConnectionsProxyDeps): Route[] {
  const forward = async (
    identity: Identity,
    crm: { name: string; url: string },
    method: string,
    pathAndQuery: string,
    body: Buffer,
    requestId: string | undefined,
  ): Promise<Response> => {
    const target = new URL(pathAndQuery, crm.url);
    return fetch(target, {
      method,
      headers: {
        [IDENTITY_HEADER]: deps.signIdentity(identity, adminConnectionsBinding(method, pathAndQuery, body)),
        'content-type': 'application/json',
        ...(requestId ? { 'x-request-id': requestId } : {}),
      },
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: new Uint8Array(body) }),
      signal: AbortSignal.timeout(deps.timeoutMs ?? 20_000),
    });
  };

  const handler = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    let identity: Identity;
    try {
      identity = await deps.authenticator.authenticate(req.headers.authorization);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      return refuse(res, ErrorCode.UNAUTHENTICATED, error.message, { 'www-authenticate': 'Bearer' });
    }
    if (!hasRole(identity, 'admin')) return refuse(res, ErrorCode.FORBIDDEN, 'connections need role admin');
    const method = req.method ?? 'GET';
    const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined;
    const name = url.pathname.slice(ADMIN_CONNECTIONS_PREFIX.length).split('/').filter(Boolean)[0];

    if (!name) {
      if (method !== 'GET') throw new HttpError(405, ErrorCode.METHOD_NOT_ALLOWED, `${method} not allowed here`);
      req.resume();
      // Every CRM's list; a CRM subgraph that does not answer is named, the others still listed.
      const answers = await Promise.all(
        deps.crms.map(async (crm) => {
          try {
            const answer = await forward(
              identity,
              crm,
              'GET',
              `${ADMIN_CONNECTIONS_PREFIX}/${crm.name}`,
              Buffer.alloc(0),
              requestId,
            );
            if (!answer.ok) return { crm: crm.name, connections: null };
            const parsed = (await answer.json()) as { connections?: unknown[] };
            return { crm: crm.name, connections: parsed.connections ?? [] };
          } catch (error) {
            logError(deps.log, error, 'connections: CRM subgraph unreachable', { crm: crm.name });
            return { crm: crm.name, connections: null };
          }
        }),
      );
      return sendJson(res, 200, {
        connections: answers.flatMap((a) => a.connections ?? []),
        unavailable: answers.filter((a) => a.connections === null).map((a) => a.crm),
      });
    }

    const crm = deps.crms.find((c) => c.name === name);
    if (!crm) return refuse(res, ErrorCode.NOT_FOUND, `no CRM subgraph named ${name}`);
    const body = await readRawBody(req, ADMIN_CONNECTIONS_MAX_BODY);
    let answer: Response;
    try {
      answer = await forward(identity, crm, method, url.pathname + url.search, body, requestId);
    } catch (error) {
      logError(deps.log, error, 'connections: CRM subgraph unreachable', { crm: crm.name });
      return refuse(res, ErrorCode.SUBGRAPH_UNAVAILABLE, `the ${crm.name} subgraph did not answer`);
    }
    const text = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, {
      ...(answer.headers.get('content-type') ? { 'content-type': answer.headers.get('content-type')! } : {}),
      'cache-control': 'no-store',
    });
    res.end(text);
  };
  return [
    { method: '*', path: ADMIN_CONNECTIONS_PREFIX, handler },
    { method: '*', path: `${ADMIN_CONNECTIONS_PREFIX}/*`, handler },
  ];
}
