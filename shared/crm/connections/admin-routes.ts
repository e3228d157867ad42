import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ErrorCode, isDialplaneError } from '../../errors.js';
import { HttpError, readRawBody, sendJson, type Route } from '../../http.js';
import { hasRole, IDENTITY_HEADER, type Identity, type IdentityVerifier } from '../../identity.js';
import { logError, type Logger } from '../../logger.js';
import { mayActFor, maySee } from '../../seller-scope.js';
import type { CrmConnection } from '../connection.js';
import { type LiveSchema, mappingOverrideError, overrideLiveIssues } from '../mapping-overrides.js';
import type { ConnectionHealth } from './health.js';
import type { ConnectionStore, ConnectionSummary } from './store.js';
import { CrmAuthError, type ConnectionTokens, type CrmConnectionKind, type GrantedToken } from './tokens.js';

/**
 * The connection admin API, served by each CRM subgraph for its CRM (the gateway proxies
 * `/admin/connections/<crm>…` here: gateway/admin-connections-proxy.ts):
 *
 *   GET    /admin/connections/<crm>                         list (no secrets, with health)
 *   POST   /admin/connections/<crm>                         create  { seller, baseUrl, credentials, account?, mappingOverrides? }
 *   PUT    /admin/connections/<crm>/<id>/credentials        rotate  { credentials }
 *   PUT    /admin/connections/<crm>/<id>/mapping-overrides  set     { mappingOverrides }
 *   POST   /admin/connections/<crm>/<id>/disable
 *   DELETE /admin/connections/<crm>/<id>
 *
 * Order of checks: the signed identity header is looked at before any byte of the body is read
 * (no header: 401 at once); the body (64 KB at most) is read raw and the header's MAC verified
 * over it (bound to method and path: ADMIN_CONNECTIONS_BINDING); the admin role and the seller
 * scope are checked; only then is the body parsed (JSON, zod). Credentials are proven before
 * they are saved: a grant and a read of the account's contact schema (describe / properties).
 */
export const ADMIN_CONNECTIONS_PATH = '/admin/connections';
export const ADMIN_CONNECTIONS_MAX_BODY = 64 * 1024;

/** What the gateway signs for an admin-connections request: method, path and query, then the body. */
export function adminConnectionsBinding(method: string, pathAndQuery: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`admin-connections:${method} ${pathAndQuery}\n`, 'utf8'), body]);
}

/**
 * The seam for validating mapping overrides against the account: returns the problems found
 * (empty = accepted). The default checks the shape only; live describe / properties checks plug
 * in here (`fields` is the account's contact schema as just read with the connection's token).
 */
export type MappingOverrideValidator = (input: {
  connection: Pick<CrmConnection, 'id' | 'crm' | 'account'> | null;
  overrides: Record<string, string>;
  fields: readonly string[];
}) => Promise<{ field: string; message: string }[]>;

const CANONICAL_PATH = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/;
const CRM_FIELD = /^[A-Za-z][A-Za-z0-9_]*$/;
const MappingOverrides = z
  .record(
    z.string().regex(CANONICAL_PATH, 'expected a canonical field path (e.g. suppression.doNotCall)'),
    z.string().regex(CRM_FIELD, 'expected a CRM field API name'),
  )
  .refine((o) => Object.keys(o).length <= 100, 'at most 100 overrides');

/** Shape only: the default until the live check (against `fields`) is plugged in. */
export const shapeOnlyOverrideValidator: MappingOverrideValidator = async () => [];

const CreateBody = z
  .object({
    seller: z.string().min(1).max(200),
    baseUrl: z.url({ protocol: /^https?$/ }),
    account: z.string().min(1).max(200).optional(),
    credentials: z.record(z.string(), z.unknown()),
    mappingOverrides: MappingOverrides.optional(),
  })
  .strict();
const RotateBody = z.object({ credentials: z.record(z.string(), z.unknown()) }).strict();
const OverridesBody = z.object({ mappingOverrides: MappingOverrides }).strict();

