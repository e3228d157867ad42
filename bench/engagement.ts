/**
 * The engagement benchmark (issues 6 and 17), one run, baselines measured beside each figure:
 *   1. `recordCallOutcome` acknowledgment through the gateway at a steady 100 req/s (open loop),
 *      half Salesforce and half HubSpot contacts, with the CRMs healthy, slow (1 s a request) and
 *      down (outage knob); p50/p99 of each and the spread (worst p99 / best p99). Two shapes, each
 *      component in its own process and the load generator in this one:
 *        embedded    in-memory PGlite, the write-back worker inside the subgraph (as `npm start`);
 *        production  a throw-away PostgreSQL database (BENCH_DATABASE_URL, else the local server),
 *                    the worker as `npm run worker` runs it, in its own process.
 *      Baseline: the same mutation straight at the engagement subgraph while healthy.
 *   2. Write-back throughput per CRM against the simulator's rate limit: a backlog of outcomes,
 *      our share configured at the CRM's limit; accepted CRM requests per second vs the limit,
 *      and outcomes written per second (in this process, PGlite).
 *
 *   run(report)                                        // bench/index.ts (`npm run bench -- engagement`)
 *   node dist/bench/engagement.js [--ack-only]         // alone; BENCH_DURATION_MS, BENCH_ACK_SHAPES=embedded|production
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
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
import { startEngagementSubgraph } from '../subgraphs/engagement/server.js';
import { SimAdminClient } from '../sim/common/admin-client.js';
import { BENCH_POSTGRES_URL, reachable, throwAwayDatabase } from './bench-services.js';
import {
  cpuMsOf,
  serveIfChild,
  serveUntilParentLeaves,
  startChild,
  stopChild,
  type EventLoopDelay,
} from './child-process.js';
import { REPO } from './production-stack.js';
import { destroyAgents, fmt, openLoop, send, statLine, type LatencyStats, type RequestSpec } from './load.js';
import { salesforceContactIds } from './sim-contacts.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const JWT = { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' };
const AGENT: Identity = { sub: 'bench-agent', roles: ['agent'], seller: 'acme' };
const HUBSPOT_CONTACTS = ['101', '103', '104', '105'];
const HUBSPOT_LIMIT = { limit: 100, windowMs: 10_000 };
const SALESFORCE_LIMIT = { limit: 50, windowMs: 1_000 };
/** The acknowledgment phases' CRMs are rate-limited at these, and our share is configured at them. */
const ACK_RATES = { salesforce: SALESFORCE_LIMIT, hubspot: HUBSPOT_LIMIT };
const MUTATION = 'mutation($input: CallOutcomeInput!) { recordCallOutcome(input: $input) { id status } }';

/** The consent ledger is another subgraph; opt-outs are not part of this benchmark. */
const noConsent: ConsentClient = { revoke: async () => {} };

function benchPolicy(rates: EngagementConfig['policy']['rateLimits']): EngagementConfig['policy'] {
  return {
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
  };
}

function engagementConfig(
  sims: { sfUrl: string; hsUrl: string },
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
        loginUrl: sims.sfUrl,
        instanceUrl: sims.sfUrl,
        clientId: 'dialplane-dev',
        clientSecret: 'dev-salesforce-secret',
        apiVersion: '62.0',
      },
      hubspot: { baseUrl: sims.hsUrl, accessToken: 'dev-hubspot-token' },
    },
    policy: benchPolicy(rates),
  };
}

const simUrls = (sf: SalesforceSim, hs: HubspotSim) => ({ sfUrl: sf.url, hsUrl: hs.url });

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

