import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { sendJson, type Route } from '../shared/http.js';
import { ErrorCode } from '../shared/errors.js';

/**
 * The browser pages' bundles (ui-build/, made by scripts/build-ui.ts) served from our own files,
 * read once and kept in memory. Every page is sent with a Content-Security-Policy that allows only
 * our origin, so a stray CDN reference fails loudly in the browser instead of working online only.
 */

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** Monaco sets inline styles; everything else, scripts included, comes from our origin only. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** ui-build/ sits at the repository (or image) root: two levels above gateway/ or dist/gateway/. */
export function findUiBuildDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'ui-build');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

export function sendPage(res: ServerResponse, html: string): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PAGE_CSP,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

/** GET <prefix>/<file> for the files of one bundle folder (no subfolders, no traversal). */
export function bundleRoute(prefix: string, folder: string): Route {
  const cache = new Map<string, Buffer>();
  return {
    method: 'GET',
    path: `${prefix}/*`,
    handler: (_req, res, url) => {
      const name = url.pathname.slice(prefix.length + 1);
      const dir = findUiBuildDir();
      const ext = path.extname(name);
      if (!/^[A-Za-z0-9._-]+$/.test(name) || !CONTENT_TYPES[ext] || !dir || !existsSync(path.join(dir, folder, name))) {
        sendJson(res, 404, {
          errors: [
            {
              message: dir ? `no asset ${name}` : 'ui-build/ is missing: run `npm run build:ui`',
              extensions: { code: ErrorCode.NOT_FOUND },
            },
          ],
        });
        return;
      }
      let body = cache.get(name);
      if (!body) cache.set(name, (body = readFileSync(path.join(dir, folder, name))));
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[ext]!,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'content-length': body.length,
      });
      res.end(body);
    },
  };
}
