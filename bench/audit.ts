/**
 * `npm run bench -- audit` (issue 13): the pre-deployment audit of AUDIT_BENCH_CONTACTS (100,000)
 * contacts per CRM against both simulators at their default latency and rate limits, as
 * `npm run audit` runs it: the official clients, the audit's own pacing, the consent store on
 * PostgreSQL (BENCH_DATABASE_URL, a throw-away database; without a server, no consent store and a
 * note). Three processes, so each one's memory is its own: the simulators, the audit, this one.
 *
 * Reported: wall clock per CRM and contacts/s; two floors and the ratio to the larger: the one
 * each CRM's rate limit sets (pages the audit must read ÷ calls the limit allows per second) and
 * the one cursor paging sets (pages × one page's latency, measured here: a page's cursor comes
 * with the page before it, so pages of one listing cannot overlap); CRM calls used and their
 * share of each CRM's daily API budget; the audit process's peak RSS (VmHWM).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serveIfChild, serveUntilParentLeaves, startChild, stopChild } from './child-process.js';
import { BENCH_POSTGRES_URL, reachable, throwAwayDatabase } from './bench-services.js';
import { fmt } from './load.js';
import type { Report } from './index.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const CONTACTS = Number(process.env.AUDIT_BENCH_CONTACTS ?? 100_000);
/** The audit's default pacing (scripts/audit/index.ts): HubSpot's lowest tier, Salesforce's concurrency-safe rate. */
const HUBSPOT_RATE = { limit: 100, windowMs: 10_000 };
const SALESFORCE_RATE = { limit: 25, windowMs: 1_000 };
const HUBSPOT_PAGE = 100;
const SALESFORCE_PAGE = 2_000;
/** Daily API budgets: HubSpot private app on Professional (250,000/day); Salesforce Enterprise with 10 licences (100,000 + 10 × 1,000). */
const DAILY_BUDGET = { hubspot: 250_000, salesforce: 110_000 } as const;

interface AuditChildResult {
  perCrm: Record<string, { contacts: number; seconds: number }>;
  calls: Record<string, number>;
  peakRssMb: number;
  complete: boolean;
}

