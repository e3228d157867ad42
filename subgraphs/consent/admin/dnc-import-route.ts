import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { z } from 'zod';
import type { Database } from '../../../shared/db.js';
import { ERROR_CODES, ErrorCode, isClientFacingError } from '../../../shared/errors.js';
import { sendJson, type Route } from '../../../shared/http.js';
import {
  hasRole,
  IDENTITY_HEADER,
  streamBinding,
  type Identity,
  type IdentityBinding,
} from '../../../shared/identity.js';
import type { Logger } from '../../../shared/logger.js';
import { importDncStream, type DncImportProgress } from '../dnc-file-import.js';
import { auditRecord, type AuditWriter } from '../store/audit.js';
import { registryListName } from '../store/dnc-registry.js';
import { logError } from '../../../shared/logger.js';

/**
 * `POST /admin/dnc-import?list=national|state:XX|litigator&mode=full|add|delete&downloadedAt=ISO[&force=true][&areaCodes=212,305]`
 *
 * Loads a registry or suppression file into this service's own database, whatever it is (the
 * in-memory PGlite of `npm start` included): the request body is the file (gzip when
 * `Content-Encoding: gzip`), streamed in batches, never held whole. The gateway authenticates the
 * caller's JWT and forwards the signed identity; this route checks it and the role (admin or
 * compliance) before reading a byte of the body.
 *
 * The answer is NDJSON, one line per batch (`{"progress":{...}}`) and a last line
 * `{"result":{...}}` or `{"error":{"code","message"}}`. A failure before the first batch (bad
 * list, older file without `force`) is a plain JSON error with its HTTP status instead.
 */
export const DNC_IMPORT_PATH = '/admin/dnc-import';
export const DNC_IMPORT_ROLES = ['admin', 'compliance'] as const;

const Params = z.object({
  list: z
    .string()
    .min(1)
    .max(40)
    .transform((v, ctx) => {
      try {
        return registryListName(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
  mode: z.enum(['full', 'add', 'delete']),
  downloadedAt: z.iso.datetime({ offset: true }).transform((v) => new Date(v)),
  force: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
  areaCodes: z
    .string()
    .regex(/^[2-9]\d{2}(,[2-9]\d{2})*$/)
    .optional()
    .transform((v) => (v ? v.split(',') : undefined)),
});

export interface DncImportRouteDeps {
  db: Database;
  verifyIdentity: (header: string | undefined | null, binding: IdentityBinding) => Identity | null;
  audit: AuditWriter;
  log: Logger;
  now: () => Date;
}

function fail(res: ServerResponse, code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
  // Drain what the client is still sending (never parsed), so it reads the answer instead of EPIPE.
  res.req.resume();
  sendJson(res, ERROR_CODES[code].httpStatus, { error: { code, message, ...extra } });
}

export function dncImportRoute(deps: DncImportRouteDeps): Route {
  return {
    method: 'POST',
    path: DNC_IMPORT_PATH,
    handler: async (req: IncomingMessage, res: ServerResponse, url: URL) => {
      const identity = deps.verifyIdentity(
        req.headers[IDENTITY_HEADER] as string | undefined,
        streamBinding('POST', url.pathname + url.search),
      );
      if (!identity) return fail(res, ErrorCode.UNAUTHENTICATED, 'missing or invalid gateway identity');
      if (!hasRole(identity, ...DNC_IMPORT_ROLES))
        return fail(res, ErrorCode.FORBIDDEN, `registry import needs role ${DNC_IMPORT_ROLES.join(' or ')}`);
      const parsed = Params.safeParse(Object.fromEntries(url.searchParams));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return fail(res, ErrorCode.BAD_USER_INPUT, `${issue.path.join('.')}: ${issue.message}`, {
          field: issue.path.join('.'),
        });
      }
      const p = parsed.data;
      if (p.downloadedAt.getTime() > deps.now().getTime() + 60_000) {
        return fail(res, ErrorCode.BAD_USER_INPUT, 'downloadedAt: must not be in the future', {
          field: 'downloadedAt',
        });
      }
      const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip')
        return fail(res, ErrorCode.BAD_USER_INPUT, `Content-Encoding ${encoding} is not supported (gzip or none)`);

      // Bytes counted as they pass (a 'data' listener on req would start flowing mode and lose data).
      let bytes = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      req.on('error', (error) => counted.destroy(error));
      req.pipe(counted);
      let streaming = false;
      const line = (value: unknown) => res.write(`${JSON.stringify(value)}\n`);
      const onProgress = (progress: DncImportProgress) => {
        if (!streaming) {
          streaming = true;
          res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
        }
        if (!progress.done) line({ progress });
      };
      try {
        const result = await importDncStream(
          deps.db,
          {
            raw: counted,
            gzip: encoding === 'gzip',
            totalBytes: Number(req.headers['content-length'] ?? 0) || 0,
            bytesRead: () => bytes,
          },
          {
            list: p.list,
            mode: p.mode,
            downloadedAt: p.downloadedAt,
            areaCodes: p.areaCodes,
            force: p.force,
            onProgress,
          },
        );
        const summary = {
          list: p.list,
          mode: p.mode,
          downloadedAt: p.downloadedAt.toISOString(),
          force: p.force,
          ...result,
          areaCodes: result.areaCodes.length,
        };
        deps.audit.write(
          auditRecord('REGISTRY_IMPORTED', identity, {
            detail: summary,
          }),
        );
        deps.log.info(
          { list: p.list, mode: p.mode, numbers: result.numbers, rejected: result.rejected, seconds: result.seconds },
          'registry file imported',
        );
        line({ result: summary });
        res.end();
      } catch (error) {
        const code = isClientFacingError(error) ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
        const message = isClientFacingError(error)
          ? error.message
          : 'the import failed and was rolled back; the logs have the cause';
        logError(deps.log, error, 'registry import failed (rolled back)', { list: p.list });
        if (streaming) {
          line({ error: { code, message } });
          res.end();
        } else {
          fail(res, code, message);
        }
      }
    },
  };
}
