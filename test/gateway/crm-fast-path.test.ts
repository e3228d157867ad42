import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, type OperationDefinitionNode } from 'graphql';
import { silentLogger } from '../../shared/logger.js';
import { isCrmOnlyOperation } from '../../gateway/crm-fast-path/eligibility.js';
import { readSupergraph } from '../../gateway/supergraph-info.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import type { GatewayConfig } from '../../gateway/config.js';
import { signToken } from '../../gateway/dev-tokens.js';
import {
  TEST_JWT,
  TEST_SECRET,
  fixtureSupergraph,
  startCrmFixture,
  startEngagementFixture,
  type CrmFixture,
} from './fixtures/subgraphs.js';
import { post } from './fixtures/client.js';

const supergraphSdl = fixtureSupergraph();
const info = readSupergraph(supergraphSdl);
const crmFields = info.resolvableFields.get('crm')!;
const eligible = (query: string) => {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  return isCrmOnlyOperation(document, operation, info.schema, crmFields);
};

describe('CRM fast path eligibility', () => {
  it('takes queries whose every field the CRM contract resolves', () => {
    expect(eligible(`{ contact(id: "x") { id name { full } phones { e164 } freshness { ageMs } } }`)).toBe(true);
    expect(
      eligible(
        `query Q($p: String!) { a: contactsByPhone(phone: $p) { ...F } __typename } fragment F on Contact { id source crmIntentStage @include(if: true) }`,
      ),
    ).toBe(true);
  });
  it('leaves everything else to the planner', () => {
    expect(eligible(`{ contact(id: "x") { id intentStage } }`)).toBe(false); // engagement
    expect(eligible(`{ contact(id: "x") { id ... on Contact { callPermission { allowed } } } }`)).toBe(false); // consent
    expect(eligible(`{ __schema { queryType { name } } }`)).toBe(false);
    expect(eligible(`{ consentStatus }`)).toBe(false);
    expect(eligible(`{ recentlyCalled { id } }`)).toBe(false);
  });
  it("knows @external fields are not the external subgraph's", () => {
    expect(crmFields.has('Contact.crmIntentStage')).toBe(true);
    expect(info.resolvableFields.get('engagement')?.has('Contact.crmIntentStage')).toBe(false);
    expect(info.resolvableFields.get('engagement')?.has('Contact.intentStage')).toBe(true);
  });
});

