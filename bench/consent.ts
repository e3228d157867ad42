/**
 * The consent benchmark (issue 5), one run, baselines measured beside each figure:
 *   1. decision in the subgraph: `service.decide` (one-round-trip fact load + rules + batched
 *      audit) in-process, p50/p99; baseline: the pure rule evaluation alone on the same facts.
 *   2. `callPermission` over HTTP: the subgraph directly and through the gateway, open loop.
 *   3. contact + callPermission in one query through the gateway at a steady 200 req/s
 *      (federation: CRM subgraph -> @requires -> consent); baseline: the contact alone.
 *   4. revocation delivery: 1,000 subscriptions on two gateway replicas (each relaying to its own
 *      consent replica), revocations published on one replica; publish -> received p50/p99.
 * With PostgreSQL and Redis reachable (DATABASE_URL / REDIS_URL, else the local defaults) every
 * server runs in its own child process, as deployed (sim, CRM subgraph, 2 consent replicas,
 * 2 gateways) on a throw-away database; otherwise everything runs in this process on PGlite and
 * an in-process bus (pessimistic: one event loop for all of it). The load generator shares the
 * 2 cores either way; the baselines measured in the same run give the ratios.
 *
 *   run(report)                          // bench/index.ts (`npm run bench -- consent`)
 *   node dist/bench/consent.js           // alone; DATABASE_URL / REDIS_URL used when set
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import pg from 'pg';
import type { Client } from 'graphql-ws';
import { serveIfChild, startChild, stopChild, serveUntilParentLeaves, type Child } from './child-process.js';
import { DEV_INTERNAL_SECRET, DEV_JWT_SECRET } from '../shared/config.js';
import type { Database } from '../shared/db.js';
import { createEventBus } from '../shared/events.js';
import { IDENTITY_HEADER, signIdentity, type Identity } from '../shared/identity.js';
import { silentLogger } from '../shared/logger.js';
import { createMetrics } from '../shared/metrics.js';
import { signToken } from '../gateway/dev-tokens.js';
import { startHubspotSim } from '../sim/hubspot/server.js';
import { loadHubspotSubgraphConfig } from '../subgraphs/hubspot/config.js';
import { startHubspotSubgraph } from '../subgraphs/hubspot/server.js';
import { evaluate } from '../subgraphs/consent/decision/evaluate.js';
import { currentPolicy } from '../subgraphs/consent/policy/index.js';
import { startConsentSubgraph, type RunningConsentSubgraph } from '../subgraphs/consent/server.js';
import { markSynced } from '../subgraphs/consent/store/dnc-registry.js';
import { openConsentDatabase } from '../subgraphs/consent/store/open-consent-db.js';
import { destroyAgents, openLoop, send, stats, statLine, type LatencyStats, type RequestSpec } from './load.js';
import {
  startConsentStack,
  startStackGateway,
  subscribeMany,
  writeComposedSupergraph,
} from '../sim/stacks/consent-stack.js';

const JWT = { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' };
const AGENT: Identity = { sub: 'bench-agent', roles: ['agent'], seller: 'acme' };

const THIS_FILE = fileURLToPath(import.meta.url);
/** Unmeasured revocations before the delivery phase (reported as "cold"). */
const WARM_REVOCATIONS = 6;
/** This file, re-run with `--serve <component>` in a child process (see child-process.ts). */
const spawnComponent = (component: string, args: Record<string, string | undefined>) =>
  startChild(THIS_FILE, component, args, { timeoutMs: 90_000 });

/** The servers the phases talk to, wherever they run. */
interface Topology {
  simUrl: string;
  consentUrls: string[];
  gatewayUrls: string[];
  token: string;
  db: Database;
  /** Subscriptions open on the consent replicas (for waiting until all are registered). */
  openSubscriptions(): Promise<number>;
  close(): Promise<void>;
  mode: string;
}

/**
 * Diagnostics (BENCH_GC_DIR set): every GC pause of this child as a JSON line
 * `{ t (epoch ms), kind, ms }` in `<dir>/gc-<component>-<pid>.jsonl`, to lay pauses beside the phases.
 */
