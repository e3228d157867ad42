import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { ERROR_CODES, ErrorCode } from '../shared/errors.js';
import { sendJson, type Route } from '../shared/http.js';
import { hasRole, IDENTITY_HEADER, streamBinding, type Identity, type IdentityBinding } from '../shared/identity.js';
import type { Logger } from '../shared/logger.js';
import { AuthenticationError, type Authenticator } from './authenticator.js';

/**
 * `POST /admin/dnc-import`: the one public door to the consent subgraph's registry import. The
 * caller's JWT is verified and its role checked (admin or compliance) BEFORE any byte of the body
 * is read; the body (the file) is then piped, unparsed and unbuffered, to the consent subgraph with
 * the signed identity (bound to the method, path and query: see streamBinding), and its NDJSON
 * progress is piped back.
 */
export const ADMIN_IMPORT_PATH = '/admin/dnc-import';
const ROLES = ['admin', 'compliance'] as const;

export interface AdminImportProxyDeps {
  authenticator: Authenticator;
  /** The consent subgraph's GraphQL URL (its base is used); undefined when not configured. */
  consentUrl: () => string | undefined;
  signIdentity: (identity: Identity, binding: IdentityBinding) => string;
  log: Logger;
}

function refuse(res: ServerResponse, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
  res.req.resume();
  sendJson(res, ERROR_CODES[code].httpStatus, { error: { code, message } }, headers);
}

export function adminImportProxy(deps: AdminImportProxyDeps): Route {
  return {
    method: 'POST',
    path: ADMIN_IMPORT_PATH,
    handler: async (req: IncomingMessage, res: ServerResponse, url: URL) => {
      let identity: Identity;
      try {
        identity = await deps.authenticator.authenticate(req.headers.authorization);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        return refuse(res, ErrorCode.UNAUTHENTICATED, error.message, { 'www-authenticate': 'Bearer' });
      }
      if (!hasRole(identity, ...ROLES))
        return refuse(res, ErrorCode.FORBIDDEN, `registry import needs role ${ROLES.join(' or ')}`);
      const consent = deps.consentUrl();
      if (!consent) return refuse(res, ErrorCode.SUBGRAPH_UNAVAILABLE, 'the consent subgraph is not configured');
      const target = new URL(ADMIN_IMPORT_PATH + url.search, consent);
      const headers: http.OutgoingHttpHeaders = {
        [IDENTITY_HEADER]: deps.signIdentity(identity, streamBinding('POST', target.pathname + target.search)),
      };
      for (const h of ['content-type', 'content-encoding', 'content-length', 'transfer-encoding', 'x-request-id']) {
        if (req.headers[h] !== undefined) headers[h] = req.headers[h];
      }
      await new Promise<void>((resolve) => {
        const upstream = (target.protocol === 'https:' ? https : http).request(
          target,
          { method: 'POST', headers },
          (answer) => {
            const pass: http.OutgoingHttpHeaders = {};
            for (const h of ['content-type', 'content-length', 'cache-control'])
              if (answer.headers[h] !== undefined) pass[h] = answer.headers[h];
            res.writeHead(answer.statusCode ?? 502, pass);
            answer.pipe(res);
            answer.on('end', resolve);
            answer.on('error', () => (res.destroy(), resolve()));
          },
        );
        upstream.on('error', (error) => {
          deps.log.error({ err: error.message }, 'registry import: consent subgraph unreachable');
          if (!res.headersSent) refuse(res, ErrorCode.SUBGRAPH_UNAVAILABLE, 'the consent subgraph did not answer');
          else res.destroy();
          resolve();
        });
        req.on('aborted', () => upstream.destroy());
        req.pipe(upstream);
      });
    },
  };
}
