/**
 * The consent benchmark (issue 5), one run, baselines measured beside each figure:
 *   1. decision in the subgraph: `service.decide` (one-round-trip fact load + rules + batched
 *      audit) in-process, p50/p99; baseline: the pure rule evaluation alone on the same facts.
 *   2. `callPermission` over HTTP: the subgraph directly and through the gateway, open loop.
 *   3. contact + callPermission in one query through the gateway at a steady 200 req/s
 *      (federation: CRM subgraph -> @requires -> consent); baseline: the contact alone.
 *   4. revocation delivery: 1,000 subscriptions on two gateway replicas (each relaying to its own
 *      consent replica), revocations published on one replica; publish -> received p50/p99.
 * Everything runs in this process (the load generator shares the 2 cores), so absolute numbers
 * are pessimistic; the baselines in the same run give the ratios.
 *
 *   run(report)                          // bench/index.ts (`npm run bench -- consent`)
 *   node dist/bench/consent.js           // alone; DATABASE_URL / REDIS_URL used when set
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { DEV_INTERNAL_SECRET, DEV_JWT_SECRET } from '../shared/config.js';
import type { Database } from '../shared/db.js';
import { createEventBus, type EventBus } from '../shared/events.js';
import { IDENTITY_HEADER, signIdentity, type Identity } from '../shared/identity.js';
import { silentLogger } from '../shared/logger.js';
import { createMetrics } from '../shared/metrics.js';
import { composeSupergraph, readSubgraphSdls } from '../gateway/compose-supergraph.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { signToken } from '../gateway/dev-tokens.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';
import { startHubspotSim, type HubspotSim } from '../sim/hubspot/server.js';
import { loadHubspotSubgraphConfig } from '../subgraphs/hubspot/config.js';
import { startHubspotSubgraph } from '../subgraphs/hubspot/server.js';
import { evaluate } from '../subgraphs/consent/decision/evaluate.js';
import { currentPolicy } from '../subgraphs/consent/policy/index.js';
import { startConsentSubgraph, type RunningConsentSubgraph } from '../subgraphs/consent/server.js';
import { markSynced } from '../subgraphs/consent/store/dnc-registry.js';
import { openConsentDatabase } from '../subgraphs/consent/store/open-consent-db.js';
import { destroyAgents, openLoop, send, stats, statLine, type LatencyStats, type RequestSpec } from './load.js';

// The SDL files are read from the repository (bench runs from its root, compiled or not).
const ROOT = process.cwd();
const JWT = { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' };
const AGENT: Identity = { sub: 'bench-agent', roles: ['agent'], seller: 'acme' };

export interface ConsentStack {
  sim: HubspotSim;
  consents: RunningConsentSubgraph[];
  gateways: RunningGateway[];
  crmUrl: string;
  token: string;
  db: Database;
  close(): Promise<void>;
}

/**
 * HubSpot sim + HubSpot subgraph + `replicas` consent subgraphs (one database, one bus) + one
 * gateway per consent replica. PostgreSQL/Redis when URLs are given, else PGlite + in-process bus.
 */
