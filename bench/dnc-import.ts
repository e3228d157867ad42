/**
 * The registry-import benchmark (issue 11): a generated full national DNC file streamed through the
 * running service exactly as `npm run dnc:import` does it: the CLI's client (`uploadDncFile`) POSTs
 * the file to the gateway's `/admin/dnc-import` (JWT checked, role admin), which streams it to the
 * consent subgraph's import route, which writes it to its database in batches. Reports wall time,
 * numbers per second and the process's peak RSS, against the target of < 60 s for 1,000,000 numbers.
 *
 * Runs on the embedded database (in-memory PGlite, as `npm start`), and on a throw-away PostgreSQL
 * database when one answers (BENCH_DATABASE_URL, else the local default). Everything runs in this
 * process; the client only pipes a file, so the figure is the service's.
 *
 *   npm run bench -- dnc-import                         // 1,000,000 numbers
 *   BENCH_DNC_NUMBERS=20000 npm run bench -- dnc-import // a quick check that it works
 *   node dist/bench/dnc-import.js [--numbers=N]
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DEV_INTERNAL_SECRET, DEV_JWT_SECRET } from '../shared/config.js';
import { silentLogger } from '../shared/logger.js';
import { createMetrics } from '../shared/metrics.js';
import { composeSupergraph, readSubgraphSdls } from '../gateway/compose-supergraph.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { signToken } from '../gateway/dev-tokens.js';
import { startGateway } from '../gateway/server.js';
import { uploadDncFile } from '../subgraphs/consent/admin/dnc-import-client.js';
import { startConsentSubgraph } from '../subgraphs/consent/server.js';
import { openConsentDatabase } from '../subgraphs/consent/store/open-consent-db.js';
import type { Report } from './index.js';

const ROOT = process.cwd();
const JWT = { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' };
const TARGET_SECONDS = 60;

/** How many numbers: `--numbers=N`, else BENCH_DNC_NUMBERS, else a full national-size file. */
export function numbersWanted(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): number {
  const flag = argv.find((a) => a.startsWith('--numbers='))?.slice('--numbers='.length) ?? env.BENCH_DNC_NUMBERS;
  const n = flag === undefined ? 1_000_000 : Number(flag);
  if (!Number.isInteger(n) || n < 1 || n > 50_000_000)
    throw new Error(`numbers must be an integer in 1..50,000,000 (got ${flag})`);
  return n;
}

/**
 * A registry file of `count` distinct, valid NANP numbers (area codes 201–800), one 10-digit number a
 * line (the FTC's layout), spread over 600 area codes as a national file is; `from` skips the first
 * numbers of the sequence, so two files can hold disjoint numbers. Written in 1 MiB chunks.
 */
