/**
 * The engagement benchmark (issue 6), one run, baselines measured beside each figure:
 *   1. `recordCallOutcome` acknowledgment through the gateway at a steady 100 req/s (open loop),
 *      half Salesforce and half HubSpot contacts, with the CRMs healthy, slow (1 s a request) and
 *      down (outage knob); p50/p99 of each and their ratio to the healthy run. Baseline: the same
 *      mutation straight at the engagement subgraph while healthy. The write-back worker runs in
 *      the same process throughout, as in `npm start`.
 *   2. Write-back throughput per CRM against the simulator's rate limit: a backlog of outcomes,
 *      our share configured at the CRM's limit; accepted CRM requests per second vs the limit,
 *      and outcomes written per second.
 * Everything shares the 2 cores with the load generator, so absolute numbers are pessimistic.
 *
 *   run(report)                          // bench/index.ts (`npm run bench -- engagement`)
 *   node dist/bench/engagement.js        // alone; DATABASE_URL used when set (else PGlite)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_INTERNAL_SECRET, DEV_JWT_SECRET } from '../shared/config.js';
import { IDENTITY_HEADER, signIdentity, type Identity } from '../shared/identity.js';
import { silentLogger } from '../shared/logger.js';
import { composeSupergraph, readSubgraphSdls } from '../gateway/compose-supergraph.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { signToken } from '../gateway/dev-tokens.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';
import { startHubspotSim, type HubspotSim } from '../sim/hubspot/server.js';
import { startSalesforceSim, type SalesforceSim } from '../sim/salesforce/server.js';
import type { ConsentClient } from '../subgraphs/engagement/worker/consent-client.js';
import type { EngagementConfig } from '../subgraphs/engagement/config.js';
import { callOutcomeInput } from '../subgraphs/engagement/intake/outcome.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../subgraphs/engagement/server.js';
import { destroyAgents, fmt, openLoop, statLine, type LatencyStats, type RequestSpec } from './load.js';

const ROOT = process.cwd();
const JWT = { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' };
const AGENT: Identity = { sub: 'bench-agent', roles: ['agent'], seller: 'acme' };
const HUBSPOT_CONTACTS = ['101', '103', '104', '105'];
const HUBSPOT_LIMIT = { limit: 100, windowMs: 10_000 };
const SALESFORCE_LIMIT = { limit: 50, windowMs: 1_000 };
const MUTATION = 'mutation($input: CallOutcomeInput!) { recordCallOutcome(input: $input) { id status } }';

/** The consent ledger is another subgraph; opt-outs are not part of this benchmark. */
const noConsent: ConsentClient = { revoke: async () => {} };

function engagementConfig(
  sf: SalesforceSim,
  hs: HubspotSim,
  rates: EngagementConfig['policy']['rateLimits'],
  databaseUrl?: string,
): EngagementConfig {
  return {
    port: 0,
    logLevel: 'silent',
    databaseUrl,
    internalSecret: DEV_INTERNAL_SECRET,
    webhookSecret: 'bench-call-webhook-secret',
    consentUrl: 'http://127.0.0.1:9/graphql',
    runWorker: true,
    crm: {
      salesforce: {
        loginUrl: sf.url,
        instanceUrl: sf.url,
        clientId: 'dialplane-dev',
        clientSecret: 'dev-salesforce-secret',
        apiVersion: '62.0',
      },
      hubspot: { baseUrl: hs.url, accessToken: 'dev-hubspot-token' },
    },
    policy: {
      maxAttempts: 20,
      retryDelaySeconds: 1,
      maxRetryDelaySeconds: 5,
      maintenanceIntervalSeconds: 5,
      jobTimeoutSeconds: 30,
      concurrency: 16,
      pollIntervalMs: 500,
      rateLimits: rates,
      pendingAlertMs: 15 * 60_000,
      readYourWritesGraceMs: 10_000,
    },
  };
}

