import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, type OperationDefinitionNode, type FragmentDefinitionNode } from 'graphql';
import { silentLogger } from '../../shared/logger.js';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { isPlainQuery, leanPlanRoot } from '../../gateway/plan-fast-path/eligibility.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import type { GatewayConfig } from '../../gateway/config.js';
import { signToken } from '../../gateway/dev-tokens.js';
import type { RunningSubgraph } from '../../shared/subgraph-server.js';
import {
  TEST_JWT,
  TEST_SECRET,
  fixtureSupergraph,
  startConsentFixture,
  startCrmFixture,
  startEngagementFixture,
  type CrmFixture,
} from './fixtures/subgraphs.js';

/**
 * The plan fast path (gateway/plan-fast-path/) must answer exactly what Apollo's planned path
 * answers: the same status, Content-Type and body bytes, with every subgraph up and with each one
 * down, for the call-start shape and its variations. Two gateways in front of the same subgraphs,
 * one with the plan fast path and one without; every request is sent twice to the first (Apollo
 * plans it, then the lane runs the remembered plan).
 */

const supergraphSdl = fixtureSupergraph();
const DOWN = 'http://127.0.0.1:9/graphql';

async function postRaw(url: string, body: unknown, token: string, accept?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: accept ?? 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

const CALL_START = `query CallStart($id: ID!) {
  contact(id: $id) { id source name { first full } primaryPhone crmIntentStage intentStage callPermission { allowed reasons } }
}`;

/** Operations and variables, each sent twice to each gateway. */
const CASES: { name: string; body: Record<string, unknown> }[] = [
  { name: 'call start, allowed', body: { query: CALL_START, variables: { id: 'salesforce:001' } } },
  { name: 'call start, denied', body: { query: CALL_START, variables: { id: 'salesforce:009' } } },
  { name: 'call start, no such contact', body: { query: CALL_START, variables: { id: 'salesforce:404' } } },
  { name: 'call start, a CRM field fails', body: { query: CALL_START, variables: { id: 'salesforce:003' } } },
  {
    name: 'call start, named among several',
    body: {
      query: `${CALL_START}\nquery Other { consentStatus }`,
      operationName: 'CallStart',
      variables: { id: 'salesforce:001' },
    },
  },
  {
    name: 'aliases, fragments, __typename, @include',
    body: {
      query: `query Q($id: ID!, $withStage: Boolean!) { __typename c: contact(id: $id) { __typename ...Who stage: intentStage @include(if: $withStage) ok: callPermission { allowed } } s: consentStatus }
        fragment Who on Contact { id name { full } }`,
      variables: { id: 'salesforce:001', withStage: false },
    },
  },
  {
    name: 'engagement root, CRM entities (a list path)',
    body: { query: `{ recentlyCalled { id name { first } intentStage callPermission { allowed reasons } } }` },
  },
];

describe('plan fast path eligibility', () => {
  const op = (source: string) => {
    const document = parse(source);
    const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === 'FragmentDefinition') fragments[d.name.value] = d;
    return isPlainQuery(operation, fragments);
  };
  it('takes queries without introspection, whose plans hold only sequence, parallel, flatten and query fetches', () => {
    expect(op(`{ contact(id: "x") { id ...F } } fragment F on Contact { name { full } }`)).toBe(true);
    expect(op(`{ __schema { queryType { name } } }`)).toBe(false);
    expect(op(`{ contact(id: "x") { ...F } } fragment F on Contact { t: __type(name: "X") { name } }`)).toBe(false);
    expect(op(`mutation { x }`)).toBe(false);
    const fetch = { kind: 'Fetch', serviceName: 'crm', operation: '{x}', operationKind: 'query' };
    const flatten = { kind: 'Flatten', path: ['contact'], node: fetch };
    expect(
      leanPlanRoot({ node: { kind: 'Sequence', nodes: [fetch, { kind: 'Parallel', nodes: [flatten] }] } }),
    ).toBeTruthy();
    expect(leanPlanRoot({})).toBeUndefined();
    expect(leanPlanRoot({ node: { kind: 'Condition', condition: 'x', ifClause: fetch } })).toBe(false);
    expect(leanPlanRoot({ node: { kind: 'Defer', primary: {}, deferred: [] } })).toBe(false);
    expect(leanPlanRoot({ node: { ...fetch, operationKind: 'mutation' } })).toBe(false);
    expect(leanPlanRoot({ node: { ...fetch, contextRewrites: [{ kind: 'KeyRenamer' }] } })).toBe(false);
  });
});