export async function writeNationalFile(file: string, count: number, from = 0): Promise<number> {
  const out = createWriteStream(file);
  let chunk = '';
  for (let i = from; i < from + count; i++) {
    const rest = Math.floor(i / 600);
    const npa = 201 + (i % 600);
    const exchange = 200 + (rest % 800);
    const line = Math.floor(rest / 800) % 10_000;
    chunk += `${npa}${exchange}${String(line).padStart(4, '0')}\n`;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return statSync(file).size;
}

interface Target {
  name: string;
  databaseUrl?: string;
  drop?: () => Promise<void>;
}

async function throwAwayPostgres(serverUrl: string): Promise<Target | null> {
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 2_000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const name = `dialplane_bench_dnc_${randomBytes(4).toString('hex')}`;
  try {
    await admin(`CREATE DATABASE ${name}`);
  } catch {
    return null;
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name: 'postgresql',
    databaseUrl: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Consent (on the target's database) + gateway in this process; the file through the gateway's door. */
async function importThroughService(
  target: Target,
  file: string,
  count: number,
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const db = await openConsentDatabase(target.databaseUrl ? { url: target.databaseUrl } : {});
    closers.push(() => db.close());
    const consent = await startConsentSubgraph(
      {
        port: 0,
        nodeEnv: 'production',
        logLevel: 'silent',
        internalSecret: DEV_INTERNAL_SECRET,
        revocationPollMs: 60_000,
      },
      { log: silentLogger, metrics: createMetrics('consent-bench-dnc', { collectDefault: false }), db },
    );
    closers.push(() => consent.close());
    const composition = composeSupergraph(readSubgraphSdls(ROOT));
    if (!composition.ok) throw new Error(`composition failed: ${composition.errors.join('; ')}`);
    const supergraphPath = path.join(mkdtempSync(path.join(os.tmpdir(), 'dnc-bench-')), 'supergraph.graphql');
    writeFileSync(supergraphPath, composition.supergraphSdl);
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GATEWAY_PORT: '0',
      SUPERGRAPH_PATH: supergraphPath,
      // No CRM is read on this path; the gateway only needs somewhere to route them.
      CRM_SUBGRAPHS: 'hubspot=http://127.0.0.1:9/graphql',
      CONSENT_SUBGRAPH_URL: consent.url,
      JWT_SECRET: DEV_JWT_SECRET,
      DIALPLANE_INTERNAL_SECRET: DEV_INTERNAL_SECRET,
    } as NodeJS.ProcessEnv);
    const gateway = await startGateway(
      { ...config, development: false },
      { log: silentLogger, collectDefaultMetrics: false },
    );
    closers.push(() => gateway.close());
    const token = await signToken({ sub: 'bench-admin', roles: ['admin'] }, JWT, '2h');

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
    let lastLogged = 0;
    const started = performance.now();
    const result = await uploadDncFile({
      gatewayUrl: gateway.url,
      token,
      file,
      list: 'national',
      mode: 'full',
      downloadedAt: new Date(),
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastLogged < 10_000 || p.done) return;
        lastLogged = now;
        log(
          `  ${target.name}: ${p.numbers.toLocaleString('en-US')} numbers after ${((now - started) / 1000).toFixed(0)} s`,
        );
      },
    }).finally(() => clearInterval(sampler));
    const seconds = (performance.now() - started) / 1000;
    const figures = {
      database: target.name,
      numbers: result.numbers,
      rejected: result.rejected,
      seconds: Number(seconds.toFixed(2)),
      numbersPerSecond: Math.round(result.numbers / seconds),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      target: `< ${TARGET_SECONDS} s for 1,000,000 numbers`,
      // Scaled to a full file when a smaller one was asked for (--numbers): linear in the count.
      projectedSecondsFor1M: Number(((seconds * 1_000_000) / count).toFixed(1)),
      met: (seconds * 1_000_000) / count < TARGET_SECONDS,
    };
    log(
      `${target.name}: ${figures.numbers.toLocaleString('en-US')} numbers in ${figures.seconds} s (${figures.numbersPerSecond.toLocaleString('en-US')}/s, peak RSS ${figures.peakRssMiB} MiB); 1,000,000 at this rate: ${figures.projectedSecondsFor1M} s, target < ${TARGET_SECONDS} s ${figures.met ? 'MET' : 'NOT MET'}`,
    );
    if (result.numbers !== count) throw new Error(`imported ${result.numbers} of ${count} numbers`);
    return figures;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

export async function run(report: Report, options: { numbers?: number } = {}): Promise<void> {
  const log = (line: string) => console.log(`[dnc-import] ${line}`);
  const count = options.numbers ?? numbersWanted();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dnc-bench-file-'));
  const file = path.join(dir, 'national.txt');
  try {
    const t = performance.now();
    const bytes = await writeNationalFile(file, count);
    log(
      `generated ${count.toLocaleString('en-US')} numbers (${(bytes / 2 ** 20).toFixed(1)} MiB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const targets: Target[] = [{ name: 'pglite-embedded' }];
    const postgres = await throwAwayPostgres(
      process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    );
    if (postgres) targets.push(postgres);
    else log('PostgreSQL does not answer: embedded database only');
    for (const target of targets) {
      try {
        report('dnc-import', await importThroughService(target, file, count, log));
      } finally {
        await target.drop?.().catch(() => undefined);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await run((section, data) => console.log(JSON.stringify({ section, ...data })));
  process.exit(0);
}