async function salesforceContactIds(sf: SalesforceSim, n: number): Promise<string[]> {
  const auth = await fetch(`${sf.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'dialplane-dev',
      client_secret: 'dev-salesforce-secret',
    }),
  });
  const { access_token } = (await auth.json()) as { access_token: string };
  const res = await fetch(
    `${sf.url}/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id FROM Contact LIMIT ${n}`)}`,
    { headers: { authorization: `Bearer ${access_token}` } },
  );
  return ((await res.json()) as { records: { Id: string }[] }).records.map((r) => r.Id);
}

function outcomeBody(i: number, sfIds: string[], run: string): string {
  const contactId =
    i % 2 === 0
      ? `salesforce:${sfIds[(i / 2) % sfIds.length]}`
      : `hubspot:${HUBSPOT_CONTACTS[((i - 1) / 2) % HUBSPOT_CONTACTS.length]}`;
  return JSON.stringify({
    query: MUTATION,
    variables: {
      input: {
        contactId,
        callId: `bench-${run}-${i}`,
        decisionId: randomUUID(),
        idempotencyKey: `bench-${run}-${i}-${randomUUID()}`,
        disposition: i % 3 === 0 ? 'VOICEMAIL' : 'CONNECTED',
        summary: 'benchmark call',
        intentStage: 'ENGAGED',
        durationSeconds: 30,
        occurredAt: new Date().toISOString(),
      },
    },
  });
}

async function startGatewayFor(engagement: RunningEngagementSubgraph): Promise<RunningGateway> {
  const composition = composeSupergraph(readSubgraphSdls(ROOT));
  if (!composition.ok) throw new Error(`composition failed: ${composition.errors.join('; ')}`);
  const supergraphPath = path.join(mkdtempSync(path.join(os.tmpdir(), 'engagement-bench-')), 'supergraph.graphql');
  writeFileSync(supergraphPath, composition.supergraphSdl);
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    GATEWAY_PORT: '0',
    SUPERGRAPH_PATH: supergraphPath,
    // Only the engagement subgraph is exercised; the others are never called by this mutation.
    CRM_SUBGRAPHS: 'salesforce=http://127.0.0.1:9/graphql,hubspot=http://127.0.0.1:9/graphql',
    CONSENT_SUBGRAPH_URL: 'http://127.0.0.1:9/graphql',
    ENGAGEMENT_SUBGRAPH_URL: engagement.url,
    JWT_SECRET: DEV_JWT_SECRET,
    DIALPLANE_INTERNAL_SECRET: DEV_INTERNAL_SECRET,
  } as NodeJS.ProcessEnv);
  return startGateway({ ...config, development: false }, { log: silentLogger, collectDefaultMetrics: false });
}

const ackOk = (status: number, body: string) =>
  status === 200 && body.includes('"QUEUED"') && !body.includes('"errors"');