export interface AdminConnectionRoutesDeps {
  kind: CrmConnectionKind;
  store: ConnectionStore;
  /** Tokens of saved connections (a refresh token the CRM rotates is stored back there). */
  tokens: ConnectionTokens;
  health?: ConnectionHealth;
  verifyIdentity: IdentityVerifier;
  validateOverrides?: MappingOverrideValidator;
  log: Logger;
}

export function adminConnectionRoutes(deps: AdminConnectionRoutesDeps): Route[] {
  const base = `${ADMIN_CONNECTIONS_PATH}/${deps.kind.crm}`;
  const handler = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const identity = await authenticate(req, url, deps);
    const body = identity.body;
    const rest = url.pathname.slice(base.length).split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    if (rest.length === 0 && method === 'GET') return list(res, identity.who, deps);
    if (rest.length === 0 && method === 'POST') return create(res, identity.who, parse(CreateBody, body), deps);
    const [id, action, ...extra] = rest;
    if (!id || extra.length > 0) throw new HttpError(404, ErrorCode.NOT_FOUND, `no route for ${url.pathname}`);
    const connection = await deps.store.summary(id);
    // Another seller's connection is "not found", like one that does not exist.
    if (!connection || connection.crm !== deps.kind.crm || !maySee(identity.who, connection.seller))
      throw new HttpError(404, ErrorCode.NOT_FOUND, `no ${deps.kind.crm} connection ${id}`);
    if (!mayActFor(identity.who, connection.seller))
      throw new HttpError(403, ErrorCode.FORBIDDEN, 'this token may not act for that seller');
    if (action === undefined && method === 'GET') return sendJson(res, 200, withHealth(connection, deps));
    if (action === undefined && method === 'DELETE') {
      await deps.store.delete(id);
      deps.health?.forget(connection);
      res.writeHead(204).end();
      return;
    }
    if (action === 'credentials' && method === 'PUT')
      return rotate(res, connection, parse(RotateBody, body).credentials, deps);
    if (action === 'mapping-overrides' && method === 'PUT')
      return setOverrides(res, connection, parse(OverridesBody, body).mappingOverrides, deps);
    if (action === 'disable' && method === 'POST') return sendJson(res, 200, await deps.store.disable(id));
    throw new HttpError(405, ErrorCode.METHOD_NOT_ALLOWED, `${method} not allowed on ${url.pathname}`);
  };
  return [
    { method: '*', path: base, handler },
    { method: '*', path: `${base}/*`, handler },
  ];
}

async function authenticate(
  req: IncomingMessage,
  url: URL,
  deps: AdminConnectionRoutesDeps,
): Promise<{ who: Identity; body: Buffer }> {
  const header = req.headers[IDENTITY_HEADER];
  if (typeof header !== 'string' || header.length === 0) {
    req.resume();
    throw new HttpError(401, ErrorCode.UNAUTHENTICATED, `${deps.kind.crm} subgraph: missing gateway identity`);
  }
  const body = await readRawBody(req, ADMIN_CONNECTIONS_MAX_BODY);
  const who = deps.verifyIdentity(
    header,
    adminConnectionsBinding(req.method ?? 'GET', url.pathname + url.search, body),
  );
  if (!who) throw new HttpError(401, ErrorCode.UNAUTHENTICATED, `${deps.kind.crm} subgraph: invalid gateway identity`);
  if (!hasRole(who, 'admin')) throw new HttpError(403, ErrorCode.FORBIDDEN, 'connections need role admin');
  return { who, body };
}

function parse<S extends z.ZodType>(schema: S, body: Buffer): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8') || 'null');
  } catch {
    throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'body: expected JSON', { field: 'body' });
  }
  const result = schema.safeParse(json);
  if (!result.success) throw badInput(result.error.issues, '');
  return result.data;
}

/** BAD_USER_INPUT naming fields and problems, never the values (a credential may be among them). */
function badInput(issues: readonly { path: PropertyKey[]; message: string }[], prefix: string): HttpError {
  const list = issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || 'body',
    message: i.message,
  }));
  const first = list[0]!;
  return new HttpError(400, ErrorCode.BAD_USER_INPUT, `${first.field}: ${first.message}`, {
    field: first.field,
    issues: list,
  });
}

