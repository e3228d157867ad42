/**
 * `npm run bench -- platforms`: the voice-platforms service's call-start answer against its own
 * baseline, measured in the same run, in one process (the whole system in-process, as `npm start`):
 *
 * - baseline: the two gateway queries the service makes per call start (contact with its
 *   permission, and the number's permission), sent straight to the gateway in parallel;
 * - Telnyx `assistant.initialization` (Ed25519-verified) and Vapi `assistant-request` (HMAC) through
 *   the service, warm, open loop at `rate` req/s;
 * - the same Telnyx call start with one CRM hanging (every request to the HubSpot simulator hangs);
 * - opt-out to subscriber: a Vapi live-transcript opt-out until a graphql-ws subscriber has it.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { DEV_SECRETS, loadConfig } from '../shared/config.js';
import { createEventBus } from '../shared/events.js';
import { silentLogger } from '../shared/logger.js';
import { composeSupergraph, readSubgraphSdls } from '../gateway/compose-supergraph.js';
import { mintDevTokens } from '../gateway/dev-tokens.js';
import { startGateway } from '../gateway/server.js';
import { loadManifest, TRUSTED_DOCUMENTS_MANIFEST } from '../shared/trusted-documents-manifest.js';
import { startSalesforceSim } from '../sim/salesforce/server.js';
import { startHubspotSim } from '../sim/hubspot/server.js';
import { loadSalesforceSubgraphConfig } from '../subgraphs/salesforce/config.js';
import { startSalesforceSubgraph } from '../subgraphs/salesforce/server.js';
import { loadHubspotSubgraphConfig } from '../subgraphs/hubspot/config.js';
import { startHubspotSubgraph } from '../subgraphs/hubspot/server.js';
import { loadConsentConfig } from '../subgraphs/consent/config.js';
import { startConsentSubgraph } from '../subgraphs/consent/server.js';
import { engagementEnv, toEngagementConfig } from '../subgraphs/engagement/config.js';
import { startEngagementSubgraph } from '../subgraphs/engagement/server.js';
import { platformsEnv, toPlatformsConfig } from '../platforms/core/config.js';
import { CONTACT_QUERY, PERMISSION_QUERY } from '../platforms/core/gateway-operations.js';
import { startPlatformsService } from '../platforms/service.js';
import { createPlatformClient } from '../sim/platforms/client.js';
import * as payloads from '../sim/platforms/payloads.js';
import { simCall } from '../sim/platforms/calls.js';
import { fmt, openLoopFn, statLine, stats, type LatencyStats } from './load.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Numbers the demo data holds in one CRM or both (sim/data/demo-contacts.ts).
const PHONES = [
  '+14155550100',
  '+18085550120',
  '+18505550140',
  '+14165550130',
  '+19075550170',
  '+19155550180',
  '+12125550160',
  '+16025550110',
];

export async function run(
  report: (section: string, data: Record<string, unknown>) => void,
  input: { rate?: number; durationMs?: number } = {},
): Promise<void> {
  const rate = input.rate ?? 100;
  const durationMs = input.durationMs ?? 5_000;
  const log = (line: string) => console.log(`[platforms] ${line}`);
  const closers: (() => Promise<void>)[] = [];
  try {
    const bus = await createEventBus();
    closers.push(() => bus.close());
    const latency = { medianMs: 60, jitterMs: 20 };
    const sf = await startSalesforceSim({ port: 0, contacts: 1_000, latency });
    closers.push(() => sf.close());
    const hs = await startHubspotSim({ port: 0, contacts: 1_000, latency });
    closers.push(() => hs.close());
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      SALESFORCE_LOGIN_URL: sf.url,
      SALESFORCE_INSTANCE_URL: sf.url,
      HUBSPOT_BASE_URL: hs.url,
      SALESFORCE_SUBGRAPH_PORT: '0',
      HUBSPOT_SUBGRAPH_PORT: '0',
      CONSENT_SUBGRAPH_PORT: '0',
      ENGAGEMENT_SUBGRAPH_PORT: '0',
      PLATFORMS_PORT: '0',
    };
    const salesforce = await startSalesforceSubgraph({ ...loadSalesforceSubgraphConfig(env), log: silentLogger, bus });
    closers.push(() => salesforce.close());
    const hubspot = await startHubspotSubgraph({ ...loadHubspotSubgraphConfig(env), log: silentLogger, bus });
    closers.push(() => hubspot.close());
    const consent = await startConsentSubgraph(loadConsentConfig(env), { log: silentLogger, bus });
    closers.push(() => consent.close());
    const engagement = await startEngagementSubgraph(
      toEngagementConfig(
        loadConfig(engagementEnv, { ...env, CONSENT_SUBGRAPH_URL: consent.url, ENGAGEMENT_WORKER: 'false' }),
      ),
      { log: silentLogger },
    );
    closers.push(() => engagement.close());
    const composition = composeSupergraph(readSubgraphSdls(root));
    if (!composition.ok) throw new Error(composition.errors.join('; '));
    const jwt = { secret: DEV_SECRETS.JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' };
    const gateway = await startGateway(
      {
        port: 0,
        development: false,
        internalSecret: DEV_SECRETS.DIALPLANE_INTERNAL_SECRET,
        jwt,
        supergraphSdl: composition.supergraphSdl,
        crmSubgraphs: [
          { name: 'salesforce', url: salesforce.url },
          { name: 'hubspot', url: hubspot.url },
        ],
        subgraphUrls: { consent: consent.url, engagement: engagement.url },
        // As `npm start`: the trusted-documents manifest loaded, so the service's document ids resolve.
        admission: {
          trustedDocuments: { mode: 'off', manifest: loadManifest(path.join(root, TRUSTED_DOCUMENTS_MANIFEST)) },
        },
      },
      { log: silentLogger, collectDefaultMetrics: false },
    );
    closers.push(() => gateway.close());
    const config = toPlatformsConfig(loadConfig(platformsEnv, { ...env, GATEWAY_URL: gateway.url }));
    const service = await startPlatformsService(config, { log: silentLogger });
    closers.push(() => service.close());
    const client = createPlatformClient({ baseUrl: service.url, secrets: config.secrets });
    const token = (await mintDevTokens(jwt)).agent;

    const direct = async (i: number) => {
      const variables = { phone: PHONES[i % PHONES.length], purpose: 'MARKETING' };
      const one = (query: string) =>
        fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        }).then((r) => r.json());
      const [a, b] = (await Promise.all([one(CONTACT_QUERY), one(PERMISSION_QUERY)])) as { errors?: unknown }[];
      return !a!.errors && !b!.errors;
    };
    // An answer counts only when it carries the context (a fast "unavailable" is not a call start).
    const telnyx = async (i: number) => {
      const res = await client.send(
        'telnyx',
        'dynamic-variables',
        payloads.telnyx.initialization(simCall('telnyx', PHONES[i % PHONES.length]!)),
      );
      return (
        res.status === 200 &&
        (res.body as { dynamic_variables?: Record<string, string> }).dynamic_variables?.dialplane_context_stale ===
          'false'
      );
    };
    const vapi = async (i: number) => {
      const res = await client.send(
        'vapi',
        'events',
        payloads.vapi.assistantRequest(simCall('vapi', PHONES[i % PHONES.length]!)),
      );
      return res.status === 200 && !JSON.stringify(res.body).includes('UNAVAILABLE');
    };
    let unavailable = 0;
    const telnyxMarked = async (i: number) => {
      const res = await client.send(
        'telnyx',
        'dynamic-variables',
        payloads.telnyx.initialization(simCall('telnyx', PHONES[i % PHONES.length]!)),
      );
      if (
        (res.body as { dynamic_variables?: Record<string, string> }).dynamic_variables?.dialplane_context_stale ===
        'true'
      )
        unavailable++;
      return res.status === 200;
    };

    log(`warm-up (unreported): ${PHONES.length} numbers through both paths`);
    await openLoopFn(direct, 50, 2_000);
    await openLoopFn(telnyx, 50, 2_000);
    await openLoopFn(vapi, 50, 2_000);

    // One at a time first: the cost of a call start without any queueing behind others.
    const sequential = async (fn: (i: number) => Promise<boolean>) => {
      const samples: number[] = [];
      for (let i = 0; i < 40; i++) {
        const t0 = performance.now();
        await fn(i);
        samples.push(performance.now() - t0);
      }
      return stats(samples, 0, 0);
    };
    const seqDirect = await sequential(direct);
    const seqTelnyx = await sequential(telnyx);
    log(
      `one at a time (40 each): gateway queries direct p50 ${fmt(seqDirect.p50)} ms, telnyx call start p50 ${fmt(seqTelnyx.p50)} ms (×${fmt(seqTelnyx.p50 / seqDirect.p50)})`,
    );

    const phase = async (label: string, fn: (i: number) => Promise<boolean>): Promise<LatencyStats> => {
      const s = await openLoopFn(fn, rate, durationMs);
      log(statLine(label, s));
      return s;
    };
    const baseline = await phase(`baseline: gateway queries direct @${rate}/s`, direct);
    const t = await phase(`telnyx call start @${rate}/s`, telnyx);
    const v = await phase(`vapi call start @${rate}/s`, vapi);
    log(
      `ratios to baseline p50/p99: telnyx ${fmt(t.p50 / baseline.p50)} / ${fmt(t.p99 / baseline.p99)}, vapi ${fmt(v.p50 / baseline.p50)} / ${fmt(v.p99 / baseline.p99)}`,
    );

    await hs.admin.setFaults({ hangRate: 1 });
    const hanging = await phase(`telnyx call start, HubSpot hanging @${rate}/s`, telnyxMarked);
    log(
      `  answers marked stale/unavailable: ${unavailable} of ${hanging.count}; max ${fmt(hanging.max)} ms (target: every answer < 1000 ms)`,
    );
    await hs.admin.setFaults({ hangRate: 0 });

    // Opt-out to subscriber: one subscriber for 40 numbers; each opt-out is a new call for a number
    // not revoked before (revoking a revoked number is idempotent: no new event to push).
    // The first number is a warm-up: graphql-ws does not acknowledge a subscribe, so the first
    // opt-out could race the subscription's registration; it is sent, awaited and not counted.
    const phones = Array.from({ length: 41 }, (_, i) => `+1850555${String(2_000 + i).padStart(4, '0')}`);
    const ws = createClient({
      url: gateway.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    closers.push(() => ws.dispose() as Promise<void>);
    const arrived = new Map<string, () => void>();
    await new Promise<void>((resolve, reject) => {
      ws.on('connected', () => resolve());
      ws.subscribe<{ consentRevoked: { phone: string } }>(
        { query: 'subscription($p: [String!]) { consentRevoked(phones: $p) { phone } }', variables: { p: phones } },
        { next: (m) => arrived.get(m.data?.consentRevoked.phone ?? '')?.(), error: reject, complete: () => undefined },
      );
    });
    const delays: number[] = [];
    let missed = 0;
    for (const phone of phones) {
      const call = simCall('vapi', phone, { optOut: true });
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const received = new Promise<boolean>((resolve) => {
        arrived.set(phone, () => resolve(true));
        timer = setTimeout(() => resolve(false), 5_000);
      });
      await client.send('vapi', 'events', payloads.vapi.transcript(call, 'Please stop calling me.'));
      const got = await received;
      clearTimeout(timer);
      if (phone === phones[0]) continue;
      if (got) delays.push(performance.now() - started);
      else missed++;
    }
    if (missed > 0)
      log(`opt-out: ${missed} of ${phones.length - 1} revocations did not reach the subscriber within 5 s`);
    const optOut = stats(delays, 0, 0);
    log(
      `opt-out (Vapi transcript) to subscriber, ${delays.length} of 40 sequential: p50 ${fmt(optOut.p50)} ms  p99 ${fmt(optOut.p99)} ms  max ${fmt(optOut.max)} ms (target p99 <= 100 ms)`,
    );

    report('platforms', {
      rate,
      durationMs,
      baseline,
      telnyx: t,
      vapi: v,
      hubspotHanging: { ...hanging, markedUnavailable: unavailable },
      optOutToSubscriber: optOut,
    });
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}