async function acknowledgment(
  report: (data: Record<string, unknown>) => void,
  log: (l: string) => void,
  durationMs: number,
  rate: number,
) {
  const sf = await startSalesforceSim({ port: 0, contacts: 200, latency: { medianMs: 20, jitterMs: 10 } });
  const hs = await startHubspotSim({ port: 0, latency: { medianMs: 20, jitterMs: 10 } });
  // The CRMs as they are in production: rate-limited (HubSpot 100 per 10 s, a Salesforce share of
  // 50/s), with our share configured at those limits, so the worker drains at the CRM's pace.
  const rates = { salesforce: SALESFORCE_LIMIT, hubspot: HUBSPOT_LIMIT };
  await sf.admin.setRateLimit({ enabled: true, ...SALESFORCE_LIMIT });
  await hs.admin.setRateLimit({ enabled: true, ...HUBSPOT_LIMIT, policy: 'TEN_SECONDLY_ROLLING' });
  const engagement = await startEngagementSubgraph(
    engagementConfig(sf, hs, rates, process.env.DATABASE_URL || undefined),
    { log: silentLogger, consent: noConsent },
  );
  const gateway = await startGatewayFor(engagement);
  try {
    const sfIds = await salesforceContactIds(sf, 50);
    const token = await signToken(AGENT, JWT, '2h');
    const viaGateway = (run: string): RequestSpec => ({
      url: gateway.url,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: (i) => outcomeBody(i, sfIds, run),
    });
    const direct: RequestSpec = {
      url: engagement.url,
      method: 'POST',
      headers: (body) => ({
        [IDENTITY_HEADER]: signIdentity(AGENT, DEV_INTERNAL_SECRET, { body }),
        'content-type': 'application/json',
      }),
      body: (i) => outcomeBody(i, sfIds, 'direct'),
    };
    // Warm-up: JIT, connections, the gateway's query plan cache.
    await openLoop(viaGateway('warm'), rate, 2_000, ackOk);
    const baseline = await openLoop(direct, rate, durationMs, ackOk);
    log(statLine('subgraph direct, CRM healthy', baseline));

    const results: Record<string, LatencyStats> = {};
    const states: [string, () => Promise<void>][] = [
      ['healthy', async () => {}],
      [
        'slow',
        async () => {
          await sf.admin.setLatency({ medianMs: 1000, jitterMs: 0 });
          await hs.admin.setLatency({ medianMs: 1000, jitterMs: 0 });
        },
      ],
      [
        'down',
        async () => {
          await sf.admin.setFaults({ outage: true });
          await hs.admin.setFaults({ outage: true });
        },
      ],
    ];
    for (const [state, apply] of states) {
      await apply();
      const s = await openLoop(viaGateway(state), rate, durationMs, ackOk);
      results[state] = s;
      const pending = (await engagement.runtime.store.stats()).pending;
      log(`${statLine(`gateway, CRM ${state}`, s)}  (write-backs pending after: ${pending})`);
    }
    const healthy = results.healthy!;
    const worst = Math.max(...Object.values(results).map((r) => r.p99));
    const best = Math.min(...Object.values(results).map((r) => r.p99));
    log(
      `p99 healthy/slow/down = ${fmt(results.healthy!.p99)} / ${fmt(results.slow!.p99)} / ${fmt(results.down!.p99)} ms; ` +
        `spread ${fmt(worst / best)}x (target <= 1.5x), worst p99 ${fmt(worst)} ms (target <= 10 ms); gateway/direct p99 ${fmt(healthy.p99 / baseline.p99)}x`,
    );
    report({
      phase: 'acknowledgment',
      rate,
      durationMs,
      db: engagement.runtime.db.kind,
      direct: baseline,
      gateway: results,
      p99SpreadRatio: worst / best,
      targetsMet: { p99Under10ms: worst <= 10, spreadWithin1_5x: worst / best <= 1.5 },
    });
  } finally {
    await gateway.close();
    await engagement.close();
    await sf.close();
    await hs.close();
  }
}

