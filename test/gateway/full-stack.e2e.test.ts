import { existsSync } from 'node:fs';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { silentLogger } from '../../shared/logger.js';
import { loadConfig } from '../../shared/config.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { mintDevTokens } from '../../gateway/dev-tokens.js';
import { runVoiceAgent } from '../../examples/voice-agent.js';
import { TEST_JWT, TEST_SECRET } from './fixtures/subgraphs.js';
import { post } from './fixtures/client.js';
import { eventually } from '../support/eventually.js';

// The newcomer's path with the real parts: simulators with their demo data, the real CRM, consent
// and engagement subgraphs (embedded: in-process bus, in-memory PGlite), the committed supergraph,
// the gateway, and the example voice-agent client. The Salesforce side joins when its simulator
// exists (sim/salesforce/server.ts).

const root = path.resolve(import.meta.dirname, '../..');
const has = (rel: string) => existsSync(path.join(root, rel));
const closers: (() => Promise<void>)[] = [];
let gateway: RunningGateway;
let bus: EventBus;
/** Revocation subscriptions open at the consent subgraph (the agent's goes through the gateway to it). */
let consentSubscribers: () => number;
let tokens: Awaited<ReturnType<typeof mintDevTokens>>;
const crms: { name: string; url: string }[] = [];

beforeAll(async () => {
  bus = await createEventBus();
  const base = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DIALPLANE_INTERNAL_SECRET: TEST_SECRET, CACHE_TTL_MS: '10000' };

  const { startHubspotSim } = await import('../../sim/hubspot/server.js');
  const hubspotSim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
  closers.push(() => hubspotSim.close());
  const env: Record<string, string> = { ...base, HUBSPOT_BASE_URL: hubspotSim.url, HUBSPOT_SUBGRAPH_PORT: '0' };

  if (has('sim/salesforce/server.ts')) {
    const { startSalesforceSim } = await import(path.join(root, 'sim/salesforce/server.ts'));
    const salesforceSim = await startSalesforceSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
    closers.push(() => salesforceSim.close());
    Object.assign(env, {
      SALESFORCE_LOGIN_URL: salesforceSim.url,
      SALESFORCE_INSTANCE_URL: salesforceSim.url,
      SALESFORCE_SUBGRAPH_PORT: '0',
    });
    const { loadSalesforceSubgraphConfig } = await import('../../subgraphs/salesforce/config.js');
    const { startSalesforceSubgraph } = await import('../../subgraphs/salesforce/server.js');
    const salesforce = await startSalesforceSubgraph({ ...loadSalesforceSubgraphConfig(env), log: silentLogger, bus });
    closers.push(() => salesforce.close());
    crms.push({ name: 'salesforce', url: salesforce.url });
  }

  const { loadHubspotSubgraphConfig } = await import('../../subgraphs/hubspot/config.js');
  const { startHubspotSubgraph } = await import('../../subgraphs/hubspot/server.js');
  const hubspot = await startHubspotSubgraph({ ...loadHubspotSubgraphConfig(env), log: silentLogger, bus });
  closers.push(() => hubspot.close());
  crms.push({ name: 'hubspot', url: hubspot.url });

  const { loadConsentConfig } = await import('../../subgraphs/consent/config.js');
  const { startConsentSubgraph } = await import('../../subgraphs/consent/server.js');
  const consent = await startConsentSubgraph(loadConsentConfig({ ...env, CONSENT_SUBGRAPH_PORT: '0' }), {
    log: silentLogger,
    bus,
  });
  closers.push(() => consent.close());
  consentSubscribers = () => consent.hub.subscribers;

  const { engagementEnv, toEngagementConfig } = await import('../../subgraphs/engagement/config.js');
  const { startEngagementSubgraph } = await import('../../subgraphs/engagement/server.js');
  const engagement = await startEngagementSubgraph(
    toEngagementConfig(
      loadConfig(engagementEnv, {
        ...env,
        ENGAGEMENT_SUBGRAPH_PORT: '0',
        CONSENT_SUBGRAPH_URL: consent.url,
        ENGAGEMENT_WORKER: 'false',
      }),
    ),
    { log: silentLogger },
  );
  closers.push(() => engagement.close());

  gateway = await startGateway(
    {
      port: 0,
      development: false,
      internalSecret: TEST_SECRET,
      jwt: TEST_JWT,
      supergraphSdl: readFileSync(path.join(root, 'schema/supergraph.graphql'), 'utf8'),
      crmSubgraphs: crms,
      subgraphUrls: { consent: consent.url, engagement: engagement.url },
    },
    { log: silentLogger, collectDefaultMetrics: false },
  );
  closers.push(() => gateway.close());
  tokens = await mintDevTokens(TEST_JWT);
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await bus?.close();
});

describe('full stack through the gateway (real subgraphs and simulators)', () => {
  it('the example voice agent finds a demo contact by phone and gets its call-start view', async () => {
    const lines: string[] = [];
    const run = await runVoiceAgent({
      url: gateway.url,
      token: tokens.agent,
      phone: '+14155550100',
      log: (l) => lines.push(l),
    });
    expect(run.candidates, lines.join('\n')).toBeGreaterThanOrEqual(1);
    expect(run.contact?.id).toMatch(/^(hubspot|salesforce):/);
    expect(run.contact?.primaryPhone).toMatch(/^\+1\d{10}$/);
    expect(typeof run.contact?.callPermission?.allowed).toBe('boolean');
    expect(run.contact?.freshness.stale).toBe(false);
    expect(run.partialErrors, lines.join('\n')).toEqual([]);
  });

  it('pushes a consent revocation to the listening agent through the gateway', async () => {
    // The agent listens on the number it was given: the one it would dial.
    const phone = '+14155550100';
    const before = consentSubscribers();
    const listening = runVoiceAgent({ url: gateway.url, token: tokens.agent, phone: '+14155550100', listenMs: 2_500 });
    await eventually(() => consentSubscribers() > before, 2_000, 10);
    const revoke = await post(
      gateway.url,
      `mutation($input: RevokeConsentInput!) { revokeConsent(input: $input) { __typename } }`,
      {
        token: tokens.admin,
        variables: {
          input: {
            phone,
            channel: 'VOICE',
            scope: 'ALL_SELLERS',
            source: 'gateway-e2e',
            occurredAt: new Date().toISOString(),
          },
        },
      },
    );
    expect(revoke.body.errors, JSON.stringify(revoke.body.errors)).toBeUndefined();
    const run = await listening;
    expect(run.revocations.map((r) => r.phone)).toContain(phone);
  });
});
