import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Database } from '../../shared/db.js';
import { importRegistry, type ImportMode, type ImportResult } from './store/dnc-registry.js';

/**
 * Streams a registry file into the DNC mirror with bounded memory: the input is read chunk by chunk
 * (async iteration honours back-pressure), numbers go to the database in batches of `batchSize`,
 * and only the current batch is ever held. Layouts (D2): one 10-digit number a line, or
 * `areacode,number`; an optional leading 1/+1; XML is read by stripping tags; gzip is gunzipped.
 * The input is a file (CLI `--direct`, tests) or an HTTP request body (the admin import endpoint).
 */

export interface DncFileImportOptions {
  list: string;
  mode: ImportMode;
  downloadedAt: Date;
  areaCodes?: string[];
  force?: boolean;
  batchSize?: number;
  onProgress?: (p: DncImportProgress) => void;
}

export interface DncImportProgress {
  bytesRead: number;
  /** Size of the input when known (file size, Content-Length); 0 when not. */
  totalBytes: number;
  numbers: number;
  rejected: number;
  done: boolean;
}

export interface DncFileImportResult extends ImportResult {
  rejected: number;
  seconds: number;
}

/** `2125550100`, `212,5550100`, `1-212-555-0100`, `<number>2125550100</number>` -> `+12125550100`; null otherwise. */
export function parseDncLine(line: string): string | null {
  const text = line.replace(/<[^>]*>/g, '').trim();
  if (text === '') return null;
  let digits = text.replace(/[\s,;\-().+]/g, '');
  if (!/^\d+$/.test(digits)) return null;
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  if (digits.length !== 10) return null;
  // NANP: area code and exchange never start with 0 or 1.
  if (digits[0] === '0' || digits[0] === '1' || digits[3] === '0' || digits[3] === '1') return null;
  return `+1${digits}`;
}

export interface DncStreamInput {
  /** The raw bytes (before gunzip). */
  raw: Readable;
  gzip: boolean;
  totalBytes: number;
  /** Bytes consumed from `raw` so far (progress). */
  bytesRead(): number;
}

export async function importDncStream(
  db: Database,
  input: DncStreamInput,
  options: DncFileImportOptions,
): Promise<DncFileImportResult> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 10_000;
  const progress: DncImportProgress = {
    bytesRead: 0,
    totalBytes: input.totalBytes,
    numbers: 0,
    rejected: 0,
    done: false,
  };
  // Progress from the raw stream's own counter: a 'data' listener would switch it to flowing mode
  // and race the async iterator below.
  const source = input.gzip ? input.raw.pipe(createGunzip()) : input.raw;
  if (input.gzip) input.raw.on('error', (e) => source.destroy(e));

  const result = await importRegistry(
    db,
    {
      list: options.list,
      mode: options.mode,
      downloadedAt: options.downloadedAt,
      areaCodes: options.areaCodes,
      force: options.force,
    },
    async (session) => {
      let batch: string[] = [];
      let carry = '';
      const flush = async () => {
        const full = batch;
        batch = [];
        await session.add(full);
        progress.numbers += full.length;
        progress.bytesRead = input.bytesRead();
        options.onProgress?.(progress);
      };
      const take = async (line: string) => {
        const e164 = parseDncLine(line);
        if (!e164) {
          // Blank lines and pure markup (XML envelopes) are not numbers, and not errors either.
          if (line.replace(/<[^>]*>/g, '').trim() !== '') progress.rejected++;
          return;
        }
        batch.push(e164);
        if (batch.length >= batchSize) await flush();
      };
      for await (const chunk of source as AsyncIterable<Buffer>) {
        const lines = (carry + chunk.toString('latin1')).split(/\r?\n/);
        carry = lines.pop() ?? '';
        for (const line of lines) await take(line);
      }
      await take(carry);
      if (batch.length > 0) {
        await session.add(batch);
        progress.numbers += batch.length;
      }
    },
  );
  progress.done = true;
  progress.bytesRead = input.bytesRead();
  if (progress.totalBytes === 0) progress.totalBytes = progress.bytesRead;
  options.onProgress?.(progress);
  return { ...result, rejected: progress.rejected, seconds: (Date.now() - started) / 1000 };
}

export async function importDncFile(
  db: Database,
  file: string,
  options: DncFileImportOptions,
): Promise<DncFileImportResult> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  return importDncStream(
    db,
    { raw, gzip: file.endsWith('.gz'), totalBytes: statSync(file).size, bytesRead: () => raw.bytesRead },
    options,
  );
}