/** The gateway, in its own process, routing the mutation to the engagement subgraph at `engagementUrl`. */
async function startGatewayFor(engagementUrl: string): Promise<RunningGateway> {
  const composition = composeSupergraph(readSubgraphSdls(REPO));
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
    ENGAGEMENT_SUBGRAPH_URL: engagementUrl,
    JWT_SECRET: DEV_JWT_SECRET,
    DIALPLANE_INTERNAL_SECRET: DEV_INTERNAL_SECRET,
    // The one bench caller stands for the many agents that report outcomes: its in-flight cap
    // (16 by default, per caller) would refuse requests instead of measuring their latency.
    GATEWAY_MAX_IN_FLIGHT_PER_CALLER: '0',
  } as NodeJS.ProcessEnv);
  return startGateway({ ...config, development: false }, { log: silentLogger, collectDefaultMetrics: false });
}

/** The first failed answers of a run (printed with its figures: an error rate without a reason is no figure). */
const failures = new Map<string, number>();
const ackOk = (status: number, body: string) => {
  const ok = status === 200 && body.includes('"QUEUED"') && !body.includes('"errors"');
  if (!ok) {
    const key = `${status} ${body.slice(0, 300)}`;
    failures.set(key, (failures.get(key) ?? 0) + 1);
  }
  return ok;
};
const takeFailures = () => {
  const out = [...failures].map(([answer, count]) => `${count}x ${answer}`);
  failures.clear();
  return out;
};

/**
 * Where the acknowledgment is measured: `embedded` is `npm start`'s engagement (in-memory PGlite,
 * the worker in the subgraph's process); `production` is the deployed one (PostgreSQL, the
 * subgraph without a worker, `npm run worker`'s entry in a process of its own).
 */
export type AckShape = 'embedded' | 'production';

/** The worker's entry as `npm run worker` runs it, compiled beside this file (or from source under tsx). */
function workerEntry(): string {
  const ext = path.extname(THIS_FILE);
  return path.join(path.dirname(THIS_FILE), '..', 'subgraphs', 'engagement', `worker-main${ext}`);
}

/**
 * `npm run worker` in its own process, configured through the environment as deployed, ready once
 * it logs that it started. Its log lines (info: one per write-back) are read and dropped.
 */