export async function startConsentStack(options: { replicas: number; databaseUrl?: string; redisUrl?: string; busPrefix?: string }): Promise<ConsentStack> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
    closers.push(() => sim.close());
    const hubspot = await startHubspotSubgraph({ ...loadHubspotSubgraphConfig({ HUBSPOT_BASE_URL: sim.url, HUBSPOT_SUBGRAPH_PORT: '0', LOG_LEVEL: 'silent' }), log: silentLogger });
    closers.push(() => hubspot.close());
    const db = options.databaseUrl ? await openConsentDatabase({ url: options.databaseUrl, maxConnections: 20 }) : await openConsentDatabase({});
    closers.push(() => db.close());
    const sharedBus: EventBus | undefined = options.redisUrl ? undefined : await createEventBus();
    if (sharedBus) closers.push(() => sharedBus.close());
    const consents: RunningConsentSubgraph[] = [];
    for (let i = 0; i < options.replicas; i++) {
      const c = await startConsentSubgraph(
        { port: 0, nodeEnv: 'production', logLevel: 'silent', internalSecret: DEV_INTERNAL_SECRET, redisUrl: options.redisUrl, revocationPollMs: 1_000 },
        { log: silentLogger, metrics: createMetrics(`consent-${i}`, { collectDefault: false }), db, bus: sharedBus, busPrefix: options.busPrefix },
      );
      consents.push(c);
      closers.push(() => c.close());
    }
    const composition = composeSupergraph(readSubgraphSdls(ROOT));
    if (!composition.ok) throw new Error(`composition failed: ${composition.errors.join('; ')}`);
    const supergraphPath = path.join(mkdtempSync(path.join(os.tmpdir(), 'consent-bench-')), 'supergraph.graphql');
    writeFileSync(supergraphPath, composition.supergraphSdl);
    const gateways: RunningGateway[] = [];
    for (const c of consents) {
      const config = loadGatewayConfig({
        // 'test': production refuses the development secrets this in-process stack uses.
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        GATEWAY_PORT: '0',
        SUPERGRAPH_PATH: supergraphPath,
        CRM_SUBGRAPHS: `hubspot=${hubspot.url}`,
        CONSENT_SUBGRAPH_URL: c.url,
        JWT_SECRET: DEV_JWT_SECRET,
        DIALPLANE_INTERNAL_SECRET: DEV_INTERNAL_SECRET,
      } as NodeJS.ProcessEnv);
      const g = await startGateway({ ...config, development: false }, { log: silentLogger, collectDefaultMetrics: false });
      gateways.push(g);
      closers.push(() => g.close());
    }
    const token = await signToken(AGENT, JWT, '2h');
    return {
      sim,
      consents,
      gateways,
      crmUrl: hubspot.url,
      token,
      db,
      close: async () => {
        for (const close of closers.reverse()) await close().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}

/** Subscribes `count` times over `perSocket`-multiplexed graphql-ws connections to `url` (a gateway). */
export function subscribeMany(url: string, token: string, count: number, perSocket: number, onEvent: (index: number, cursor: string) => void): { clients: Client[] } {
  const clients: Client[] = [];
  const query = 'subscription { consentRevoked { phone cursor } }';
  for (let s = 0; s * perSocket < count; s++) {
    const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
    clients.push(client);
    for (let j = 0; j < perSocket && s * perSocket + j < count; j++) {
      const index = s * perSocket + j;
      client.subscribe<{ consentRevoked: { cursor: string } }>({ query }, { next: (m) => onEvent(index, m.data!.consentRevoked.cursor), error: () => undefined, complete: () => undefined });
    }
  }
  return { clients };
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

const WRITTEN = (phone: string) => ({
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

export async function run(report: (section: string, data: Record<string, unknown>) => void, input: { durationMs?: number; rate?: number; subscriptions?: number; revocations?: number } = {}): Promise<void> {
  const durationMs = input.durationMs ?? 10_000;
  const rate = input.rate ?? 200;
  const subscriptions = input.subscriptions ?? 1_000;
  const revocations = input.revocations ?? 20;
  const log = (line: string) => console.log(`[consent] ${line}`);
  const stack = await startConsentStack({ replicas: 2, databaseUrl: process.env.DATABASE_URL || undefined, redisUrl: process.env.REDIS_URL || undefined, busPrefix: `bench:consent:${process.pid}:` });
  const clients: Client[] = [];
  try {
    const [c0] = stack.consents as [RunningConsentSubgraph, RunningConsentSubgraph];
    const [g0, g1] = stack.gateways as [RunningGateway, RunningGateway];
    const identity = () => ({ [IDENTITY_HEADER]: signIdentity(AGENT, DEV_INTERNAL_SECRET) });

    // A contact from the sim with a consented number; registry data for its area code.
    const page = JSON.parse((await send({ url: `${stack.sim.url}/crm/v3/objects/contacts?limit=20&properties=phone,mobilephone`, headers: { authorization: 'Bearer dev-hubspot-token' } }, 0)).body) as {
      results: { id: string; properties: Record<string, string | null> }[];
    };
    const contactQuery = (id: string) => JSON.stringify({ query: `{ contact(id: "hubspot:${id}") { primaryPhone } }` });
    let contactId = '';
    let phone = '';
    for (const r of page.results) {
      const res = JSON.parse((await send({ url: g0.url, method: 'POST', headers: { authorization: `Bearer ${stack.token}` }, body: contactQuery(r.id) }, 0)).body) as { data?: { contact?: { primaryPhone?: string | null } } };
      const p = res.data?.contact?.primaryPhone;
      if (p) {
        contactId = r.id;
        phone = p;
        break;
      }
    }
    if (!phone) throw new Error('no sim contact with a valid phone');
    const ac = phone.slice(2, 5);
    await markSynced(stack.db, 'national', ac, new Date());
    for (const s of ['FL', 'OK', 'LA', 'MA', 'CO', 'IN', 'MO', 'PA', 'TN', 'TX', 'WY']) await markSynced(stack.db, `state:${s}`, '*', new Date());
    await send({ url: c0.url, method: 'POST', headers: identity(), body: JSON.stringify({ query: 'mutation($i: RecordConsentInput!) { recordConsent(input: $i) { cursor } }', variables: { i: WRITTEN(phone) } }) }, 0);
    log(`contact hubspot:${contactId}, ${os.cpus().length} cpus, db ${stack.db.kind}, ${durationMs} ms per phase`);

    // 1. The decision inside the subgraph, and the pure rules as baseline.
    const service = c0.service;
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
    const stored = await loadStoredFacts(stack.db, phone, new Date(Date.now() - 8 * 86_400_000));
    const facts = { at: new Date(), evaluatedAt: new Date(), purpose: 'MARKETING' as const, seller: 'acme', subject: 'MARKETING', phone: { e164: phone, country: 'US', valid: true }, geo: calleeGeo(phone), ...stored };
    for (let i = 0; i < 3_000; i++) {
      const t = performance.now();
      evaluate(facts, currentPolicy);
      rulesMs.push(performance.now() - t);
    }
    const decision = { p50: pct(decideMs, 50), p99: pct(decideMs, 99), rulesP50: pct(rulesMs, 50), rulesP99: pct(rulesMs, 99), allowed: sample.decision.allowed, reasons: sample.decision.reasons };
    log(`decision in the subgraph (facts + rules + audit): p50 ${decision.p50.toFixed(3)} ms p99 ${decision.p99.toFixed(3)} ms; rules alone p50 ${decision.rulesP50.toFixed(3)} ms p99 ${decision.rulesP99.toFixed(3)} ms; target p99 <= 2 ms ${decision.p99 <= 2 ? 'MET' : 'NOT MET'}`);
    report('consent', { phase: 'decision-in-subgraph', ...decision, target: 'p99 <= 2 ms', met: decision.p99 <= 2 });

    // 2. callPermission over HTTP: subgraph directly, through the gateway.
    const permissionBody = JSON.stringify({ query: `query($p: String!) { callPermission(phone: $p, purpose: MARKETING) { allowed reasons decisionId } }`, variables: { p: phone } });
    const subgraphSpec: RequestSpec = { url: c0.url, method: 'POST', headers: identity(), body: permissionBody };
    const gatewaySpec: RequestSpec = { url: g0.url, method: 'POST', headers: { authorization: `Bearer ${stack.token}` }, body: permissionBody };
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
    const contactBody = JSON.stringify({ query: `query($id: ID!) { contact(id: $id) { id primaryPhone timeZone location { state } } }`, variables: { id: `hubspot:${contactId}` } });
    const combinedSpec: RequestSpec = { url: g0.url, method: 'POST', headers: { authorization: `Bearer ${stack.token}` }, body: combinedBody };
    const contactSpec: RequestSpec = { url: g0.url, method: 'POST', headers: { authorization: `Bearer ${stack.token}` }, body: contactBody };
    const probe = await send(combinedSpec, 0);
    if (probe.body.includes('"errors"')) log(`combined query answered errors: ${probe.body.slice(0, 300)}`);
    for (let i = 0; i < 200; i++) await send(combinedSpec, i);
    const contactOnly = await openLoop(contactSpec, rate, durationMs);
    log(statLine(`contact alone through the gateway, ${rate} req/s (baseline)`, contactOnly));
    const combined = await openLoop(combinedSpec, rate, durationMs);
    log(statLine(`contact + callPermission through the gateway, ${rate} req/s`, combined));
    log(`contact + permission p99 ${combined.p99.toFixed(2)} ms (target <= 12 ms: ${combined.p99 <= 12 ? 'MET' : 'NOT MET'}); cost over the contact alone: p50 +${(combined.p50 - contactOnly.p50).toFixed(2)} ms`);
    report('consent', { phase: 'contact-plus-permission', rate, baselineContactOnly: contactOnly, combined, target: 'p99 <= 12 ms at 200 req/s', met: combined.p99 <= 12 });

    // 4. Revocation delivery across 1,000 subscriptions on two gateway replicas.
    const received = new Map<string, number[]>();
    const per = Math.ceil(subscriptions / 2);
    for (const [g, offset] of [[g0, 0], [g1, per]] as const) {
      clients.push(
        ...subscribeMany(g.url, stack.token, Math.min(per, subscriptions - offset), 50, (_i, cursor) => {
          let list = received.get(cursor);
          if (!list) received.set(cursor, (list = []));
          list.push(performance.now());
        }).clients,
      );
    }
    const open = () => stack.consents.reduce((n, c) => n + c.hub.subscribers, 0);
    const deadline = Date.now() + 60_000;
    while (open() < subscriptions && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    log(`${open()} subscriptions open on 2 consent replicas behind 2 gateways`);
    const delivery: number[] = [];
    let missing = 0;
    for (let i = 0; i < revocations; i++) {
      const target = `+1${ac}555${String(1000 + i).padStart(4, '0')}`;
      const t0 = performance.now();
      const res = await send({ url: stack.consents[i % 2]!.url, method: 'POST', headers: identity(), body: JSON.stringify({ query: 'mutation($i: RevokeConsentInput!) { revokeConsent(input: $i) { cursor } }', variables: { i: { phone: target, channel: 'VOICE', source: 'bench', occurredAt: new Date().toISOString() } } }) }, i);
      const cursor = (JSON.parse(res.body) as { data: { revokeConsent: { cursor: string } } }).data.revokeConsent.cursor;
      const until = performance.now() + 5_000;
      while ((received.get(cursor)?.length ?? 0) < subscriptions && performance.now() < until) await new Promise((r) => setTimeout(r, 2));
      const times = received.get(cursor) ?? [];
      missing += subscriptions - times.length;
      for (const t of times) delivery.push(t - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
    const deliveryStats: LatencyStats = stats(delivery, missing, 0);
    log(`revocation delivery to ${subscriptions} subscriptions x ${revocations} revocations: p50 ${deliveryStats.p50.toFixed(1)} ms p99 ${deliveryStats.p99.toFixed(1)} ms max ${deliveryStats.max.toFixed(1)} ms, missing ${missing}; target p99 <= 100 ms ${deliveryStats.p99 <= 100 && missing === 0 ? 'MET' : 'NOT MET'}`);
    report('consent', { phase: 'revocation-delivery', subscriptions, revocations, bus: process.env.REDIS_URL ? 'redis' : 'memory', p50: deliveryStats.p50, p99: deliveryStats.p99, max: deliveryStats.max, missing, target: 'p99 <= 100 ms', met: deliveryStats.p99 <= 100 && missing === 0 });
  } finally {
    for (const c of clients) await Promise.resolve(c.dispose()).catch(() => undefined);
    destroyAgents();
    await stack.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
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
