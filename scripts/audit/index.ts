/**
 * `npm run audit -- [--out DIR] [--crm salesforce,hubspot] [--consent-max-age-days N]
 *                   [--salesforce-rate 25/1000] [--hubspot-rate 100/10000] [--apply-backfill]`
 *
 * The pre-deployment data audit (docs/audit.md): pages through every contact of every configured
 * CRM with the official clients, checks them against the consent store (DATABASE_URL, else the
 * PGlite directory DATA_DIR), and writes `audit.json`, `audit.html` and one CSV per list to
 * `--out`. Interrupted, it resumes from `--out`/checkpoint.json. With `--apply-backfill` the
 * CRMs' do-not-call flags missing from the ledger are written into it (idempotent). Progress on
 * stderr; personal data never goes to the terminal or the logs, only into the report files.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { crmClientEnv, loadConfig, runtimeEnv, webhookSecretEnv } from '../../shared/config.js';
import { CRM_NAMES } from '../../crm/registry.js';
import { currentPolicy } from '../../subgraphs/consent/policy/index.js';
import { openConsentDatabase } from '../../subgraphs/consent/store/open-consent-db.js';
import { runAudit, type AuditProgress } from './run-audit.js';
import { createHubspotAuditSource } from './sources/hubspot-source.js';
import { createSalesforceAuditSource } from './sources/salesforce-source.js';
import type { AuditSource } from './sources/audit-source.js';

const rate = z
  .string()
  .regex(/^\d+\/\d+$/, 'limit/windowMs, e.g. 100/10000')
  .transform((v) => {
    const [limit, windowMs] = v.split('/').map(Number);
    return { limit: limit!, windowMs: windowMs! };
  });

const Args = z.object({
  out: z.string().min(1).default('audit-output'),
  crm: z
    .string()
    .default(CRM_NAMES.join(','))
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(CRM_NAMES)).min(1)),
  consentMaxAgeDays: z.coerce.number().int().positive().default(540),
  salesforceRate: rate.default({ limit: 25, windowMs: 1_000 }),
  hubspotRate: rate.default({ limit: 100, windowMs: 10_000 }),
  applyBackfill: z.boolean().default(false),
});

const Env = z.object({
  DATABASE_URL: runtimeEnv.DATABASE_URL,
  DATA_DIR: runtimeEnv.DATA_DIR,
  ...crmClientEnv,
  HUBSPOT_CLIENT_SECRET: webhookSecretEnv.HUBSPOT_CLIENT_SECRET,
});

function progressLine(p: AuditProgress): string {
  const eta = p.etaSeconds === null ? '?' : `${Math.ceil(p.etaSeconds)}s`;
  const of = p.total === null ? '' : ` / ${p.total.toLocaleString('en-US')}`;
  return `${p.crm}: ${p.contacts.toLocaleString('en-US')}${of} contacts  ${p.perSecond.toFixed(0)}/s  ETA ${eta}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      crm: { type: 'string' },
      'consent-max-age-days': { type: 'string' },
      'salesforce-rate': { type: 'string' },
      'hubspot-rate': { type: 'string' },
      'apply-backfill': { type: 'boolean' },
    },
  });
  const parsed = Args.safeParse({
    out: values.out,
    crm: values.crm,
    consentMaxAgeDays: values['consent-max-age-days'],
    salesforceRate: values['salesforce-rate'],
    hubspotRate: values['hubspot-rate'],
    applyBackfill: values['apply-backfill'],
  });
  if (!parsed.success) {
    console.error(z.prettifyError(parsed.error));
    process.exit(2);
  }
  const args = parsed.data;
  const env = loadConfig(Env);
  const sources: AuditSource[] = args.crm.map((crm) =>
    crm === 'salesforce'
      ? createSalesforceAuditSource({
          loginUrl: env.SALESFORCE_LOGIN_URL,
          instanceUrl: env.SALESFORCE_INSTANCE_URL,
          clientId: env.SALESFORCE_CLIENT_ID,
          clientSecret: env.SALESFORCE_CLIENT_SECRET,
          apiVersion: env.SALESFORCE_API_VERSION,
          rate: args.salesforceRate,
        })
      : createHubspotAuditSource({
          baseUrl: env.HUBSPOT_BASE_URL,
          accessToken: env.HUBSPOT_ACCESS_TOKEN,
          clientSecret: env.HUBSPOT_CLIENT_SECRET,
          rate: args.hubspotRate,
        }),
  );
  if (!env.DATABASE_URL && !env.DATA_DIR) {
    console.error(
      'note: no DATABASE_URL or DATA_DIR: the consent store is empty, so every number reports as without consent and unlisted.',
    );
  }
  const db = await openConsentDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR });
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  try {
    const run = await runAudit({
      sources,
      consentDb: db,
      outDir: args.out,
      policy: { consentMaxAgeDays: args.consentMaxAgeDays },
      applyBackfill: args.applyBackfill ? { db, policy: currentPolicy } : undefined,
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r${progressLine(p)}\x1b[K`);
        else if (Date.now() - lastPrint > 2_000) {
          lastPrint = Date.now();
          process.stderr.write(`${progressLine(p)}\n`);
        }
      },
    });
    if (tty) process.stderr.write('\n');
    const t = run.result.total;
    console.log(
      JSON.stringify(
        {
          complete: run.complete,
          contacts: Object.fromEntries(run.result.crms.map((c) => [c, run.result.perCrm[c]!.contacts])),
          duplicateRecords: t.duplicateRecords,
          crossCrmPeople: t.crossCrmPeople,
          findings: t.byCategory,
          backfill: run.backfill ?? { dryRun: run.result.backfill.length },
          calls: Object.fromEntries(Object.entries(run.result.calls).map(([c, v]) => [c, v.used])),
          json: run.files.json,
          html: run.files.html,
        },
        null,
        2,
      ),
    );
  } finally {
    await Promise.all(sources.map((s) => s.close()));
    await db.close();
  }
}

await main();