function recordGc(dir: string, component: string): void {
  const lines: string[] = [];
  const kinds: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      lines.push(
        JSON.stringify({
          t: Math.round(performance.timeOrigin + e.startTime),
          kind: kinds[kind] ?? String(kind),
          ms: Number(e.duration.toFixed(2)),
        }),
      );
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('exit', () => writeFileSync(path.join(dir, `gc-${component}-${process.pid}.jsonl`), lines.join('\n')));
}

/** Child-process side of `child()`. */
async function serve(component: string, args: Record<string, string>): Promise<void> {
  if (process.env.BENCH_GC_DIR) recordGc(process.env.BENCH_GC_DIR, component);
  let close: () => Promise<void>;
  let url: string;
  if (component === 'sim') {
    const sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
    ({ url, close } = { url: sim.url, close: () => sim.close() });
  } else if (component === 'crm') {
    const crm = await startHubspotSubgraph({
      ...loadHubspotSubgraphConfig({ HUBSPOT_BASE_URL: args.simUrl, HUBSPOT_SUBGRAPH_PORT: '0', LOG_LEVEL: 'silent' }),
      log: silentLogger,
    });
    ({ url, close } = { url: crm.url, close: () => crm.close() });
  } else if (component === 'consent') {
    const c = await startConsentSubgraph(
      {
        port: 0,
        nodeEnv: 'production',
        logLevel: 'silent',
        internalSecret: DEV_INTERNAL_SECRET,
        databaseUrl: args.databaseUrl,
        redisUrl: args.redisUrl,
        revocationPollMs: 1_000,
      },
      { log: silentLogger, busPrefix: args.busPrefix },
    );
    ({ url, close } = { url: c.url, close: () => c.close() });
  } else {
    const g = await startStackGateway({
      supergraphPath: args.supergraphPath,
      crmUrl: args.crmUrl,
      consentUrl: args.consentUrl,
      // One agent sends every phase at 200 req/s: exactly the default per-caller limit, so a
      // phase saw 429s (2-101 of 1,000) whenever its sends bunched. The limiter is not measured here.
      rateLimits: 'agent=2000/1',
    });
    ({ url, close } = { url: g.url, close: () => g.close() });
  }
  serveUntilParentLeaves(url, close);
}

/** The deployed shape: every server its own process, PostgreSQL + Redis between the replicas. */
async function processTopology(adminUrl: string, redisUrl: string): Promise<Topology> {
  const name = `dialplane_bench_consent_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${name}`;
  const databaseUrl = dbUrl.toString();
  const procs: Child['proc'][] = [];
  const db = await openConsentDatabase({ url: databaseUrl });
  const dropDb = async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
  try {
    const busPrefix = `bench:consent:${randomBytes(4).toString('hex')}:`;
    const sim = await spawnComponent('sim', {});
    procs.push(sim.proc);
    const crm = await spawnComponent('crm', { simUrl: sim.url });
    procs.push(crm.proc);
    const consents: string[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await spawnComponent('consent', { databaseUrl, redisUrl, busPrefix });
      procs.push(c.proc);
      consents.push(c.url);
    }
    const supergraphPath = writeComposedSupergraph();
    const gateways: string[] = [];
    for (const consentUrl of consents) {
      const g = await spawnComponent('gateway', { supergraphPath, crmUrl: crm.url, consentUrl });
      procs.push(g.proc);
      gateways.push(g.url);
    }
    const metric = async (url: string) => {
      const text = (await send({ url: url.replace(/\/graphql$/, '/metrics') }, 0)).body;
      return Number(/^dialplane_consent_subscriptions(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    };
    return {
      simUrl: sim.url,
      consentUrls: consents,
      gatewayUrls: gateways,
      token: await signToken(AGENT, JWT, '2h'),
      db,
      mode: `child processes, postgres + redis`,
      openSubscriptions: async () => (await Promise.all(consents.map(metric))).reduce((a, b) => a + b, 0),
      close: async () => {
        await Promise.all(procs.reverse().map(stopChild));
        await db.close();
        await dropDb();
      },
    };
  } catch (error) {
    await Promise.all(procs.map(stopChild));
    await db.close();
    await dropDb();
    throw error;
  }
}

async function inProcessTopology(): Promise<Topology> {
  const stack = await startConsentStack({ replicas: 2 });
  return {
    simUrl: stack.sim.url,
    consentUrls: stack.consents.map((c) => c.url),
    gatewayUrls: stack.gateways.map((g) => g.url),
    token: stack.token,
    db: stack.db,
    mode: 'one process, pglite + in-process bus',
    openSubscriptions: async () => stack.consents.reduce((n, c) => n + c.hub.subscribers, 0),
    close: () => stack.close(),
  };
}

async function reachable(databaseUrl: string, redisUrl: string): Promise<boolean> {
  try {
    const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2_000 });
    await c.connect();
    await c.end();
    const bus = await Promise.race([
      createEventBus({ redisUrl }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('redis timeout')), 2_000)),
    ]);
    await bus.close();
    return true;
  } catch {
    return false;
  }
}

