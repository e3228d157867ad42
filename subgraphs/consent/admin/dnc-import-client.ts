import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { DialplaneError, ErrorCode, type ErrorCode as ErrorCodeType } from '../../../shared/errors.js';
import type { DncImportProgress } from '../dnc-file-import.js';

/**
 * The client side of `POST /admin/dnc-import` (the gateway's route): streams a registry file to
 * the running service and reports the service's progress lines. Used by `npm run dnc:import`.
 */

export interface UploadOptions {
  /** The gateway's base URL or its /graphql URL. */
  gatewayUrl: string;
  token: string;
  file: string;
  list: string;
  mode: 'full' | 'add' | 'delete';
  downloadedAt: Date;
  force?: boolean;
  areaCodes?: string[];
  onProgress?: (p: DncImportProgress) => void;
}

export interface UploadResult {
  list: string;
  mode: string;
  downloadedAt: string;
  numbers: number;
  rejected: number;
  removed: number;
  areaCodes: number;
  seconds: number;
}

export async function uploadDncFile(o: UploadOptions): Promise<UploadResult> {
  const target = new URL('/admin/dnc-import', o.gatewayUrl);
  target.searchParams.set('list', o.list);
  target.searchParams.set('mode', o.mode);
  target.searchParams.set('downloadedAt', o.downloadedAt.toISOString());
  if (o.force) target.searchParams.set('force', 'true');
  if (o.areaCodes?.length) target.searchParams.set('areaCodes', o.areaCodes.join(','));
  const size = statSync(o.file).size;
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<UploadResult>((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${o.token}`,
          'content-type': 'text/plain',
          'content-length': String(size),
          ...(o.file.endsWith('.gz') ? { 'content-encoding': 'gzip' } : {}),
        },
      },
      (res) => {
        let result: UploadResult | null = null;
        let failure: DialplaneError | null = null;
        const lines = createInterface({ input: res });
        lines.on('line', (text) => {
          if (!text.trim()) return;
          let message: {
            progress?: DncImportProgress;
            result?: UploadResult;
            error?: { code: ErrorCodeType; message: string };
          };
          try {
            message = JSON.parse(text) as typeof message;
          } catch {
            failure = new DialplaneError(
              ErrorCode.INTERNAL_SERVER_ERROR,
              `unexpected answer (HTTP ${res.statusCode}): ${text.slice(0, 200)}`,
            );
            return;
          }
          if (message.progress) o.onProgress?.(message.progress);
          if (message.result) result = message.result;
          if (message.error) failure = new DialplaneError(message.error.code, message.error.message);
        });
        lines.on('close', () => {
          if (failure) return reject(failure);
          if (!result)
            return reject(
              new DialplaneError(
                ErrorCode.INTERNAL_SERVER_ERROR,
                `the import ended without a result (HTTP ${res.statusCode})`,
              ),
            );
          o.onProgress?.({
            bytesRead: size,
            totalBytes: size,
            numbers: result.numbers,
            rejected: result.rejected,
            done: true,
          });
          resolve(result);
        });
      },
    );
    req.on('error', (error) =>
      reject(new DialplaneError(ErrorCode.SUBGRAPH_UNAVAILABLE, `cannot reach ${target.origin}: ${error.message}`)),
    );
    createReadStream(o.file, { highWaterMark: 1 << 20 })
      .on('error', (error) => req.destroy(error))
      .pipe(req);
  });
}
