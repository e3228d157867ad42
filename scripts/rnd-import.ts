/**
 * npm run rnd:import -- <file> [--source NAME] [--checked-at ISO] [--batch-size N] [--url GATEWAY_URL]
 *
 * Note npm's `--` before the file: without it npm swallows the flags (they become npm config), so
 * this script refuses to run when it sees that happened.
 *
 * Loads a bulk FCC Reassigned Numbers Database result file (`tn,date,result` a line, result yes /
 * no / no data; a header line is skipped; .gz read as gzip) into the RUNNING service (any mode, the
 * in-memory database of `npm start` included): the answers go to the gateway (GATEWAY_URL, default
 * http://127.0.0.1:4000) as `recordReassignedResults` mutations of up to 1,000 answers, with the
 * token DIALPLANE_TOKEN (role admin or compliance), or in development an admin token signed with the
 * development JWT secret. Each answer is kept per (number, consent date) like a live RND answer
 * and is shown in decisions as `reassignedCheck` with its source (default: the file's name).
 * Progress on stderr, the summary on stdout; numbers are never printed.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEV_JWT_SECRET, loadConfig, runtimeEnv } from '../shared/config.js';
import { signToken } from '../gateway/dev-tokens.js';
import { importRndResults, type RndImportProgress } from '../subgraphs/consent/admin/rnd-import-client.js';

const USAGE =
  'usage: npm run rnd:import -- <file> [--source NAME] [--checked-at ISO] [--batch-size 1..1000] [--url GATEWAY_URL]';

const Args = z.object({
  file: z.string({ error: 'a result file is required' }).min(1),
  source: z.string().min(1).max(200).optional(),
  checkedAt: z.iso
    .datetime({ offset: true })
    .optional()
    .transform((v) => (v ? new Date(v) : undefined)),
  batchSize: z.coerce.number().int().min(1).max(1_000).default(1_000),
  url: z.url().optional(),
});

const Env = z.object({
  NODE_ENV: runtimeEnv.NODE_ENV,
  GATEWAY_URL: z.url().default('http://127.0.0.1:4000'),
  DIALPLANE_TOKEN: z.string().min(1).optional(),
  JWT_SECRET: z.string().min(32).default(DEV_JWT_SECRET),
  JWT_ISSUER: z.string().default('dialplane'),
  JWT_AUDIENCE: z.string().default('dialplane-api'),
});

function fail(message: string): never {
  console.error(`${USAGE}\n  ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  // npm turns flags given without `--` into npm_config_* variables and drops them from argv.
  const swallowed = ['source', 'checked_at', 'batch_size'].filter((k) => process.env[`npm_config_${k}`] !== undefined);
  if (swallowed.length > 0)
    fail(
      `npm swallowed --${swallowed.join(', --').replace(/_/g, '-')}: put "--" before the file (npm run rnd:import -- <file> --source ...)`,
    );
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      'checked-at': { type: 'string' },
      'batch-size': { type: 'string' },
      url: { type: 'string' },
    },
  });
  if (positionals.length > 1)
    fail(`one file expected, got ${positionals.length} arguments: did npm swallow the flags? put "--" before the file`);
  const parsed = Args.safeParse({
    file: positionals[0],
    source: values.source,
    checkedAt: values['checked-at'],
    batchSize: values['batch-size'],
    url: values.url,
  });
  if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('\n  '));
  const args = parsed.data;
  const env = loadConfig(Env);
  if (!env.DIALPLANE_TOKEN && env.NODE_ENV === 'production')
    fail('DIALPLANE_TOKEN (a JWT with role admin or compliance) is required in production');
  const token =
    env.DIALPLANE_TOKEN ??
    (await signToken(
      { sub: 'rnd-import-cli', roles: ['admin'] },
      { secret: env.JWT_SECRET, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE },
      '1h',
    ));
  const source = args.source ?? `rnd-file:${path.basename(args.file)}`;
  const onProgress = (p: RndImportProgress) =>
    process.stderr.write(
      `${p.recorded.toLocaleString('en-US')} answers recorded, ${p.rejected} rejected lines${p.done ? ' (done)' : ''}\n`,
    );
  const result = await importRndResults({
    gatewayUrl: args.url ?? env.GATEWAY_URL,
    token,
    file: args.file,
    source,
    checkedAt: args.checkedAt,
    batchSize: args.batchSize,
    onProgress,
  });
  console.log(JSON.stringify({ source, ...result, via: 'service' }));
}

main().catch((error: unknown) => {
  const code =
    typeof error === 'object' && error && 'code' in error ? ` [${String((error as { code: unknown }).code)}]` : '';
  console.error(`rnd:import failed${code}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