/** The p-th percentile of the samples (nearest rank). */
export const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/** Written consent for a number, as a bench seeds it. */
export const WRITTEN = (phone: string) => ({
  phone,
  consentType: 'WRITTEN',
  purposes: ['MARKETING', 'INFORMATIONAL'],
  sellers: ['acme'],
  channels: ['VOICE'],
  coversArtificialVoice: true,
  disclosure: { version: 'v3', hash: 'sha256:bench', notConditionOfPurchase: true },
  evidence: { source: 'bench', signatureMethod: 'esign', ipAddress: '203.0.113.1' },
  occurredAt: '2026-01-10T15:00:00Z',
});

export async function run(
  report: (section: string, data: Record<string, unknown>) => void,
  input: { durationMs?: number; rate?: number; subscriptions?: number; revocations?: number } = {},
): Promise<void> {
  const durationMs = input.durationMs ?? 10_000;
  const rate = input.rate ?? 200;
  const subscriptions = input.subscriptions ?? 1_000;
  const revocations = input.revocations ?? 20;
  const log = (line: string) =>
    console.log(`[consent]${process.env.BENCH_GC_DIR ? ` ${new Date().toISOString()}` : ''} ${line}`);
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const topology = (await reachable(databaseUrl, redisUrl))
    ? await processTopology(databaseUrl, redisUrl)
    : await inProcessTopology();
  const clients: Client[] = [];
  let local: RunningConsentSubgraph | null = null;
  try {
    const identity = () => (body: string) => ({
      [IDENTITY_HEADER]: signIdentity(AGENT, DEV_INTERNAL_SECRET, { body }),
    });
    const [c0url, c1url] = topology.consentUrls as [string, string];
    const [g0url, g1url] = topology.gatewayUrls as [string, string];

    // A contact from the sim with a consented number; registry data for its area code.
    const page = JSON.parse(
      (
        await send(
          {
            url: `${topology.simUrl}/crm/v3/objects/contacts?limit=20&properties=phone,mobilephone`,
            headers: { authorization: 'Bearer dev-hubspot-token' },
          },
          0,
        )
      ).body,
    ) as {
      results: { id: string; properties: Record<string, string | null> }[];
    };
    const contactQuery = (id: string) => JSON.stringify({ query: `{ contact(id: "hubspot:${id}") { primaryPhone } }` });
    let contactId = '';
    let phone = '';
    for (const r of page.results) {
      const res = JSON.parse(
        (
          await send(
            {
              url: g0url,
              method: 'POST',
              headers: { authorization: `Bearer ${topology.token}` },
              body: contactQuery(r.id),
            },
            0,
          )
        ).body,
      ) as { data?: { contact?: { primaryPhone?: string | null } } };
      const p = res.data?.contact?.primaryPhone;
      if (p) {
        contactId = r.id;
        phone = p;
        break;
      }
    }
    if (!phone) throw new Error('no sim contact with a valid phone');
    const ac = phone.slice(2, 5);
    await markSynced(topology.db, 'national', ac, new Date());
    for (const s of ['FL', 'OK', 'LA', 'MA', 'CO', 'IN', 'MO', 'PA', 'TN', 'TX', 'WY'])
      await markSynced(topology.db, `state:${s}`, '*', new Date());
    await send(
      {
        url: c0url,
        method: 'POST',
        headers: identity(),
        body: JSON.stringify({
          query: 'mutation($i: RecordConsentInput!) { recordConsent(input: $i) { cursor } }',
          variables: { i: WRITTEN(phone) },
        }),
      },
      0,
    );
    log(`contact hubspot:${contactId}, ${os.cpus().length} cpus, ${topology.mode}, ${durationMs} ms per phase`);

    // The in-process service for phase 1: on the same database as the replicas.
    local = await startConsentSubgraph(
      {
        port: 0,
        nodeEnv: 'production',
        logLevel: 'silent',
        internalSecret: DEV_INTERNAL_SECRET,
        revocationPollMs: 60_000,
      },
      {
        log: silentLogger,
        metrics: createMetrics('consent-bench-local', { collectDefault: false }),
        db: topology.db,
        bus: await createEventBus(),
      },
    );
    // 1. The decision inside the subgraph, and the pure rules as baseline.
    const service = local.service;
    const decideMs: number[] = [];
    const rulesMs: number[] = [];
    for (let i = 0; i < 300; i++) await service.decide({ phone, purpose: 'MARKETING', seller: 'acme' }, AGENT);
    for (let i = 0; i < 3_000; i++) {
      const t = performance.now();
      await service.decide({ phone, purpose: 'MARKETING', seller: 'acme' }, AGENT);
      decideMs.push(performance.now() - t);
    }
    const sample = await service.decide({ phone, purpose: 'MARKETING', seller: 'acme' }, AGENT);
    const { loadStoredFacts } = await import('../subgraphs/consent/store/facts.js');
    const { calleeGeo } = await import('../subgraphs/consent/mapping/callee-geo.js');
    const stored = await loadStoredFacts(topology.db, phone, new Date(Date.now() - 8 * 86_400_000));
    const facts = {
      at: new Date(),
      evaluatedAt: new Date(),
      purpose: 'MARKETING' as const,
      seller: 'acme',
      subject: 'MARKETING',
      phone: { e164: phone, country: 'US', valid: true },
      geo: calleeGeo(phone),
      ...stored,
    };
    for (let i = 0; i < 3_000; i++) {
      const t = performance.now();
      evaluate(facts, currentPolicy);
      rulesMs.push(performance.now() - t);
    }
    const decision = {
      p50: pct(decideMs, 50),
      p99: pct(decideMs, 99),
      rulesP50: pct(rulesMs, 50),
      rulesP99: pct(rulesMs, 99),
      allowed: sample.decision.allowed,
      reasons: sample.decision.reasons,
    };
    log(
      `decision in the subgraph (facts + rules + audit): p50 ${decision.p50.toFixed(3)} ms p99 ${decision.p99.toFixed(3)} ms; rules alone p50 ${decision.rulesP50.toFixed(3)} ms p99 ${decision.rulesP99.toFixed(3)} ms; target p99 <= 1 ms ${decision.p99 <= 1 ? 'MET' : 'NOT MET'}`,
    );
    report('consent', {
      phase: 'decision-in-subgraph',
      db: topology.db.kind,
      ...decision,
      target: 'p99 <= 1 ms',
      met: decision.p99 <= 1,
    });
    await local.close();
    local = null;

    // 2. callPermission over HTTP: subgraph directly, through the gateway.
    const permissionBody = JSON.stringify({
      query: `query($p: String!) { callPermission(phone: $p, purpose: MARKETING) { allowed reasons decisionId } }`,
      variables: { p: phone },
    });
    const subgraphSpec: RequestSpec = { url: c0url, method: 'POST', headers: identity(), body: permissionBody };
    const gatewaySpec: RequestSpec = {
      url: g0url,
      method: 'POST',
      headers: { authorization: `Bearer ${topology.token}` },
      body: permissionBody,
    };
    for (let i = 0; i < 200; i++) {
      await send(subgraphSpec, i);
      await send(gatewaySpec, i);
    }
    const subgraphOpen = await openLoop(subgraphSpec, rate, durationMs);
    log(statLine(`callPermission, subgraph directly, ${rate} req/s`, subgraphOpen));
    const gatewayOpen = await openLoop(gatewaySpec, rate, durationMs);
    log(statLine(`callPermission through the gateway, ${rate} req/s`, gatewayOpen));
    report('consent', { phase: 'callPermission-http', rate, subgraph: subgraphOpen, gateway: gatewayOpen });

    // 3. Contact + permission in one query through the gateway; baseline: the contact alone.
    const combinedBody = JSON.stringify({
      query: `query($id: ID!) { contact(id: $id) { id primaryPhone timeZone location { state } callPermission(purpose: MARKETING) { allowed reasons nextAllowedAt obligations { code } decisionId } } }`,
      variables: { id: `hubspot:${contactId}` },
    });
    // Baseline: the same contact fields plus everything callPermission @requires, so the difference is the consent hop.
    const contactBody = JSON.stringify({
      query: `query($id: ID!) { contact(id: $id) { id primaryPhone timeZone location { state country } phones { e164 valid } openDeal { closed } } }`,
      variables: { id: `hubspot:${contactId}` },
    });
    const combinedSpec: RequestSpec = {
      url: g0url,
      method: 'POST',
      headers: { authorization: `Bearer ${topology.token}` },
      body: combinedBody,
    };
    const contactSpec: RequestSpec = {
      url: g0url,
      method: 'POST',
      headers: { authorization: `Bearer ${topology.token}` },
      body: contactBody,
    };
    const probe = await send(combinedSpec, 0);
    if (probe.body.includes('"errors"')) log(`combined query answered errors: ${probe.body.slice(0, 300)}`);
    for (let i = 0; i < 200; i++) await send(combinedSpec, i);
    const contactOnly = await openLoop(contactSpec, rate, durationMs);
    log(statLine(`contact alone through the gateway, ${rate} req/s (baseline)`, contactOnly));
    const combined = await openLoop(combinedSpec, rate, durationMs);
    log(statLine(`contact + callPermission through the gateway, ${rate} req/s`, combined));
    log(
      `contact + permission p99 ${combined.p99.toFixed(2)} ms (target <= 12 ms: ${combined.p99 <= 12 ? 'MET' : 'NOT MET'}); cost over the contact alone: p50 +${(combined.p50 - contactOnly.p50).toFixed(2)} ms`,
    );
    report('consent', {
      phase: 'contact-plus-permission',
      rate,
      baselineContactOnly: contactOnly,
      combined,
      target: 'p99 <= 12 ms at 200 req/s',
      met: combined.p99 <= 12,
    });

    // 4. Revocation delivery across 1,000 subscriptions on two gateway replicas.
    const received = new Map<string, number[]>();
    const per = Math.ceil(subscriptions / 2);
    for (const [g, offset] of [
      [g0url, 0],
      [g1url, per],
    ] as const) {
      clients.push(
        ...subscribeMany(g, topology.token, Math.min(per, subscriptions - offset), 50, (_i, cursor) => {
          let list = received.get(cursor);
          if (!list) received.set(cursor, (list = []));
          list.push(performance.now());
        }).clients,
      );
    }
    const deadline = Date.now() + 60_000;
    while ((await topology.openSubscriptions()) < subscriptions && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    log(`${await topology.openSubscriptions()} subscriptions open on 2 consent replicas behind 2 gateways`);
    /** Revokes one number on replica `i % 2`; answers each subscriber's publish -> received time and how many never arrived. */
    const revokeAndWait = async (i: number, target: string): Promise<{ times: number[]; missing: number }> => {
      const t0 = performance.now();
      const res = await send(
        {
          url: [c0url, c1url][i % 2]!,
          method: 'POST',
          headers: identity(),
          body: JSON.stringify({
            query: 'mutation($i: RevokeConsentInput!) { revokeConsent(input: $i) { cursor } }',
            variables: {
              i: { phone: target, channel: 'VOICE', source: 'bench', occurredAt: new Date().toISOString() },
            },
          }),
        },
        i,
      );
      const cursor = (JSON.parse(res.body) as { data: { revokeConsent: { cursor: string } } }).data.revokeConsent
        .cursor;
      const until = performance.now() + 5_000;
      while ((received.get(cursor)?.length ?? 0) < subscriptions && performance.now() < until)
        await new Promise((r) => setTimeout(r, 2));
      const times = (received.get(cursor) ?? []).map((t) => t - t0);
      return { times, missing: subscriptions - times.length };
    };
    // Warm-up, as every other phase has: the first revocations through each replica and gateway run
    // cold code (subscription execution and relay not yet optimized), measured 100-200 ms for the
    // first two and 65-130 ms up to the fifth, against a steady 30-55 ms. Reported separately
    // ("cold"), not mixed into the steady-state p50/p99.
    const cold: number[] = [];
    for (let i = 0; i < WARM_REVOCATIONS; i++) {
      const w = await revokeAndWait(i, `+1${ac}555${String(900 + i).padStart(4, '0')}`);
      cold.push(w.missing === 0 ? Math.max(...w.times) : NaN);
      await new Promise((r) => setTimeout(r, 100));
    }
    log(
      `revocation delivery, cold (first ${WARM_REVOCATIONS} revocations, alternating replicas, last subscriber): ${cold.map((v) => v.toFixed(0)).join(' ')} ms`,
    );
    const delivery: number[] = [];
    /** Publish -> last subscriber, per revocation (where a p99 over 20 x 1000 samples comes from). */
    const perRevocation: number[] = [];
    let missing = 0;
    for (let i = 0; i < revocations; i++) {
      const r = await revokeAndWait(i, `+1${ac}555${String(1000 + i).padStart(4, '0')}`);
      missing += r.missing;
      for (const t of r.times) delivery.push(t);
      perRevocation.push(r.times.length ? Math.max(...r.times) : NaN);
      await new Promise((r) => setTimeout(r, 100));
    }
    const deliveryStats: LatencyStats = stats(delivery, missing, 0);
    log(
      `revocation delivery, last subscriber per revocation (ms): ${perRevocation.map((v) => v.toFixed(0)).join(' ')}`,
    );
    log(
      `revocation delivery to ${subscriptions} subscriptions x ${revocations} revocations: p50 ${deliveryStats.p50.toFixed(1)} ms p99 ${deliveryStats.p99.toFixed(1)} ms max ${deliveryStats.max.toFixed(1)} ms, missing ${missing}; target p99 <= 100 ms ${deliveryStats.p99 <= 100 && missing === 0 ? 'MET' : 'NOT MET'}`,
    );
    report('consent', {
      phase: 'revocation-delivery',
      subscriptions,
      revocations,
      topology: topology.mode,
      coldLastSubscriberMs: cold,
      p50: deliveryStats.p50,
      p99: deliveryStats.p99,
      max: deliveryStats.max,
      missing,
      target: 'p99 <= 100 ms',
      met: deliveryStats.p99 <= 100 && missing === 0,
    });
  } finally {
    for (const c of clients) await Promise.resolve(c.dispose()).catch(() => undefined);
    destroyAgents();
    await local?.close();
    await topology.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]) && !serveIfChild(serve)) {
  const results: Record<string, unknown>[] = [];
  run((_s, data) => results.push(data), {
    durationMs: Number(process.env.BENCH_DURATION_MS ?? 10_000),
    subscriptions: Number(process.env.BENCH_SUBSCRIPTIONS ?? 1_000),
    revocations: Number(process.env.BENCH_REVOCATIONS ?? 20),
  })
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
