import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { silentLogger } from '../../shared/logger.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import type { GatewayConfig } from '../../gateway/config.js';
import { mintDevTokens } from '../../gateway/dev-tokens.js';
import {
  TEST_JWT,
  TEST_SECRET,
  fixtureSupergraph,
  startConsentFixture,
  startCrmFixture,
  startEngagementFixture,
  type CrmFixture,
} from './fixtures/subgraphs.js';
import { collect, post, wsClient } from './fixtures/client.js';
import { TEST_REDIS_URL, describeWithRedis, uniquePrefix } from '../support/services.js';

const SHARED_PHONE = '+14155550100';
let salesforce: CrmFixture;
let hubspot: CrmFixture;
let engagement: Awaited<ReturnType<typeof startEngagementFixture>>;
let consent: Awaited<ReturnType<typeof startConsentFixture>>;
let bus: EventBus;
let gatewayA: RunningGateway;
let gatewayB: RunningGateway;
let tokens: Awaited<ReturnType<typeof mintDevTokens>>;
const supergraphSdl = fixtureSupergraph();

function config(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    port: 0,
    development: false,
    internalSecret: TEST_SECRET,
    jwt: TEST_JWT,
    supergraphSdl,
    crmSubgraphs: [
      { name: 'salesforce', url: salesforce.url },
      { name: 'hubspot', url: hubspot.url },
    ],
    subgraphUrls: { consent: consent.url, engagement: engagement.url },
    subgraphTimeoutMs: 2_000,
    ...overrides,
  };
}

beforeAll(async () => {
  salesforce = await startCrmFixture('salesforce', [
    { sourceId: '001', first: 'Ada', phone: SHARED_PHONE, stage: 'QUALIFIED' },
    { sourceId: '002', first: 'Grace', phone: '+14155550102' },
    { sourceId: '003', first: 'Broken', phone: '+14155550103', failName: true },
  ]);
  hubspot = await startCrmFixture('hubspot', [
    { sourceId: '51', first: 'Linus', phone: SHARED_PHONE, stage: 'CUSTOMER' },
    { sourceId: '52', first: 'Margaret', phone: '+14155550109' },
  ]);
  engagement = await startEngagementFixture([
    'hubspot:51',
    'salesforce:001',
    'salesforce:003',
    'hubspot:52',
    'salesforce:002',
  ]);
  bus = await createEventBus();
  consent = await startConsentFixture(bus);
  gatewayA = await startGateway(config(), { log: silentLogger, collectDefaultMetrics: false });
  gatewayB = await startGateway(config(), { log: silentLogger, collectDefaultMetrics: false });
  tokens = await mintDevTokens(TEST_JWT);
});

afterAll(async () => {
  await Promise.all([gatewayA?.close(), gatewayB?.close()]);
  await Promise.all([salesforce?.close(), hubspot?.close(), engagement?.close(), consent?.close()]);
  await bus?.close();
});

const resetCalls = () => {
  salesforce.calls.length = 0;
  hubspot.calls.length = 0;
};