function withHealth(summary: ConnectionSummary, deps: AdminConnectionRoutesDeps) {
  const health = deps.health?.get(summary.id);
  return { ...summary, health: health ?? null };
}

async function list(res: ServerResponse, who: Identity, deps: AdminConnectionRoutesDeps): Promise<void> {
  const all = await deps.store.list({ crm: deps.kind.crm });
  sendJson(res, 200, { connections: all.filter((c) => maySee(who, c.seller)).map((c) => withHealth(c, deps)) });
}

function credentialsOf(kind: CrmConnectionKind, raw: Record<string, unknown>): Record<string, string> {
  const result = kind.credentials.safeParse(raw);
  if (!result.success) {
    // A union's issues say which shapes were expected; the values are never echoed.
    throw new HttpError(
      400,
      ErrorCode.BAD_USER_INPUT,
      `credentials: not a ${kind.crm} credential shape (fields given: ${Object.keys(raw).sort().join(', ') || 'none'})`,
      { field: 'credentials' },
    );
  }
  return result.data;
}

/**
 * A grant and a schema read with the credentials: refused with a typed error when either fails.
 * `grant` defaults to the kind's own grant with these credentials (new credentials, not yet saved).
 */
async function prove(
  kind: CrmConnectionKind,
  baseUrl: string,
  credentials: Record<string, string>,
  log: Logger,
  grant: () => Promise<GrantedToken> = () => kind.grant({ baseUrl, credentials }),
): Promise<{ token: GrantedToken; account?: string; fields: string[]; credentials: Record<string, string> }> {
  try {
    const token = await grant();
    const probe = await kind.probe({ baseUrl }, token);
    // With refresh-token rotation the grant spent the refresh token given: keep its successor.
    const kept =
      token.refreshToken && credentials.refreshToken && token.refreshToken !== credentials.refreshToken
        ? { ...credentials, refreshToken: token.refreshToken }
        : credentials;
    return {
      token,
      fields: probe.fields,
      credentials: kept,
      ...(probe.account ? { account: probe.account } : {}),
    };
  } catch (error) {
    if (error instanceof CrmAuthError)
      throw new HttpError(
        422,
        ErrorCode.CONNECTION_CREDENTIALS_INVALID,
        `${kind.crm} refused these credentials (${error.crmCode}); nothing was saved`,
        { crmCode: error.crmCode },
      );
    if (isDialplaneError(error, ErrorCode.NOT_FOUND))
      throw new HttpError(409, ErrorCode.CONFLICT, `the ${kind.crm} connection is disabled or not loaded yet`);
    if (isDialplaneError(error, ErrorCode.CRM_UNAVAILABLE))
      throw new HttpError(503, ErrorCode.CRM_UNAVAILABLE, `${kind.crm} could not be reached to check the credentials`);
    logError(log, error, 'connection credential check failed', { crm: kind.crm });
    throw error;
  }
}

async function checkOverrides(
  deps: AdminConnectionRoutesDeps,
  connection: Pick<CrmConnection, 'id' | 'crm' | 'account'> | null,
  overrides: Record<string, string>,
  fields: readonly string[],
  reach: { baseUrl: string; token: GrantedToken },
): Promise<void> {
  // Against the account's live schema, read with the same token: a field that does not exist or
  // has a type the mapping cannot read is refused, naming it, before anything is saved.
  const live = deps.kind.overrides;
  if (live && Object.keys(overrides).length > 0) {
    let schema: LiveSchema;
    try {
      schema = await live.liveSchema({ baseUrl: reach.baseUrl }, reach.token);
    } catch (error) {
      if (error instanceof CrmAuthError)
        throw new HttpError(422, ErrorCode.CONNECTION_CREDENTIALS_INVALID, `${deps.kind.crm} refused the token`, {
          crmCode: error.crmCode,
        });
      throw new HttpError(
        503,
        ErrorCode.CRM_UNAVAILABLE,
        `${deps.kind.crm} schema could not be read to check the overrides`,
      );
    }
    const issues = overrideLiveIssues(overrides, live.overridable, schema);
    if (issues.length > 0) {
      const refused = mappingOverrideError(issues);
      throw new HttpError(422, refused.code, refused.message, refused.context);
    }
  }
  const problems = await (deps.validateOverrides ?? shapeOnlyOverrideValidator)({ connection, overrides, fields });
  if (problems.length > 0)
    throw badInput(
      problems.map((p) => ({ path: [p.field], message: p.message })),
      'mappingOverrides',
    );
}

