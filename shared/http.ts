import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { DialplaneError, ErrorCode } from './errors.js';
import type { ServerTls } from './tls.js';
import { recordSpanError, tracingActive, withServerSpan } from './tracing.js';

/**
 * Small node:http building blocks. Services use plain node:http rather than a framework: the hot
 * path is one GraphQL POST, and every layer in front of it costs latency we would have to win back.
 */

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | '*';
  /** Exact path, or a prefix when it ends with `/*`. */
  path: string;
  handler: Handler;
}

/** A refusal a non-GraphQL endpoint answers with `status` and `{ error: { code, message, details? } }`. */
export class HttpError extends DialplaneError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(code, message);
    this.name = 'HttpError';
  }
}

export const MAX_BODY_BYTES = 1_048_576;
/**
 * How much of an over-limit body is still read (and dropped) so the 413 reaches the client: a
 * server that stops reading mid-upload closes a socket the client is still writing to, and the
 * client sees a connection reset instead of the answer. Beyond this the connection is cut.
 */
export const MAX_DRAINED_BYTES = 32 * 1_048_576;

function payloadTooLarge(limit: number): HttpError {
  return new HttpError(413, ErrorCode.PAYLOAD_TOO_LARGE, `body larger than ${limit} bytes`, { limitBytes: limit });
}

/**
 * Reads the raw body (webhook signatures are computed over raw bytes: verify before parsing).
 * Over `limit` (declared or counted) it rejects with a 413 HttpError once the body has been
 * drained, so the caller's answer is written to a socket that is still open.
 */
export function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolveBody, rejectBody) => {
    // 'close' follows every request, answered or not: only an unsettled read is an abort (an
    // error built per request, stack and all, was measurable CPU on every call).
    let settled = false;
    const resolve = (body: Buffer) => {
      settled = true;
      resolveBody(body);
    };
    const reject = (error: unknown) => {
      settled = true;
      rejectBody(error);
    };
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length']);
    let tooLarge = Number.isFinite(declared) && declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!tooLarge && size <= limit) {
        chunks.push(chunk);
        return;
      }
      tooLarge = true;
      chunks.length = 0;
      if (size > limit + MAX_DRAINED_BYTES) {
        reject(payloadTooLarge(limit));
        req.destroy();
      }
    });
    req.on('end', () => {
      if (tooLarge) reject(payloadTooLarge(limit));
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!settled) reject(new HttpError(400, ErrorCode.BAD_USER_INPUT, 'request aborted'));
    });
  });
}

/** Reads and parses a JSON body; 400 with a clear message when it is not JSON. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const raw = await readRawBody(req, limit);
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'body is not valid JSON');
  }
}

/**
 * A GraphQL POST body as Apollo takes it: parsed when the content type is JSON, text otherwise.
 * `undefined` answers for an empty body; a JSON body that does not parse is `{ invalid: true }`.
 */
export function graphqlBodyOf(raw: Buffer, contentType: string | undefined): { body: unknown } | { invalid: true } {
  if (raw.length === 0) return { body: undefined };
  if (!(contentType ?? '').includes('json')) return { body: raw.toString('utf8') };
  try {
    return { body: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { invalid: true };
  }
}

/** A request-level failure on a GraphQL endpoint, in the GraphQL response shape. */
export function sendGraphqlError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { errors: [{ message, extensions: { code } }] },
    status === 413 ? { connection: 'close', ...headers } : headers,
  );
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Error body used by every non-GraphQL endpoint: `{ error: { code, message, details? } }`. */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) {
    // After a 413 the rest of the connection is not worth keeping: say so, so clients open a new one.
    const headers: Record<string, string> = error.status === 413 ? { connection: 'close' } : {};
    sendJson(
      res,
      error.status,
      { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
      headers,
    );
    return;
  }
  sendJson(res, 500, { error: { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'internal error' } });
}

/**
 * Routes by method and path; unknown paths answer 404, errors answer their HttpError status. With
 * tracing on, each routed request is a SERVER span of `service` named after its route.
 */
