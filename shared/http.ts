import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ErrorCode } from './errors.js';

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

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

export const MAX_BODY_BYTES = 1_048_576;

/** Reads the raw body (webhook signatures are computed over raw bytes: verify before parsing). */
export function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, ErrorCode.BAD_USER_INPUT, `body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
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

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

export function sendText(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
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
    sendJson(res, error.status, { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } });
    return;
  }
  sendJson(res, 500, { error: { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'internal error' } });
}

/** Routes by method and path; unknown paths answer 404, errors answer their HttpError status. */
export function createRouter(routes: Route[], onError?: (error: unknown, req: IncomingMessage) => void) {
  const exact = new Map<string, Route[]>();
  const prefixes: { prefix: string; route: Route }[] = [];
  for (const route of routes) {
    if (route.path.endsWith('/*')) prefixes.push({ prefix: route.path.slice(0, -1), route });
    else exact.set(route.path, [...(exact.get(route.path) ?? []), route]);
  }
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const candidates = exact.get(url.pathname) ?? prefixes.filter((p) => url.pathname.startsWith(p.prefix)).map((p) => p.route);
    const route = candidates.find((r) => r.method === '*' || r.method === req.method);
    try {
      if (!route) {
        if (candidates.length > 0) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed on ${url.pathname}`);
        throw new HttpError(404, ErrorCode.NOT_FOUND, `no route for ${url.pathname}`);
      }
      await route.handler(req, res, url);
    } catch (error) {
      if (!(error instanceof HttpError)) onError?.(error, req);
      sendError(res, error);
    }
  };
}

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Listens (port 0 = ephemeral) and returns a handle whose close() ends keep-alive sockets too. */
export async function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<RunningServer> {
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
  return { server, port: actual, url: `http://${host}:${actual}`, close: () => closeServer(server) };
}

/** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes idle sockets. */
export function closeServer(server: http.Server, graceMs = 5_000): Promise<void> {
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
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readRawBody(req);
      const type = req.headers['content-type'] ?? '';
      if (raw.length > 0 && type.includes('json')) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          sendJson(res, 400, { errors: [{ message: 'body is not valid JSON', extensions: { code: ErrorCode.BAD_USER_INPUT } }] });
          return;
        }
      } else {
        body = raw.length > 0 ? raw.toString('utf8') : undefined;
      }
    }
    await executeApolloRequest(apollo, req, res, url, body, () => context(req, res));
  };
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