/** Median latency (s) of one contacts page of each simulator, as the audit requests them. */
async function pageLatencies(
  salesforceUrl: string,
  hubspotUrl: string,
): Promise<{ salesforce: { first: number; page: number }; hubspot: number }> {
  const median = async (call: () => Promise<Response>) => {
    const samples: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const res = await call();
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`page probe answered ${res.status}`);
      samples.push((performance.now() - t0) / 1000);
    }
    return samples.sort((a, b) => a - b)[3]!;
  };
  const token = (await (
    await fetch(`${salesforceUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'dialplane-dev',
        client_secret: 'dev-salesforce-secret',
      }),
    })
  ).json()) as { access_token: string };
  const soql = encodeURIComponent(
    'SELECT Id, FirstName, LastName, Email, Phone, MobilePhone, MailingState, MailingPostalCode, MailingCountry, DoNotCall FROM Contact',
  );
  const auth = { headers: { authorization: `Bearer ${token.access_token}` } };
  // A SOQL listing is one query, then queryMore pages by cursor: the first page evaluates the whole
  // query, the rest are read from its cursor. Floor = first page + (pages - 1) × a cursor page.
  const first = (await (await fetch(`${salesforceUrl}/services/data/v62.0/query?q=${soql}`, auth)).json()) as {
    nextRecordsUrl?: string;
  };
  let next = first.nextRecordsUrl;
  const firstPage = await median(() => fetch(`${salesforceUrl}/services/data/v62.0/query?q=${soql}`, auth));
  const cursorPage = next
    ? await median(async () => {
        const res = await fetch(`${salesforceUrl}${next}`, auth);
        const clone = res.clone();
        next = ((await clone.json()) as { nextRecordsUrl?: string }).nextRecordsUrl ?? next;
        return res;
      })
    : firstPage;
  return {
    salesforce: { first: firstPage, page: cursorPage },
    hubspot: await median(() =>
      fetch(
        `${hubspotUrl}/crm/v3/objects/contacts?limit=${HUBSPOT_PAGE}&properties=firstname,lastname,phone,mobilephone`,
        { headers: { authorization: 'Bearer dev-hubspot-token' } },
      ),
    ),
  };
}

/** Runs the audit in its own process; resolves with what it printed as its result line. */
function runAuditChild(args: {
  salesforceUrl: string;
  hubspotUrl: string;
  databaseUrl?: string;
  outDir: string;
}): Promise<AuditChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, THIS_FILE, '--audit', JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = readline.createInterface({ input: proc.stdout! });
    let result: AuditChildResult | undefined;
    lines.on('line', (line) => {
      if (line.startsWith('{"perCrm"')) result = JSON.parse(line) as AuditChildResult;
      else console.log(`  ${line}`);
    });
    proc.once('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`audit child exited with ${code}`)),
    );
  });
}

export async function run(report: Report): Promise<void> {
  const log = (line: string) => console.log(line);
  const database = (await reachable(BENCH_POSTGRES_URL)) ? await throwAwayDatabase('audit') : undefined;
  if (!database)
    log(
      `note: PostgreSQL does not answer at ${new URL(BENCH_POSTGRES_URL).host}: the audit runs without a consent store`,
    );
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'dialplane-audit-bench-'));
  const sims = await startChild(THIS_FILE, 'sims', { contacts: String(CONTACTS) }, { timeoutMs: 300_000 });
  try {
    const [salesforceUrl, hubspotUrl] = sims.url.split(' ') as [string, string];
    log(
      `audit bench: ${CONTACTS.toLocaleString('en-US')} contacts per CRM, simulators at default latency, consent store ${database ? 'PostgreSQL' : 'none'}`,
    );
    const pageLatencyS = await pageLatencies(salesforceUrl, hubspotUrl);
    const started = performance.now();
    const result = await runAuditChild({
      salesforceUrl,
      hubspotUrl,
      outDir,
      ...(database ? { databaseUrl: database.url } : {}),
    });
    const wallS = (performance.now() - started) / 1000;
    const floors = {
      // The pages the audit must read, at the most calls per second its pacing (the CRM's limit) allows.
      hubspot: Math.ceil(CONTACTS / HUBSPOT_PAGE) / (HUBSPOT_RATE.limit / (HUBSPOT_RATE.windowMs / 1000)),
      salesforce: Math.ceil(CONTACTS / SALESFORCE_PAGE) / (SALESFORCE_RATE.limit / (SALESFORCE_RATE.windowMs / 1000)),
    };
    const pages = { hubspot: Math.ceil(CONTACTS / HUBSPOT_PAGE), salesforce: Math.ceil(CONTACTS / SALESFORCE_PAGE) };
    for (const crm of ['salesforce', 'hubspot'] as const) {
      const r = result.perCrm[crm];
      if (!r) continue;
      const calls = result.calls[crm] ?? 0;
      const latency = pageLatencyS[crm];
      const pagingFloor =
        typeof latency === 'number' ? pages[crm] * latency : latency.first + (pages[crm] - 1) * latency.page;
      const floor = Math.max(floors[crm], pagingFloor);
      log(
        `${crm}: ${r.contacts.toLocaleString('en-US')} contacts in ${fmt(r.seconds, 1)} s (${fmt(r.contacts / r.seconds, 0)} contacts/s); ` +
          `floors: rate limit ${fmt(floors[crm], 1)} s, cursor paging ${fmt(pagingFloor, 1)} s (${pages[crm]} pages, ${typeof latency === 'number' ? `${fmt(latency * 1000, 0)} ms each` : `first ${fmt(latency.first * 1000, 0)} ms, then ${fmt(latency.page * 1000, 0)} ms each`}); ` +
          `×${fmt(r.seconds / floor)} the larger (target ≤ 1.2); ${calls} CRM calls = ` +
          `${fmt((calls / DAILY_BUDGET[crm]) * 100 * (100_000 / r.contacts), 3)} % of a ${DAILY_BUDGET[crm].toLocaleString('en-US')}/day budget per 100,000 contacts (target ≤ 2 %)`,
      );
    }
    log(
      `audit process peak RSS ${fmt(result.peakRssMb, 0)} MB (target < 300 MB); wall clock ${fmt(wallS, 1)} s in all; complete: ${result.complete}`,
    );
    report('audit', {
      contacts: CONTACTS,
      wallS,
      floorsS: floors,
      pageLatencyS,
      ...result,
      consentStore: database ? 'postgres' : 'none',
    });
  } finally {
    await stopChild(sims.proc);
    rmSync(outDir, { recursive: true, force: true });
    await database?.drop();
  }
}

/** Child: both simulators with `contacts` each; the "url" is both base URLs, space-separated. */
async function serve(component: string, args: Record<string, string>): Promise<void> {
  if (component !== 'sims') throw new Error(`unknown component ${component}`);
  const { startSalesforceSim } = await import('../sim/salesforce/server.js');
  const { startHubspotSim } = await import('../sim/hubspot/server.js');
  const contacts = Number(args.contacts);
  const salesforce = await startSalesforceSim({ port: 0, contacts });
  const hubspot = await startHubspotSim({ port: 0, contacts });
  serveUntilParentLeaves(`${salesforce.url} ${hubspot.url}`, async () => {
    await salesforce.close();
    await hubspot.close();
  });
}

/** Child: the audit itself, as `npm run audit` runs it. */
async function audit(args: {
  salesforceUrl: string;
  hubspotUrl: string;
  databaseUrl?: string;
  outDir: string;
}): Promise<void> {
  const { runAudit } = await import('../scripts/audit/run-audit.js');
  const { createSalesforceAuditSource } = await import('../scripts/audit/sources/salesforce-source.js');
  const { createHubspotAuditSource } = await import('../scripts/audit/sources/hubspot-source.js');
  const { openConsentDatabase } = await import('../subgraphs/consent/store/open-consent-db.js');
  const sources = [
    createSalesforceAuditSource({
      loginUrl: args.salesforceUrl,
      instanceUrl: args.salesforceUrl,
      clientId: 'dialplane-dev',
      clientSecret: 'dev-salesforce-secret',
      apiVersion: '62.0',
      rate: SALESFORCE_RATE,
    }),
    createHubspotAuditSource({
      baseUrl: args.hubspotUrl,
      accessToken: 'dev-hubspot-token',
      clientSecret: 'dev-hubspot-client-secret',
      rate: HUBSPOT_RATE,
    }),
  ];
  const db = args.databaseUrl ? await openConsentDatabase({ url: args.databaseUrl }) : null;
  const lastSeen: Record<string, { contacts: number; perSecond: number }> = {};
  let lastPrint = 0;
  const run = await runAudit({
    sources,
    consentDb: db,
    outDir: args.outDir,
    policy: { consentMaxAgeDays: 540 },
    onProgress: (p) => {
      lastSeen[p.crm] = { contacts: p.contacts, perSecond: p.perSecond };
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        console.log(`${p.crm}: ${p.contacts.toLocaleString('en-US')} contacts, ${p.perSecond.toFixed(0)}/s`);
      }
    },
  });
  await Promise.all(sources.map((s) => s.close()));
  await db?.close();
  const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  // Each CRM's time is its contact listing, from the first page's request to the last page's
  // analysis (the audit's own rate; the closed-won look-up before it is not paging).
  const perCrm = Object.fromEntries(
    Object.entries(lastSeen).map(([crm, last]) => [
      crm,
      { contacts: last.contacts, seconds: last.contacts / last.perSecond },
    ]),
  );
  const result: AuditChildResult = {
    perCrm,
    calls: Object.fromEntries(Object.entries(run.result.calls).map(([crm, c]) => [crm, c.used])),
    peakRssMb: peak ? Number(peak[1]) / 1024 : NaN,
    complete: run.complete,
  };
  console.log(JSON.stringify(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--audit');
  if (at > 0) {
    audit(JSON.parse(process.argv[at + 1]!) as Parameters<typeof audit>[0]).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  } else serveIfChild(serve);
}
