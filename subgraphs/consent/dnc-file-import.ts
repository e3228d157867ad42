import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Database } from '../../shared/db.js';
import { importRegistry, type ImportMode, type ImportResult } from './store/dnc-registry.js';

/**
 * Streams a registry file into the DNC mirror with bounded memory: the file is read chunk by chunk
 * (async iteration honours back-pressure), numbers go to the database in batches of `batchSize`,
 * and only the current batch is ever held. Layouts (D2): one 10-digit number a line, or
 * `areacode,number`; an optional leading 1/+1; XML is read by stripping tags; `.gz` is gunzipped.
 */

export interface DncFileImportOptions {
  list: string;
  mode: ImportMode;
  downloadedAt: Date;
  areaCodes?: string[];
  batchSize?: number;
  onProgress?: (p: DncImportProgress) => void;
}

export interface DncImportProgress {
  bytesRead: number;
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

export async function importDncFile(db: Database, file: string, options: DncFileImportOptions): Promise<DncFileImportResult> {
  const started = Date.now();
  const totalBytes = statSync(file).size;
  const batchSize = options.batchSize ?? 10_000;
  const progress: DncImportProgress = { bytesRead: 0, totalBytes, numbers: 0, rejected: 0, done: false };
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  // Progress from the file stream's own counter: a 'data' listener would switch it to flowing
  // mode and race the async iterator below.
  const source = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;

  const result = await importRegistry(
    db,
    { list: options.list, mode: options.mode, downloadedAt: options.downloadedAt, areaCodes: options.areaCodes },
    async (session) => {
      let batch: string[] = [];
      let carry = '';
      const take = async (line: string) => {
        // Blank lines and pure markup (XML envelopes) are not numbers, and not errors either.
        if (line.replace(/<[^>]*>/g, '').trim() === '') return;
        const e164 = parseDncLine(line);
        if (!e164) {
          progress.rejected++;
          return;
        }
        batch.push(e164);
        if (batch.length >= batchSize) {
          const full = batch;
          batch = [];
          await session.add(full);
          progress.numbers += full.length;
          progress.bytesRead = raw.bytesRead;
          options.onProgress?.(progress);
        }
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
  progress.bytesRead = totalBytes;
  options.onProgress?.(progress);
  return { ...result, rejected: progress.rejected, seconds: (Date.now() - started) / 1000 };
}