async function throughput(
  report: (data: Record<string, unknown>) => void,
  log: (l: string) => void,
  crm: 'salesforce' | 'hubspot',
  limit: { limit: number; windowMs: number },
  measureMs: number,
) {
  const sf = await startSalesforceSim({
    port: 0,
    contacts: 200,
    latency: { medianMs: 5, jitterMs: 2 },
    ...(crm === 'salesforce' ? { rateLimit: { enabled: true, ...limit } } : {}),
  });
  const hs = await startHubspotSim({
    port: 0,
    latency: { medianMs: 5, jitterMs: 2 },
    ...(crm === 'hubspot' ? { rateLimit: { enabled: true, ...limit, policy: 'TEN_SECONDLY_ROLLING' } } : {}),
  });
  const rates = {
    salesforce: crm === 'salesforce' ? limit : { limit: 1000, windowMs: 1000 },
    hubspot: crm === 'hubspot' ? limit : { limit: 1000, windowMs: 1000 },
  };
  const engagement = await startEngagementSubgraph(
    { ...engagementConfig(sf, hs, rates), runWorker: false },
    { log: silentLogger, consent: noConsent },
  );
  try {
    const sfIds = crm === 'salesforce' ? await salesforceContactIds(sf, 50) : [];
    await (crm === 'salesforce' ? sf : hs).admin.reset('stats');
    // A backlog larger than the window can drain, enqueued before the worker starts.
    const limitPerSec = (limit.limit / limit.windowMs) * 1000;
    const requestsPerOutcome = crm === 'salesforce' ? 1 : 3;
    const backlog = Math.ceil(((limitPerSec * measureMs) / 1000 / requestsPerOutcome) * 1.5) + 20;
    for (let i = 0; i < backlog; i++) {
      const contactId =
        crm === 'salesforce'
          ? `salesforce:${sfIds[i % sfIds.length]}`
          : `hubspot:${HUBSPOT_CONTACTS[i % HUBSPOT_CONTACTS.length]}`;
      const input = callOutcomeInput.parse({
        contactId,
        callId: `tput-${i}`,
        decisionId: randomUUID(),
        idempotencyKey: `tput-${crm}-${i}-${randomUUID()}`,
        disposition: 'CONNECTED',
        summary: 'benchmark call',
        intentStage: crm === 'hubspot' ? 'ENGAGED' : null,
        occurredAt: new Date().toISOString(),
      });
      await engagement.runtime.store.recordOutcome(input, 'graphql');
    }
    const { startWriteBackWorker } = await import('../subgraphs/engagement/worker/worker.js');
    const worker = await startWriteBackWorker(
      { ...engagementConfig(sf, hs, rates), runWorker: true },
      { runtime: engagement.runtime },
    );
    const started = Date.now();
    await new Promise((r) => setTimeout(r, measureMs));
    const elapsed = Date.now() - started;
    await worker.close();
    const sim = crm === 'salesforce' ? sf : hs;
    const requests = await sim.admin.requests();
    const accepted = requests.filter((r) => r.status < 300 && r.endpoint !== 'oauth.token').length;
    const throttled = requests.filter((r) => r.status === 429 || r.status === 403).length;
    const written = (
      await engagement.runtime.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM engagement.write_back WHERE status = 'WRITTEN'`,
      )
    ).rows[0]!.n;
    const rps = accepted / (elapsed / 1000);
    log(
      `${crm}: limit ${limit.limit}/${limit.windowMs} ms = ${fmt(limitPerSec)} req/s; achieved ${fmt(rps)} req/s accepted ` +
        `(${fmt((rps / limitPerSec) * 100, 1)}% of the limit, target >= 90%), ${throttled} throttled, ${fmt(written / (elapsed / 1000))} outcomes/s written`,
    );
    report({
      phase: 'throughput',
      crm,
      limit,
      limitPerSec,
      measureMs: elapsed,
      acceptedRequests: accepted,
      requestsPerSec: rps,
      ratioOfLimit: rps / limitPerSec,
      throttled,
      outcomesWritten: written,
      outcomesPerSec: written / (elapsed / 1000),
    });
  } finally {
    await engagement.close();
    await sf.close();
    await hs.close();
  }
}

export async function run(
  report: (section: string, data: Record<string, unknown>) => void,
  input: { durationMs?: number; rate?: number; throughputMs?: number } = {},
): Promise<void> {
  const durationMs = input.durationMs ?? 10_000;
  const rate = input.rate ?? 100;
  const throughputMs = input.throughputMs ?? 20_000;
  const log = (line: string) => console.log(`[engagement] ${line}`);
  log(
    `${os.cpus().length} cpus, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${durationMs} ms per acknowledgment phase at ${rate} req/s`,
  );
  await acknowledgment((d) => report('engagement', d), log, durationMs, rate);
  destroyAgents();
  // HubSpot's Free/Starter limit (100 per 10 s); a Salesforce share of 50 requests per second.
  await throughput((d) => report('engagement', d), log, 'hubspot', HUBSPOT_LIMIT, throughputMs);
  await throughput((d) => report('engagement', d), log, 'salesforce', SALESFORCE_LIMIT, throughputMs);
}

// `node dist/bench/engagement.js`
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  run((section, data) => console.log(JSON.stringify({ section, ...data })), {
    durationMs: Number(process.env.BENCH_DURATION_MS ?? 10_000),
  }).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