async function create(
  res: ServerResponse,
  who: Identity,
  body: z.infer<typeof CreateBody>,
  deps: AdminConnectionRoutesDeps,
): Promise<void> {
  if (!mayActFor(who, body.seller))
    throw new HttpError(403, ErrorCode.FORBIDDEN, 'seller: this token may not act for that seller', {
      field: 'seller',
    });
  const credentials = credentialsOf(deps.kind, body.credentials);
  const proof = await prove(deps.kind, body.baseUrl, credentials, deps.log);
  if (body.account && proof.account && body.account !== proof.account)
    throw new HttpError(
      422,
      ErrorCode.CONNECTION_CREDENTIALS_INVALID,
      `account: these credentials belong to ${deps.kind.crm} account ${proof.account}, not ${body.account}`,
      { field: 'account' },
    );
  const account = body.account ?? proof.account;
  if (!account)
    throw new HttpError(400, ErrorCode.BAD_USER_INPUT, `account: required for ${deps.kind.crm}`, { field: 'account' });
  const overrides = body.mappingOverrides ?? {};
  await checkOverrides(deps, null, overrides, proof.fields, { baseUrl: body.baseUrl, token: proof.token });
  try {
    const created = await deps.store.create({
      seller: body.seller,
      crm: deps.kind.crm,
      account,
      baseUrl: body.baseUrl,
      credentials: proof.credentials,
      mappingOverrides: overrides,
    });
    deps.health?.recordSuccess(created);
    sendJson(res, 201, withHealth((await deps.store.summary(created.id))!, deps));
  } catch (error) {
    if (isDialplaneError(error, ErrorCode.CONFLICT)) throw new HttpError(409, ErrorCode.CONFLICT, error.message);
    throw error;
  }
}

async function rotate(
  res: ServerResponse,
  connection: ConnectionSummary,
  raw: Record<string, unknown>,
  deps: AdminConnectionRoutesDeps,
): Promise<void> {
  const credentials = credentialsOf(deps.kind, raw);
  const proof = await prove(deps.kind, connection.baseUrl, credentials, deps.log);
  if (proof.account && proof.account !== connection.account)
    throw new HttpError(
      422,
      ErrorCode.CONNECTION_CREDENTIALS_INVALID,
      `credentials: they belong to ${deps.kind.crm} account ${proof.account}, not this connection's ${connection.account}`,
      { field: 'credentials' },
    );
  await deps.store.rotateCredentials(connection.id, proof.credentials, connection.revision).catch((error: unknown) => {
    if (isDialplaneError(error, ErrorCode.CONFLICT)) throw new HttpError(409, ErrorCode.CONFLICT, error.message);
    throw error;
  });
  deps.health?.recordSuccess(connection);
  sendJson(res, 200, withHealth((await deps.store.summary(connection.id))!, deps));
}

async function setOverrides(
  res: ServerResponse,
  connection: ConnectionSummary,
  overrides: Record<string, string>,
  deps: AdminConnectionRoutesDeps,
): Promise<void> {
  // The live schema is read with the connection's own token (the seam's `fields`), through the
  // token cache: a refresh it needs is single-flight and stores a rotated refresh token back.
  const stored = await deps.store.get(connection.id);
  if (!stored) throw new HttpError(404, ErrorCode.NOT_FOUND, `no ${deps.kind.crm} connection ${connection.id}`);
  const proof = await prove(deps.kind, stored.baseUrl, { ...stored.credentials }, deps.log, () =>
    deps.tokens.token(connection.id),
  );
  await checkOverrides(deps, stored, overrides, proof.fields, { baseUrl: stored.baseUrl, token: proof.token });
  await deps.store.setMappingOverrides(connection.id, overrides);
  sendJson(res, 200, withHealth((await deps.store.summary(connection.id))!, deps));
}