describe('CRM fast path answers exactly what the planned path answers', () => {
  let salesforce: CrmFixture;
  let hubspot: CrmFixture;
  let engagement: Awaited<ReturnType<typeof startEngagementFixture>>;
  const gateways: RunningGateway[] = [];
  let token: string;
  const config = (crmSubgraphs: { name: string; url: string }[], crmFastPath: boolean): GatewayConfig => ({
    port: 0,
    development: false,
    internalSecret: TEST_SECRET,
    jwt: TEST_JWT,
    supergraphSdl,
    crmSubgraphs,
    subgraphUrls: { engagement: engagement.url, consent: 'http://127.0.0.1:9/graphql' },
    crmFastPath,
  });
  const pair = async (crms: { name: string; url: string }[]) => {
    const fast = await startGateway(config(crms, true), { log: silentLogger, collectDefaultMetrics: false });
    const planned = await startGateway(config(crms, false), { log: silentLogger, collectDefaultMetrics: false });
    gateways.push(fast, planned);
    return { fast, planned };
  };

  beforeAll(async () => {
    salesforce = await startCrmFixture('salesforce', [
      { sourceId: '001', first: 'Ada', phone: '+14155550100' },
      { sourceId: '003', first: 'Broken', phone: '+14155550103', failName: true },
    ]);
    hubspot = await startCrmFixture('hubspot', [{ sourceId: '51', first: 'Linus', phone: '+14155550100' }]);
    engagement = await startEngagementFixture();
    token = await signToken({ sub: 'fast', roles: ['agent'] }, TEST_JWT);
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await Promise.all([salesforce?.close(), hubspot?.close(), engagement?.close()]);
  });

  const QUERIES = [
    `{ contact(id: "salesforce:001") { id name { full } primaryPhone } }`,
    `{ contact(id: "salesforce:003") { id name { first } } }`,
    `{ contact(id: "nowhere:1") { id } }`,
    `{ a: contacts(ids: ["hubspot:51", "salesforce:404", "salesforce:001", "bad"]) { id name { first } } }`,
    `{ contactsByPhone(phone: "+14155550100") { id source } __typename }`,
    // Rewrites per CRM must drop the fragments and variables a CRM's share no longer uses.
    `{ x: contact(id: "hubspot:51") { ...F } y: contact(id: "salesforce:001") { id } } fragment F on Contact { id name { first } }`,
    `query Mixed { a: contacts(ids: ["salesforce:001", "hubspot:51"]) { ...F } b: contactsByPhone(phone: "+14155550100") { id } } fragment F on Contact { id name { last } }`,
  ];

  it('with every CRM up (and the fast lane answers repeats byte-compatible, same Content-Type)', async () => {
    const { fast, planned } = await pair([
      { name: 'salesforce', url: salesforce.url },
      { name: 'hubspot', url: hubspot.url },
    ]);
    // Twice: the first time through Apollo (the plugin), then through the lane in front of it.
    for (const round of [1, 2]) {
      for (const query of QUERIES) {
        const [a, b] = await Promise.all([post(fast.url, query, { token }), post(planned.url, query, { token })]);
        expect({ status: a.status, body: a.body, contentType: a.contentType }, `round ${round}: ${query}`).toEqual({
          status: b.status,
          body: b.body,
          contentType: b.contentType,
        });
      }
    }
    // Variables: good ones, and ones Apollo must reject (the lane hands request errors back to Apollo).
    const withVariables = `query One($id: ID!) { contact(id: $id) { id name { first } } }`;
    for (const variables of [
      { id: 'salesforce:001' },
      { id: 'salesforce:001' },
      { id: null },
      { id: null },
      {},
      { id: ['x'] },
    ]) {
      const [a, b] = await Promise.all([
        post(fast.url, withVariables, { token, variables }),
        post(planned.url, withVariables, { token, variables }),
      ]);
      expect({ status: a.status, body: a.body, contentType: a.contentType }, JSON.stringify(variables)).toEqual({
        status: b.status,
        body: b.body,
        contentType: b.contentType,
      });
    }
    const counted = async (g: RunningGateway, via: string) =>
      Number(
        new RegExp(`dialplane_gateway_crm_fast_path_total\\{[^}]*via="${via}"[^}]*\\} (\\d+)`).exec(
          await g.metrics.metrics.render(),
        )?.[1] ?? 0,
      );
    expect(await counted(fast, 'plugin')).toBeGreaterThanOrEqual(QUERIES.length);
    // Single-CRM queries (contact by id) take the lane the second time; split and fan-out ones cannot.
    expect(await counted(fast, 'lane')).toBeGreaterThanOrEqual(2);
    expect((await counted(planned, 'plugin')) + (await counted(planned, 'lane'))).toBe(0);
  });

  it('with one CRM down, and with every CRM down (non-null root field nulls the data)', async () => {
    const down = 'http://127.0.0.1:9/graphql';
    const oneDown = await pair([
      { name: 'salesforce', url: salesforce.url },
      { name: 'hubspot', url: down },
    ]);
    for (const round of [1, 2]) {
      for (const query of QUERIES) {
        const [a, b] = await Promise.all([
          post(oneDown.fast.url, query, { token }),
          post(oneDown.planned.url, query, { token }),
        ]);
        expect({ status: a.status, body: a.body }, `round ${round}: ${query}`).toEqual({
          status: b.status,
          body: b.body,
        });
      }
    }
    const allDown = await pair([
      { name: 'salesforce', url: down },
      { name: 'hubspot', url: down },
    ]);
    const query = `{ contactsByPhone(phone: "+14155550100") { id } }`;
    const [a, b] = await Promise.all([
      post(allDown.fast.url, query, { token }),
      post(allDown.planned.url, query, { token }),
    ]);
    expect(a.body.data).toBeNull();
    expect(a.body).toEqual(b.body);
  });
});