describe('plan fast path answers what the planned path answers, byte for byte', () => {
  let crm: CrmFixture;
  let engagement: RunningSubgraph;
  let consent: RunningSubgraph;
  let bus: EventBus;
  let token: string;
  const gateways: RunningGateway[] = [];

  const gatewayPair = async (urls: { consent: string; engagement: string; crm?: string }) => {
    const config = (planFastPath: boolean): GatewayConfig => ({
      port: 0,
      development: false,
      internalSecret: TEST_SECRET,
      jwt: TEST_JWT,
      supergraphSdl,
      crmSubgraphs: [{ name: 'salesforce', url: urls.crm ?? crm.url }],
      subgraphUrls: { consent: urls.consent, engagement: urls.engagement },
      planFastPath,
    });
    const fast = await startGateway(config(true), { log: silentLogger, collectDefaultMetrics: false });
    const planned = await startGateway(config(false), { log: silentLogger, collectDefaultMetrics: false });
    gateways.push(fast, planned);
    return { fast, planned };
  };
  const lanesTaken = async (g: RunningGateway) =>
    Number(
      /dialplane_gateway_plan_fast_path_total(?:\{[^}]*\})? (\d+)/.exec(await g.metrics.metrics.render())?.[1] ?? 0,
    );

  /** Every case twice through each gateway; answers compared as bytes. */
  const expectSameAnswers = async (pair: { fast: RunningGateway; planned: RunningGateway }, accept?: string) => {
    for (const round of [1, 2]) {
      for (const c of CASES) {
        const fast = await postRaw(pair.fast.url, c.body, token, accept);
        const planned = await postRaw(pair.planned.url, c.body, token, accept);
        expect(fast, `round ${round}: ${c.name}`).toEqual(planned);
      }
    }
  };

  beforeAll(async () => {
    crm = await startCrmFixture('salesforce', [
      { sourceId: '001', first: 'Ada', phone: '+14155550100', stage: 'NEW' },
      { sourceId: '009', first: 'Denied', phone: '+14155550109' },
      { sourceId: '003', first: 'Broken', phone: '+14155550103', failName: true },
    ]);
    engagement = await startEngagementFixture(['salesforce:001', 'salesforce:404', 'salesforce:009']);
    bus = await createEventBus();
    consent = await startConsentFixture(bus);
    token = await signToken({ sub: 'plan-fast-path', roles: ['agent'] }, TEST_JWT);
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await Promise.all([crm?.close(), engagement?.close(), consent?.close()]);
    await bus?.close();
  });

  it('with every subgraph up, in both response types', async () => {
    const pair = await gatewayPair({ consent: consent.url, engagement: engagement.url });
    await expectSameAnswers(pair);
    await expectSameAnswers(pair, 'application/json');
    // The second sight of every case ran on the lane; the gateway without it never did.
    expect(await lanesTaken(pair.fast)).toBeGreaterThanOrEqual(CASES.length * 3);
    expect(await lanesTaken(pair.planned)).toBe(0);
  });

  it('with consent down, with engagement down, and with the CRM down', async () => {
    for (const urls of [
      { consent: DOWN, engagement: engagement.url },
      { consent: consent.url, engagement: DOWN },
      { consent: consent.url, engagement: engagement.url, crm: DOWN },
    ]) {
      const pair = await gatewayPair(urls);
      await expectSameAnswers(pair);
      expect(await lanesTaken(pair.fast)).toBeGreaterThanOrEqual(CASES.length);
    }
  });

  it('with a subgraph answering a malformed entity list (an error of the executor itself)', async () => {
    // Answers every fetch with no entities at all: Apollo's executor throws, and words it as an internal error.
    const malformed = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data":{"_entities":[]}}');
      });
    });
    await new Promise<void>((resolve) => malformed.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(malformed.address() as AddressInfo).port}/graphql`;
      const pair = await gatewayPair({ consent: url, engagement: engagement.url });
      await expectSameAnswers(pair);
      const answer = await postRaw(pair.fast.url, CASES[0]!.body, token);
      expect(answer.text).toContain('INTERNAL_SERVER_ERROR');
    } finally {
      await new Promise((resolve) => malformed.close(resolve));
    }
  });

  it('leaves variables Apollo refuses to Apollo, and answers them as Apollo does', async () => {
    const pair = await gatewayPair({ consent: consent.url, engagement: engagement.url });
    await postRaw(pair.fast.url, { query: CALL_START, variables: { id: 'salesforce:001' } }, token);
    const before = await lanesTaken(pair.fast);
    for (const variables of [{}, { id: null }, { id: ['x'] }, { id: { a: 1 } }]) {
      const body = { query: CALL_START, variables };
      expect(await postRaw(pair.fast.url, body, token), JSON.stringify(variables)).toEqual(
        await postRaw(pair.planned.url, body, token),
      );
    }
    expect(await lanesTaken(pair.fast)).toBe(before);
  });

  it('sends its own subgraph fetches for every request (a consent answer is never shared)', async () => {
    const pair = await gatewayPair({ consent: consent.url, engagement: engagement.url });
    const body = { query: CALL_START, variables: { id: 'salesforce:001' } };
    await postRaw(pair.fast.url, body, token);
    const before = crm.calls.length;
    const answers = await Promise.all(Array.from({ length: 10 }, () => postRaw(pair.fast.url, body, token)));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(await lanesTaken(pair.fast)).toBeGreaterThanOrEqual(10);
    // Ten requests, ten CRM fetches (the CRM subgraph's own batching is not the gateway's business).
    expect(crm.calls.length - before).toBe(10);
  });
});
