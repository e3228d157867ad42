/**
 * npm run dnc:import -- <file> --list national|state:XX|litigator --mode full|add|delete [--downloaded-at ISO] [--force] [--area-codes 212,305] [--url URL] [--direct]
 *
 * Note npm's `--` before the file: without it npm swallows the flags (they become npm config), so
 * this script refuses to run when it sees that happened, and --list and --mode have no defaults.
 *
 * Loads a National DNC Registry download, a state list or the known-litigator list into the
 * RUNNING service (any mode, the in-memory database of `npm start` included): the file is streamed
 * to the gateway's authenticated `POST /admin/dnc-import` (GATEWAY_URL, default
 * http://127.0.0.1:4000; token DIALPLANE_TOKEN, or in development an admin token signed with the
 * development JWT secret), which forwards it to the consent subgraph; progress on stderr, the
 * summary on stdout. `--direct` writes straight to DATABASE_URL / DATA_DIR instead, for loading a
 * database before any service runs. A full list's date is the file's date; a file older than the
 * loaded data needs --force. Numbers are never printed.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEV_JWT_SECRET, loadConfig, runtimeEnv } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { signToken } from '../gateway/dev-tokens.js';
import { importDncFile, type DncImportProgress } from '../subgraphs/consent/dnc-file-import.js';
import { uploadDncFile } from '../subgraphs/consent/admin/dnc-import-client.js';
import { registryListName } from '../subgraphs/consent/store/dnc-registry.js';
import { openConsentDatabase } from '../subgraphs/consent/store/open-consent-db.js';

const USAGE =
  'usage: npm run dnc:import -- <file> --list national|state:XX|litigator --mode full|add|delete [--downloaded-at ISO] [--force] [--area-codes 212,305] [--url GATEWAY_URL] [--direct]';

const Args = z.object({
  file: z.string().min(1),
  list: z.string({ error: 'required (national, state:XX or litigator)' }).transform((v, ctx) => {
    try {
      return registryListName(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  }),
  mode: z.enum(['full', 'add', 'delete'], { error: 'required: full, add or delete' }),
  downloadedAt: z.iso
    .datetime({ offset: true })
    .optional()
    .transform((v) => (v ? new Date(v) : new Date())),
  force: z.boolean().default(false),
  direct: z.boolean().default(false),
  url: z.url().optional(),
  areaCodes: z
    .string()
    .regex(/^\d{3}(,\d{3})*$/)
    .optional()
    .transform((v) => (v ? v.split(',') : undefined)),
});

const Env = z.object({
  ...runtimeEnv,
  GATEWAY_URL: z.url().default('http://127.0.0.1:4000'),
  DIALPLANE_TOKEN: z.string().min(1).optional(),
  JWT_SECRET: z.string().min(32).default(DEV_JWT_SECRET),
  JWT_ISSUER: z.string().default('dialplane'),
  JWT_AUDIENCE: z.string().default('dialplane-api'),
});

function bar(p: DncImportProgress, startedAt: number): string {
  const ratio = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 1;
  const width = 30;
  const filled = Math.round(ratio * width);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${p.numbers.toLocaleString('en-US')} numbers  ${p.rejected} rejected  ${seconds}s`;
}

function fail(message: string): never {
  console.error(`${USAGE}\n  ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  // npm turns flags given without `--` into npm_config_* variables and drops them from argv.
  const swallowed = ['list', 'mode', 'force', 'downloaded_at', 'area_codes', 'direct'].filter(
    (k) => process.env[`npm_config_${k}`] !== undefined,
  );
  if (swallowed.length > 0)
    fail(
      `npm swallowed --${swallowed.join(', --').replace(/_/g, '-')}: put "--" before the file (npm run dnc:import -- <file> --list ...)`,
    );
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      list: { type: 'string' },
      mode: { type: 'string' },
      'downloaded-at': { type: 'string' },
      'area-codes': { type: 'string' },
      force: { type: 'boolean' },
      direct: { type: 'boolean' },
      url: { type: 'string' },
    },
  });
  if (positionals.length > 1)
    fail(`one file expected, got ${positionals.length} arguments: did npm swallow the flags? put "--" before the file`);
  const parsed = Args.safeParse({
    file: positionals[0],
    list: values.list,
    mode: values.mode,
    downloadedAt: values['downloaded-at'],
    areaCodes: values['area-codes'],
    force: values.force,
    direct: values.direct,
    url: values.url,
  });
  if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('\n  '));
  const args = parsed.data;
  const env = loadConfig(Env);
  const startedAt = Date.now();
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  let lastDecile = -1;
  const onProgress = (p: DncImportProgress) => {
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
  };

  let summary: Record<string, unknown>;
  if (args.direct) {
    if (!env.DATABASE_URL && !env.DATA_DIR)
      fail(
        '--direct needs DATABASE_URL or DATA_DIR (an in-memory database would be discarded on exit); without --direct the file goes to the running service',
      );
    const log = createLogger('dnc-import', { level: env.LOG_LEVEL });
    const db = await openConsentDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR, log });
    try {
      const result = await importDncFile(db, args.file, {
        list: args.list,
        mode: args.mode,
        downloadedAt: args.downloadedAt,
        areaCodes: args.areaCodes,
        force: args.force,
        onProgress,
      });
      summary = { ...result, areaCodes: result.areaCodes.length };
    } finally {
      await db.close();
    }
  } else {
    if (!env.DIALPLANE_TOKEN && env.NODE_ENV === 'production')
      fail('DIALPLANE_TOKEN (a JWT with role admin or compliance) is required in production');
    const token =
      env.DIALPLANE_TOKEN ??
      (await signToken(
        { sub: 'dnc-import-cli', roles: ['admin'] },
        { secret: env.JWT_SECRET, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE },
        '1h',
      ));
    const result = await uploadDncFile({
      gatewayUrl: args.url ?? env.GATEWAY_URL,
      token,
      file: args.file,
      list: args.list,
      mode: args.mode,
      downloadedAt: args.downloadedAt,
      force: args.force,
      areaCodes: args.areaCodes,
      onProgress,
    });
    summary = { ...result };
  }
  if (tty) process.stderr.write('\n');
  const { numbers, rejected, removed, areaCodes, seconds } = summary as Record<string, number>;
  console.log(
    JSON.stringify({
      list: args.list,
      mode: args.mode,
      downloadedAt: args.downloadedAt.toISOString(),
      numbers,
      rejected,
      removed,
      areaCodes,
      seconds,
      via: args.direct ? 'database' : 'service',
    }),
  );
}

main().catch((error: unknown) => {
  const code =
    typeof error === 'object' && error && 'code' in error ? ` [${String((error as { code: unknown }).code)}]` : '';
  console.error(`dnc:import failed${code}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