export function createRouter(
  routes: Route[],
  onError?: (error: unknown, req: IncomingMessage) => void,
  service = 'http',
) {
  const exact = new Map<string, Route[]>();
  const prefixes: { prefix: string; route: Route }[] = [];
  for (const route of routes) {
    if (route.path.endsWith('/*')) prefixes.push({ prefix: route.path.slice(0, -1), route });
    else exact.set(route.path, [...(exact.get(route.path) ?? []), route]);
  }
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const candidates =
      exact.get(url.pathname) ?? prefixes.filter((p) => url.pathname.startsWith(p.prefix)).map((p) => p.route);
    const route = candidates.find((r) => r.method === '*' || r.method === req.method);
    const handle = async (): Promise<void> => {
      try {
        if (!route) {
          if (candidates.length > 0)
            throw new HttpError(405, ErrorCode.METHOD_NOT_ALLOWED, `${req.method} not allowed on ${url.pathname}`);
          throw new HttpError(404, ErrorCode.NOT_FOUND, `no route for ${url.pathname}`);
        }
        await route.handler(req, res, url);
      } catch (error) {
        if (!(error instanceof HttpError)) {
          onError?.(error, req);
          recordSpanError(error);
        }
        sendError(res, error);
      }
    };
    // Tested here: with tracing off a request pays for this test and nothing else of tracing.
    if (route && tracingActive()) await withServerSpan(service, route.path, req, res, handle);
    else await handle();
  };
}

/** Every listener is one of these: plain HTTP, or HTTPS when a certificate is configured. */
export type HttpServer = http.Server | https.Server;

/**
 * The HTTP server of a service: HTTPS with `tls` (shared/tls.ts: TLS_CERT_FILE / TLS_KEY_FILE), plain
 * HTTP without. WebSocket servers attached to it serve wss:// or ws:// accordingly.
 */
export function createServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls?: ServerTls,
): HttpServer {
  return tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
}

export interface RunningServer {
  server: HttpServer;
  port: number;
  /** `https://host:port` when the server is HTTPS, else `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/** Listens (port 0 = ephemeral) and returns a handle whose close() ends keep-alive sockets too. */
export async function listen(server: HttpServer, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const scheme = server instanceof https.Server ? 'https' : 'http';
  return { server, port: actual, url: `${scheme}://${host}:${actual}`, close: () => closeServer(server) };
}

/** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes idle sockets. */
export function closeServer(server: HttpServer, graceMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    // A keep-alive socket whose request is still in flight goes idle after its answer; without
    // this it would hold the server (and the process) open for the whole keepAliveTimeout.
    server.keepAliveTimeout = 1;
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Adapts Apollo Server to node:http without a framework in between. */
export function apolloHandler<C extends BaseContext>(
  apollo: ApolloServer<C>,
  context: (req: IncomingMessage, res: ServerResponse) => Promise<C>,
): Handler {
  return async (req, res, url) => {
    let raw: Buffer = Buffer.alloc(0);
    if (req.method === 'POST') {
      const read = await readGraphqlRawBody(req, res);
      if (!read) return;
      raw = read;
    }
    await executeRawGraphql(apollo, req, res, url, raw, () => context(req, res));
  };
}

/** Reads a GraphQL POST body; answers 413 in the GraphQL shape (and returns null) when it is too large. */
export async function readGraphqlRawBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit = MAX_BODY_BYTES,
): Promise<Buffer | null> {
  try {
    return await readRawBody(req, limit);
  } catch (error) {
    if (!(error instanceof HttpError) || error.status !== 413) throw error;
    sendGraphqlError(res, 413, error.code, error.message);
    return null;
  }
}

/** Parses a raw GraphQL body (400 when it is JSON that does not parse) and runs it through Apollo. */
export async function executeRawGraphql<C extends BaseContext>(
  apollo: ApolloServer<C>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  raw: Buffer,
  context: () => Promise<C>,
): Promise<void> {
  const parsed = graphqlBodyOf(raw, req.headers['content-type']);
  if ('invalid' in parsed) {
    sendGraphqlError(res, 400, ErrorCode.BAD_USER_INPUT, 'body is not valid JSON');
    return;
  }
  await executeApolloRequest(apollo, req, res, url, parsed.body, context);
}

/**
 * Runs one HTTP GraphQL request through Apollo with a body already read (and parsed when JSON),
 * and writes Apollo's answer. The gateway calls this directly because it reads the body first.
 */
export async function executeApolloRequest<C extends BaseContext>(
  apollo: ApolloServer<C>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: unknown,
  context: () => Promise<C>,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context,
  });
  for (const [key, value] of result.headers) res.setHeader(key, value);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

/** Request id: the caller's `x-request-id` when well-formed, else a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given)) return given;
  return crypto.randomUUID();
}