async function startWorkerProcess(env: NodeJS.ProcessEnv, execArgv: string[]): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [...process.execArgv, ...execArgv, workerEntry()], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = readline.createInterface({ input: proc.stdout! });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker did not start within 60 s')), 60_000);
    proc.once('exit', (code) => reject(new Error(`the worker exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.includes('write-back worker started')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return proc;
}

/** The environment of `npm run worker` against these simulators, with the bench's policy. */
function workerEnv(sfUrl: string, hsUrl: string, databaseUrl: string): NodeJS.ProcessEnv {
  const policy = benchPolicy(ACK_RATES);
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    SALESFORCE_LOGIN_URL: sfUrl,
    SALESFORCE_INSTANCE_URL: sfUrl,
    HUBSPOT_BASE_URL: hsUrl,
    CONSENT_SUBGRAPH_URL: 'http://127.0.0.1:9/graphql',
    WRITEBACK_MAX_ATTEMPTS: String(policy.maxAttempts),
    WRITEBACK_RETRY_DELAY_S: String(policy.retryDelaySeconds),
    WRITEBACK_MAX_RETRY_DELAY_S: String(policy.maxRetryDelaySeconds),
    WRITEBACK_MAINTENANCE_INTERVAL_S: String(policy.maintenanceIntervalSeconds),
    WRITEBACK_JOB_TIMEOUT_S: String(policy.jobTimeoutSeconds),
    WRITEBACK_CONCURRENCY: String(policy.concurrency),
    WRITEBACK_RATE_SALESFORCE: `${SALESFORCE_LIMIT.limit}/${SALESFORCE_LIMIT.windowMs}`,
    WRITEBACK_RATE_HUBSPOT: `${HUBSPOT_LIMIT.limit}/${HUBSPOT_LIMIT.windowMs}`,
  };
}

interface AckStackInfo {
  sfUrl: string;
  hsUrl: string;
}

/**
 * One shape's processes: the simulators (rate-limited as in production: HubSpot 100 per 10 s, a
 * Salesforce share of 50/s, our share configured at those limits, so the worker drains at the
 * CRM's pace), the engagement subgraph, the worker (production: its own process), the gateway.
 * The load generator (this process) shares none of their event loops.
 */
async function startAckStack(shape: AckShape, databaseUrl: string | undefined) {
  // BENCH_CPU_PROF=<dir>: every child writes a CPU profile there (bench/profile-summary.ts reads them).
  const profDir = process.env.BENCH_CPU_PROF;
  const execArgv = profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir)}`] : [];
  const children: ChildProcess[] = [];
  const close = async () => {
    await Promise.all(children.reverse().map(stopChild));
  };
  try {
    const sims = await startChild(THIS_FILE, 'sims', {}, { execArgv });
    children.push(sims.proc);
    const { sfUrl, hsUrl } = sims.info as unknown as AckStackInfo;
    const engagement = await startChild(
      THIS_FILE,
      'engagement',
      {
        sfUrl,
        hsUrl,
        ...(databaseUrl ? { databaseUrl } : {}),
        runWorker: shape === 'embedded' ? 'true' : 'false',
      },
      { execArgv },
    );
    children.push(engagement.proc);
    let worker: ChildProcess | undefined;
    if (shape === 'production') {
      worker = await startWorkerProcess(workerEnv(sfUrl, hsUrl, databaseUrl!), execArgv);
      children.push(worker);
    }
    const gateway = await startChild(THIS_FILE, 'gateway', { engagementUrl: engagement.url }, { execArgv });
    children.push(gateway.proc);
    return {
      sf: new SimAdminClient(sfUrl),
      hs: new SimAdminClient(hsUrl),
      sfUrl,
      engagementUrl: engagement.url,
      gatewayUrl: gateway.url,
      pids: { engagement: engagement.proc.pid, worker: worker?.pid, gateway: gateway.proc.pid },
      /** The engagement subgraph's event-loop delay since the last call (a stall there, or the machine). */
      engagementLoopDelay: engagement.eventLoopDelay,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Write-backs not yet in the CRM (queued + retrying), asked through the gateway as an admin. */
async function pendingWriteBacks(gatewayUrl: string, adminToken: string): Promise<number | null> {
  const r = await send(
    {
      url: gatewayUrl,
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: () => JSON.stringify({ query: '{ writeBackQueue { pending } }' }),
    },
    0,
  );
  const parsed = JSON.parse(r.body) as { data?: { writeBackQueue?: { pending: number } } };
  return parsed.data?.writeBackQueue?.pending ?? null;
}

async function acknowledgment(
  report: (data: Record<string, unknown>) => void,
  log: (l: string) => void,
  shape: AckShape,
  durationMs: number,
  rate: number,
) {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  if (shape === 'production') {
    if (!(await reachable(BENCH_POSTGRES_URL))) {
      log(`[${shape}] skipped: no PostgreSQL at ${new URL(BENCH_POSTGRES_URL).host} (BENCH_DATABASE_URL)`);
      report({ phase: 'acknowledgment', shape, skipped: 'no PostgreSQL' });
      return;
    }
    database = await throwAwayDatabase('engagement_ack');
  }
  const stack = await startAckStack(shape, database?.url);
  try {
    const sfIds = await salesforceContactIds(stack.sfUrl, 50);
    const token = await signToken(AGENT, JWT, '2h');
    const adminToken = await signToken({ ...AGENT, sub: 'bench-admin', roles: ['admin'] }, JWT, '2h');
    const viaGateway = (run: string): RequestSpec => ({
      url: stack.gatewayUrl,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: (i) => outcomeBody(i, sfIds, `${shape}-${run}`),
    });
    const direct: RequestSpec = {
      url: stack.engagementUrl,
      method: 'POST',
      headers: (body) => ({
        [IDENTITY_HEADER]: signIdentity(AGENT, DEV_INTERNAL_SECRET, { body }),
        'content-type': 'application/json',
      }),
      body: (i) => outcomeBody(i, sfIds, `${shape}-direct`),
    };
    const cpuOf = () => ({ engagement: cpuMsOf(stack.pids.engagement), worker: cpuMsOf(stack.pids.worker) });
    // Warm-up: JIT, connections, the gateway's query plan cache.
    await openLoop(viaGateway('warm'), rate, 2_000, ackOk);
    const baseline = await openLoop(direct, rate, durationMs, ackOk);
    log(statLine(`[${shape}] subgraph direct, CRM healthy`, baseline));

    const results: Record<string, LatencyStats> = {};
    const cpu: Record<string, { engagement: number | null; worker: number | null }> = {};
    const loopDelay: Record<string, EventLoopDelay> = {};
    const states: [string, () => Promise<void>][] = [
      ['healthy', async () => {}],
      [
        'slow',
        async () => {
          await stack.sf.setLatency({ medianMs: 1000, jitterMs: 0 });
          await stack.hs.setLatency({ medianMs: 1000, jitterMs: 0 });
        },
      ],
      [
        'down',
        async () => {
          await stack.sf.setFaults({ outage: true });
          await stack.hs.setFaults({ outage: true });
        },
      ],
    ];
    for (const [state, apply] of states) {
      await apply();
      await stack.engagementLoopDelay();
      const before = cpuOf();
      const s = await openLoop(viaGateway(state), rate, durationMs, ackOk);
      const after = cpuOf();
      loopDelay[state] = await stack.engagementLoopDelay();
      const per = (a: number | null, b: number | null) => (a === null || b === null ? null : (b - a) / s.count);
      cpu[state] = { engagement: per(before.engagement, after.engagement), worker: per(before.worker, after.worker) };
      results[state] = s;
      const pending = await pendingWriteBacks(stack.gatewayUrl, adminToken);
      const loop = loopDelay[state]!;
      const cpuNote = `subgraph event loop delay p99 ${fmt(loop.p99Ms)} / max ${fmt(loop.maxMs)} ms; CPU ms/request: subgraph ${fmt(cpu[state].engagement ?? Number.NaN, 3)}${
        shape === 'production' ? `, worker ${fmt(cpu[state].worker ?? Number.NaN, 3)}` : ' (worker inside)'
      }`;
      log(`${statLine(`[${shape}] gateway, CRM ${state}`, s)}  (pending after: ${pending}; ${cpuNote})`);
      for (const f of takeFailures().slice(0, 3)) log(`  failed: ${f}`);
    }
    const healthy = results.healthy!;
    const worst = Math.max(...Object.values(results).map((r) => r.p99));
    const best = Math.min(...Object.values(results).map((r) => r.p99));
    log(
      `[${shape}] p50 healthy/slow/down = ${fmt(results.healthy!.p50)} / ${fmt(results.slow!.p50)} / ${fmt(results.down!.p50)} ms; ` +
        `p99 = ${fmt(results.healthy!.p99)} / ${fmt(results.slow!.p99)} / ${fmt(results.down!.p99)} ms; ` +
        `spread ${fmt(worst / best)}x (target <= 1.5x), worst p99 ${fmt(worst)} ms (target <= 10 ms); gateway/direct p99 ${fmt(healthy.p99 / baseline.p99)}x`,
    );
    report({
      phase: 'acknowledgment',
      shape,
      db: shape === 'production' ? 'postgres' : 'pglite',
      worker: shape === 'production' ? 'own process' : 'in-process',
      rate,
      durationMs,
      direct: baseline,
      gateway: results,
      cpuMsPerRequest: cpu,
      subgraphEventLoopDelay: loopDelay,
      p99SpreadRatio: worst / best,
      targetsMet: { p99Under10ms: worst <= 10, spreadWithin1_5x: worst / best <= 1.5 },
    });
  } finally {
    await stack.close();
    await database?.drop().catch(() => {});
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
    { ...engagementConfig(simUrls(sf, hs), rates), runWorker: false },
    { log: silentLogger, consent: noConsent },
  );
  try {
    const sfIds = crm === 'salesforce' ? await salesforceContactIds(sf.url, 50) : [];
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
      { ...engagementConfig(simUrls(sf, hs), rates), runWorker: true },
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

/** Which acknowledgment shapes to run: `BENCH_ACK_SHAPES=embedded|production` runs one (default both). */
function ackShapes(): AckShape[] {
  const wanted = process.env.BENCH_ACK_SHAPES;
  return wanted === 'embedded' || wanted === 'production' ? [wanted] : ['embedded', 'production'];
}

export async function run(
  report: (section: string, data: Record<string, unknown>) => void,
  input: { durationMs?: number; rate?: number; throughputMs?: number; acknowledgmentOnly?: boolean } = {},
): Promise<void> {
  const durationMs = input.durationMs ?? 10_000;
  const rate = input.rate ?? 100;
  const throughputMs = input.throughputMs ?? 20_000;
  const log = (line: string) => console.log(`[engagement] ${line}`);
  log(`${os.cpus().length} cpus, ${durationMs} ms per acknowledgment phase at ${rate} req/s`);
  for (const shape of ackShapes()) {
    await acknowledgment((d) => report('engagement', d), log, shape, durationMs, rate);
    destroyAgents();
  }
  if (input.acknowledgmentOnly) return;
  // HubSpot's Free/Starter limit (100 per 10 s); a Salesforce share of 50 requests per second.
  await throughput((d) => report('engagement', d), log, 'hubspot', HUBSPOT_LIMIT, throughputMs);
  await throughput((d) => report('engagement', d), log, 'salesforce', SALESFORCE_LIMIT, throughputMs);
}

/** Child side: one component of the acknowledgment stack per process, on an ephemeral port. */
async function serve(component: string, args: Record<string, string>): Promise<void> {
  if (component === 'sims') {
    const sf = await startSalesforceSim({ port: 0, contacts: 200, latency: { medianMs: 20, jitterMs: 10 } });
    const hs = await startHubspotSim({ port: 0, latency: { medianMs: 20, jitterMs: 10 } });
    await sf.admin.setRateLimit({ enabled: true, ...SALESFORCE_LIMIT });
    await hs.admin.setRateLimit({ enabled: true, ...HUBSPOT_LIMIT, policy: 'TEN_SECONDLY_ROLLING' });
    const info: AckStackInfo = { sfUrl: sf.url, hsUrl: hs.url };
    serveUntilParentLeaves(
      sf.url,
      async () => {
        await sf.close();
        await hs.close();
      },
      { ...info },
    );
  } else if (component === 'engagement') {
    const config = engagementConfig({ sfUrl: args.sfUrl!, hsUrl: args.hsUrl! }, ACK_RATES, args.databaseUrl);
    const engagement = await startEngagementSubgraph(
      { ...config, runWorker: args.runWorker === 'true' },
      { log: silentLogger, consent: noConsent },
    );
    serveUntilParentLeaves(engagement.url, () => engagement.close());
  } else if (component === 'gateway') {
    const gateway = await startGatewayFor(args.engagementUrl!);
    serveUntilParentLeaves(gateway.url, () => gateway.close());
  } else {
    throw new Error(`unknown component ${component}`);
  }
}

// `node dist/bench/engagement.js [--ack-only]`
if (process.argv[1] && THIS_FILE === path.resolve(process.argv[1]) && !serveIfChild(serve)) {
  run((section, data) => console.log(JSON.stringify({ section, ...data })), {
    durationMs: Number(process.env.BENCH_DURATION_MS ?? 10_000),
    acknowledgmentOnly: process.argv.includes('--ack-only'),
  }).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