describe('gateway end to end over HTTP', () => {
  it('answers a contact query spanning the crm, engagement and consent subgraphs', async () => {
    const { status, body } = await post(
      gatewayA.url,
      `query CallStart($id: ID!) { contact(id: $id) { id source name { full } primaryPhone crmIntentStage intentStage callPermission { allowed reasons } } }`,
      { token: tokens.agent, variables: { id: 'hubspot:52' } },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!.contact).toEqual({
      id: 'hubspot:52',
      source: 'HUBSPOT',
      name: { full: 'Margaret Test' },
      primaryPhone: '+14155550109',
      crmIntentStage: 'NEW',
      intentStage: 'ENGAGED',
      callPermission: { allowed: false, reasons: ['DNC_INTERNAL'] },
    });
  });

  it('routes a mixed-source contacts(ids) list to each CRM and reassembles it in order', async () => {
    resetCalls();
    const ids = ['hubspot:52', 'salesforce:002', 'nowhere:1', 'salesforce:001', 'hubspot:51', 'salesforce:404'];
    const { body } = await post(
      gatewayA.url,
      `query($ids: [ID!]!) { contacts(ids: $ids) { id name { first } intentStage } }`,
      {
        token: tokens.agent,
        variables: { ids },
      },
    );
    expect(body.data!.contacts.map((c: { id: string } | null) => c?.id ?? null)).toEqual([
      'hubspot:52',
      'salesforce:002',
      null,
      'salesforce:001',
      'hubspot:51',
      null,
    ]);
    expect(body.data!.contacts[3].intentStage).toBe('QUALIFIED');
    // Each CRM was asked once, for its own ids only, in their original relative order.
    expect(salesforce.calls.filter((c) => c.field === 'contacts')).toEqual([
      { field: 'contacts', ids: ['salesforce:002', 'salesforce:001', 'salesforce:404'] },
    ]);
    expect(hubspot.calls.filter((c) => c.field === 'contacts')).toEqual([
      { field: 'contacts', ids: ['hubspot:52', 'hubspot:51'] },
    ]);
    expect(salesforce.foreign).toEqual([]);
    expect(hubspot.foreign).toEqual([]);
    const unknown = body.errors!.find((e) => e.extensions?.code === 'BAD_USER_INPUT');
    expect(unknown?.path).toEqual(['contacts', 2]);
  });

  it('splits an entity batch across CRMs and keeps order and error paths', async () => {
    resetCalls();
    const { body } = await post(gatewayA.url, `{ recentlyCalled { id source name { first } } }`, {
      token: tokens.agent,
    });
    expect(body.data!.recentlyCalled.map((c: { id: string }) => c.id)).toEqual([
      'hubspot:51',
      'salesforce:001',
      'salesforce:003',
      'hubspot:52',
      'salesforce:002',
    ]);
    expect(body.data!.recentlyCalled.map((c: { name: { first: string } | null }) => c.name?.first ?? null)).toEqual([
      'Linus',
      'Ada',
      null,
      'Margaret',
      'Grace',
    ]);
    // The failing field of the third contact (salesforce's second entity) is reported at index 2.
    const drift = body.errors!.find((e) => e.extensions?.code === 'CRM_SCHEMA_DRIFT');
    expect(drift?.path).toEqual(['recentlyCalled', 2, 'name']);
    expect(drift?.extensions?.crm).toBe('salesforce');
    expect(salesforce.calls.filter((c) => c.field === '_entities').flatMap((c) => c.ids)).toEqual([
      'salesforce:001',
      'salesforce:003',
      'salesforce:002',
    ]);
    expect(hubspot.calls.filter((c) => c.field === '_entities').flatMap((c) => c.ids)).toEqual([
      'hubspot:51',
      'hubspot:52',
    ]);
  });

  it('merges a phone lookup across every CRM', async () => {
    resetCalls();
    const { body } = await post(
      gatewayA.url,
      `query($p: String!) { contactsByPhone(phone: $p) { id name { first } } }`,
      {
        token: tokens.agent,
        variables: { p: SHARED_PHONE },
      },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.contactsByPhone).toEqual([
      { id: 'salesforce:001', name: { first: 'Ada' } },
      { id: 'hubspot:51', name: { first: 'Linus' } },
    ]);
    expect(salesforce.calls.map((c) => c.field)).toEqual(['contactsByPhone']);
    expect(hubspot.calls.map((c) => c.field)).toEqual(['contactsByPhone']);
  });

  it('reports an input error of a fan-out once, not once per CRM', async () => {
    const { body } = await post(gatewayA.url, `query($p: String!) { contactsByPhone(phone: $p) { id } }`, {
      token: tokens.agent,
      variables: { p: 'not a phone' },
    });
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({
      path: ['contactsByPhone'],
      extensions: { code: 'BAD_USER_INPUT', field: 'phone' },
    });
  });

  it('routes several aliased root fields with literal ids in one operation', async () => {
    const { body } = await post(
      gatewayA.url,
      `{ a: contact(id: "salesforce:002") { id } b: contact(id: "hubspot:51") { id } both: contacts(ids: ["hubspot:52", "salesforce:001"]) { id } }`,
      { token: tokens.agent },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      a: { id: 'salesforce:002' },
      b: { id: 'hubspot:51' },
      both: [{ id: 'hubspot:52' }, { id: 'salesforce:001' }],
    });
  });

  it('refuses requests without a valid token with 401 and UNAUTHENTICATED', async () => {
    const none = await post(gatewayA.url, `{ contact(id: "salesforce:001") { id } }`);
    expect(none.status).toBe(401);
    expect(none.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const forged = await post(gatewayA.url, `{ contact(id: "salesforce:001") { id } }`, {
      token: `${tokens.agent.slice(0, -4)}AAAA`,
    });
    expect(forged.status).toBe(401);
    expect(forged.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('serves the Apollo Sandbox landing page to a browser (static; its operations still need a token)', async () => {
    const page = await fetch(gatewayA.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toMatch(/sandbox/i);
  });

  it('a subgraph called directly, without the gateway identity, answers 401', async () => {
    const direct = await post(salesforce.url, `{ contact(id: "salesforce:001") { id } }`, { token: tokens.admin });
    expect(direct.status).toBe(401);
    expect(direct.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('allows introspection to analysts and refuses it to agents outside development', async () => {
    const query = `{ __schema { queryType { name } } }`;
    const agent = await post(gatewayA.url, query, { token: tokens.agent });
    expect(agent.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const analyst = await post(gatewayA.url, query, { token: tokens.analyst });
    expect(analyst.body.data!.__schema.queryType.name).toBe('Query');
  });

  it('propagates the request id and exposes health, readiness and metrics', async () => {
    const response = await fetch(gatewayA.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tokens.agent}`,
        'x-request-id': 'req-e2e-1',
      },
      body: JSON.stringify({ query: '{ contact(id: "salesforce:001") { id } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('req-e2e-1');
    expect(salesforce.requestIds).toContain('req-e2e-1');
    expect((await fetch(`${gatewayA.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gatewayA.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      supergraph: 'loaded',
      subgraphs: { salesforce: 'up', hubspot: 'up', consent: 'up', engagement: 'up' },
    });
    const metrics = await (await fetch(`${gatewayA.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/dialplane_gateway_operation_duration_seconds_count\{[^}]*operation="CallStart"/);
    expect(metrics).toMatch(/dialplane_gateway_subgraph_fetch_duration_seconds_count\{[^}]*subgraph="hubspot"/);
  });
});

describe('gateway with a subgraph down', () => {
  it('answers partial data plus SUBGRAPH_UNAVAILABLE when engagement and one CRM are down', async () => {
    const down = 'http://127.0.0.1:9/graphql'; // discard port: nothing listens
    const degraded = await startGateway(
      config({
        crmSubgraphs: [
          { name: 'salesforce', url: salesforce.url },
          { name: 'hubspot', url: down },
        ],
        subgraphUrls: { consent: consent.url, engagement: down },
      }),
      { log: silentLogger, collectDefaultMetrics: false },
    );
    try {
      const one = await post(degraded.url, `{ contact(id: "salesforce:001") { id name { first } intentStage } }`, {
        token: tokens.agent,
      });
      expect(one.status).toBe(200);
      expect(one.body.data!.contact).toEqual({ id: 'salesforce:001', name: { first: 'Ada' }, intentStage: null });
      const engagementError = one.body.errors!.find((e) => e.extensions?.subgraph === 'engagement');
      expect(engagementError?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
      // The error sits at the field the engagement outage nulled; the rest came from the crm subgraph.
      expect(engagementError?.path).toEqual(['contact', 'intentStage']);

      const mixed = await post(degraded.url, `{ contacts(ids: ["hubspot:51", "salesforce:002"]) { id } }`, {
        token: tokens.agent,
      });
      expect(mixed.body.data!.contacts).toEqual([null, { id: 'salesforce:002' }]);
      const hubspotError = mixed.body.errors!.find((e) => e.extensions?.subgraph === 'hubspot');
      expect(hubspotError?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
      expect(hubspotError?.path).toEqual(['contacts', 0]);
      expect(JSON.stringify(mixed.body)).not.toMatch(/stack|at .*\.ts/);

      const ready = await fetch(`${degraded.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await degraded.close();
    }
  });
});

describe('gateway with a subgraph that hangs', () => {
  it('gives up after SUBGRAPH_TIMEOUT_MS and answers the rest', async () => {
    // Accepts connections and never answers: the worst kind of down.
    const hung = net.createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const hungUrl = `http://127.0.0.1:${(hung.address() as net.AddressInfo).port}/graphql`;
    const gateway = await startGateway(
      config({ subgraphUrls: { consent: consent.url, engagement: hungUrl }, subgraphTimeoutMs: 300 }),
      { log: silentLogger, collectDefaultMetrics: false },
    );
    try {
      const started = performance.now();
      const { body } = await post(gateway.url, `{ contact(id: "hubspot:51") { id name { first } intentStage } }`, {
        token: tokens.agent,
      });
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(body.data!.contact).toEqual({ id: 'hubspot:51', name: { first: 'Linus' }, intentStage: null });
      expect(body.errors![0]!.extensions).toMatchObject({
        code: 'SUBGRAPH_UNAVAILABLE',
        subgraph: 'engagement',
        reason: 'timeout',
      });
    } finally {
      await gateway.close();
      hung.close();
    }
  });
});

describe('subscriptions over graphql-ws', () => {
  it('delivers one published event to subscribers on two gateway replicas', async () => {
    const clientA = wsClient(gatewayA.url, tokens.agent);
    const clientB = wsClient(gatewayB.url, tokens.compliance);
    const query = `subscription { consentRevoked { phone cursor } }`;
    const subA = collect(clientA, query);
    const subB = collect(clientB, query);
    try {
      await expect.poll(() => consent.listening(), { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
      expect(consent.seenIdentities).toEqual(expect.arrayContaining(['dev-agent', 'dev-compliance']));
      await bus.publish('consent.revoked', {
        eventId: 'e1',
        phone: '+14155550100',
        revokedAt: new Date().toISOString(),
        channel: 'voice',
        source: 'test',
        cursor: '1',
      });
      await Promise.all([subA.until(1), subB.until(1)]);
      expect(subA.results[0]).toEqual({ data: { consentRevoked: { phone: '+14155550100', cursor: '1' } } });
      expect(subB.results[0]).toEqual(subA.results[0]);
      const metrics = await (await fetch(`${gatewayA.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/dialplane_gateway_subscriptions_open\{[^}]*subgraph="consent"[^}]*\} 1/);
    } finally {
      subA.dispose();
      subB.dispose();
      await Promise.all([clientA.dispose(), clientB.dispose()]);
    }
  });

  it('refuses a connection without a valid token at connection_init (4401 Unauthorized)', async () => {
    let closedWith: number | undefined;
    const client = wsClient(gatewayA.url, undefined, (code) => (closedWith = code));
    const sub = collect(client, `subscription { consentRevoked { phone } }`);
    // 4401 Unauthorized: no valid token (4403 is kept for a valid token that may not subscribe).
    await expect.poll(() => closedWith, { timeout: 5_000 }).toBe(4401);
    sub.dispose();
    await client.dispose();
  });

  it('answers validation errors and runs queries over the socket', async () => {
    const client = wsClient(gatewayA.url, tokens.agent);
    try {
      const bad = collect(client, `subscription { noSuchField }`);
      await expect.poll(() => bad.error, { timeout: 5_000 }).toBeTruthy();
      const query = collect(client, `{ contact(id: "hubspot:51") { id name { first } } }`);
      await query.until(1);
      expect(query.results[0]).toEqual({ data: { contact: { id: 'hubspot:51', name: { first: 'Linus' } } } });
    } finally {
      await client.dispose();
    }
  });

  it('closes subscriber sockets cleanly when the gateway shuts down', async () => {
    const replica = await startGateway(config(), { log: silentLogger, collectDefaultMetrics: false });
    let closedWith: number | undefined;
    const client = wsClient(replica.url, tokens.agent, (code) => (closedWith = code));
    const sub = collect(client, `subscription { consentRevoked { phone } }`);
    const before = consent.seenIdentities.length;
    await expect.poll(() => consent.seenIdentities.length, { timeout: 5_000 }).toBeGreaterThan(before);
    await replica.close();
    await expect.poll(() => closedWith, { timeout: 5_000 }).toBe(1001);
    sub.dispose();
    await client.dispose();
  });
});

describeWithRedis('subscriptions across replicas of both the gateway and the subgraph', () => {
  it('an event published once on the Redis bus reaches clients of two gateways relaying from two consent replicas', async () => {
    const prefix = uniquePrefix('gw-subs');
    const busOne = await createEventBus({ redisUrl: TEST_REDIS_URL, prefix });
    const busTwo = await createEventBus({ redisUrl: TEST_REDIS_URL, prefix });
    const publisher = await createEventBus({ redisUrl: TEST_REDIS_URL, prefix });
    const consentOne = await startConsentFixture(busOne);
    const consentTwo = await startConsentFixture(busTwo);
    const one = await startGateway(config({ subgraphUrls: { consent: consentOne.url, engagement: engagement.url } }), {
      log: silentLogger,
      collectDefaultMetrics: false,
    });
    const two = await startGateway(config({ subgraphUrls: { consent: consentTwo.url, engagement: engagement.url } }), {
      log: silentLogger,
      collectDefaultMetrics: false,
    });
    const clientOne = wsClient(one.url, tokens.agent);
    const clientTwo = wsClient(two.url, tokens.agent);
    const query = `subscription { consentRevoked { phone cursor } }`;
    const subOne = collect(clientOne, query);
    const subTwo = collect(clientTwo, query);
    try {
      // Both replicas' Redis SUBSCRIBEs confirmed before publishing.
      await expect.poll(() => consentOne.listening() + consentTwo.listening(), { timeout: 5_000 }).toBe(2);
      await publisher.publish('consent.revoked', {
        eventId: 'e-redis',
        phone: '+14155550109',
        revokedAt: new Date().toISOString(),
        channel: 'voice',
        source: 'test',
        cursor: '7',
      });
      await Promise.all([subOne.until(1), subTwo.until(1)]);
      expect(subOne.results[0]).toEqual({ data: { consentRevoked: { phone: '+14155550109', cursor: '7' } } });
      expect(subTwo.results[0]).toEqual(subOne.results[0]);
    } finally {
      subOne.dispose();
      subTwo.dispose();
      await Promise.all([clientOne.dispose(), clientTwo.dispose()]);
      await Promise.all([one.close(), two.close()]);
      await Promise.all([consentOne.close(), consentTwo.close()]);
      await Promise.all([busOne.close(), busTwo.close(), publisher.close()]);
    }
  });
});

describe('subscriptions when the owning subgraph is down', () => {
  it('tell the client SUBGRAPH_UNAVAILABLE within seconds', async () => {
    const down = await startGateway(
      config({ subgraphUrls: { consent: 'http://127.0.0.1:9/graphql', engagement: engagement.url } }),
      { log: silentLogger, collectDefaultMetrics: false },
    );
    const client = wsClient(down.url, tokens.agent);
    const sub = collect(client, `subscription { consentRevoked { phone } }`);
    try {
      await sub.until(1, 10_000);
      expect(sub.results[0].errors[0].extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'consent' });
    } finally {
      sub.dispose();
      await client.dispose();
      await down.close();
    }
  });
});
