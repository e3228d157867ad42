/**
 * `npm run dnc:import <file> [--list national|state:XX] [--mode full|add|delete] [--downloaded-at ISO] [--area-codes 212,305]`
 *
 * Loads a National DNC Registry (or state list) download into the consent subgraph's database
 * (DATABASE_URL, else the PGlite directory DATA_DIR). Full lists replace the area codes they
 * cover; change lists add or delete numbers. Progress goes to stderr, the summary to stdout.
 * Numbers are never printed.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig, runtimeEnv } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { importDncFile, type DncImportProgress } from '../subgraphs/consent/dnc-file-import.js';
import { registryListName as listName } from '../subgraphs/consent/store/dnc-registry.js';
import { openConsentDatabase } from '../subgraphs/consent/store/open-consent-db.js';

const USAGE = 'usage: npm run dnc:import <file> [--list national|state:XX] [--mode full|add|delete] [--downloaded-at ISO] [--area-codes 212,305]';

const Args = z.object({
  file: z.string().min(1),
  list: z.string().default('national').transform((v, ctx) => {
    try {
      return listName(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  }),
  mode: z.enum(['full', 'add', 'delete']).default('full'),
  downloadedAt: z.iso.datetime({ offset: true }).optional().transform((v) => (v ? new Date(v) : new Date())),
  areaCodes: z
    .string()
    .regex(/^\d{3}(,\d{3})*$/)
    .optional()
    .transform((v) => (v ? v.split(',') : undefined)),
});

function bar(p: DncImportProgress, startedAt: number): string {
  const ratio = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 1;
  const width = 30;
  const filled = Math.round(ratio * width);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${p.numbers.toLocaleString('en-US')} numbers  ${p.rejected} rejected  ${seconds}s`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { list: { type: 'string' }, mode: { type: 'string' }, 'downloaded-at': { type: 'string' }, 'area-codes': { type: 'string' } },
  });
  const parsed = Args.safeParse({ file: positionals[0], list: values.list, mode: values.mode, downloadedAt: values['downloaded-at'], areaCodes: values['area-codes'] });
  if (!parsed.success) {
    console.error(`${USAGE}\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
    process.exit(2);
  }
  const args = parsed.data;
  const env = loadConfig(z.object(runtimeEnv));
  const log = createLogger('dnc-import', { level: env.LOG_LEVEL });
  if (!env.DATABASE_URL && !env.DATA_DIR) {
    console.error('warning: neither DATABASE_URL nor DATA_DIR is set: importing into an in-memory database that is discarded on exit');
  }
  const db = await openConsentDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR, log });
  const startedAt = Date.now();
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  let lastDecile = -1;
  try {
    const result = await importDncFile(db, args.file, {
      list: args.list,
      mode: args.mode,
      downloadedAt: args.downloadedAt,
      areaCodes: args.areaCodes,
      onProgress: (p) => {
        const now = Date.now();
        if (tty) {
          if (p.done || now - lastDraw > 100) {
            process.stderr.write(`\r${bar(p, startedAt)}`);
            lastDraw = now;
          }
        } else {
          const decile = Math.floor((p.bytesRead / Math.max(1, p.totalBytes)) * 10);
          if (decile > lastDecile || p.done) {
            process.stderr.write(`${bar(p, startedAt)}\n`);
            lastDecile = decile;
          }
        }
      },
    });
    if (tty) process.stderr.write('\n');
    console.log(
      JSON.stringify({ list: args.list, mode: args.mode, downloadedAt: args.downloadedAt.toISOString(), numbers: result.numbers, rejected: result.rejected, removed: result.removed, areaCodes: result.areaCodes.length, seconds: result.seconds }),
    );
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(`dnc:import failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
