import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES, ErrorCode, isClientFacingError } from '../../shared/errors.js';
import { HttpError, createServer, listen, readRawBody, sendError, sendJson, sendText } from '../../shared/http.js';
import { logError, type Logger } from '../../shared/logger.js';
import type { ServerTls } from '../../shared/tls.js';
import { recordSpanError, tracingActive, withServerSpan } from '../../shared/tracing.js';
import { PlatformInputError, type PlatformAdapter, type PlatformHook, type PlatformReply } from './adapter.js';
import type { PlatformCore } from './types.js';

/**
 * The voice-platforms HTTP service (default port 4005): `POST /platforms/<name>/<hook>` for each
 * adapter's hooks, plus `GET /healthz`. Per request: read the raw body, verify the platform's
 * signature on it (401 when it fails), then let the adapter parse (400, nothing stored, when the
 * payload does not fit) and answer in the platform's shape. Core failures answer with the error
 * code's status (503 for an unavailable dependency), so platforms that retry will retry.
 */

export interface PlatformsServerOptions {
  port: number;
  host?: string;
  /** HTTPS with this certificate; unset: plain HTTP. */
  tls?: ServerTls;
  adapters: PlatformAdapter[];
  core: PlatformCore;
  log: Logger;
  /** Base URL the platforms call (Twilio signs the full URL); default: this server's own URL. */
  publicUrl?: string;
  /** Server clock for replay windows (tests). */
  now?: () => number;
}

export interface RunningPlatformsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const PLATFORMS_PREFIX = '/platforms/';
const MAX_PLATFORM_BODY_BYTES = 2 * 1_048_576;

export async function startPlatformsServer(options: PlatformsServerOptions): Promise<RunningPlatformsServer> {
  const { adapters, core, log } = options;
  const now = options.now ?? Date.now;
  const hooks = new Map<string, { platform: string; hook: PlatformHook }>();
  for (const adapter of adapters) {
    for (const hook of adapter.hooks)
      hooks.set(`${PLATFORMS_PREFIX}${adapter.name}/${hook.path}`, { platform: adapter.name, hook });
  }
  let publicBase = options.publicUrl;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const serve = async () => {
      try {
        await answer(req, res, url);
      } catch (error) {
        if (!(error instanceof HttpError)) {
          logError(log, error, 'platform request failed');
          recordSpanError(error);
        }
        sendError(res, error);
      }
    };
    // A hook's path is its route; anything else is one "unrouted" span name, not one per path.
    void (tracingActive()
      ? withServerSpan(
          'platforms',
          hooks.has(url.pathname) || url.pathname === '/healthz' || url.pathname === '/readyz'
            ? url.pathname
            : 'unrouted',
          req,
          res,
          serve,
        )
      : serve());
  }, options.tls);

  const answer = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (url.pathname === '/healthz' && req.method === 'GET')
      return sendJson(res, 200, { status: 'ok', platforms: adapters.map((a) => a.name) });
    // Ready as soon as it listens: every platform request is answered, fail-closed when the
    // gateway is unreachable, so taking replicas out of rotation would only turn answers into
    // connection errors (orchestrators probe this; deploy/k8s/platforms.yaml).
    if (url.pathname === '/readyz' && req.method === 'GET')
      return sendJson(res, 200, { status: 'ready', service: 'platforms' });
    const match = hooks.get(url.pathname);
    if (!match) throw new HttpError(404, ErrorCode.NOT_FOUND, `no route for ${url.pathname}`);
    if (req.method !== 'POST')
      throw new HttpError(405, ErrorCode.METHOD_NOT_ALLOWED, `${req.method} not allowed on ${url.pathname}`);
    const raw = await readRawBody(req, MAX_PLATFORM_BODY_BYTES);
    const request = {
      raw,
      headers: req.headers,
      publicUrl: `${publicBase!.replace(/\/$/, '')}${url.pathname}${url.search}`,
      now: now(),
    };
    const verified = match.hook.verify(request);
    if (!verified.ok) {
      log.warn(
        { platform: match.platform, hook: match.hook.path, reason: verified.reason },
        'platform request refused: signature did not verify',
      );
      throw new HttpError(401, ErrorCode.WEBHOOK_SIGNATURE_INVALID, `signature did not verify (${verified.reason})`);
    }
    let reply: PlatformReply;
    try {
      reply = await match.hook.handle(request, core);
    } catch (error) {
      throw toHttpError(error, match.platform, match.hook.path, log);
    }
    if (reply.contentType && typeof reply.body === 'string') sendText(res, reply.status, reply.body, reply.contentType);
    else if (reply.body === undefined) {
      res.writeHead(reply.status);
      res.end();
    } else sendJson(res, reply.status, reply.body);
  };

  const running = await listen(server, options.port, options.host);
  publicBase ??= running.url;
  return { url: running.url, port: running.port, close: running.close };
}

function toHttpError(error: unknown, platform: string, hook: string, log: Logger): HttpError {
  if (error instanceof PlatformInputError) {
    log.warn({ platform, hook, fields: error.issues.map((i) => i.field) }, 'platform payload refused');
    return new HttpError(400, ErrorCode.BAD_USER_INPUT, error.message, error.issues);
  }
  if (isClientFacingError(error)) {
    log.warn({ platform, hook, code: error.code }, 'platform request not completed');
    return new HttpError(ERROR_CODES[error.code].httpStatus, error.code, error.message);
  }
  logError(log, error, 'platform request failed', { platform, hook });
  return new HttpError(500, ErrorCode.INTERNAL_SERVER_ERROR, 'internal error');
}
