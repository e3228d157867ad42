import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { createLogger } from '../../shared/logger.js';
import { createMetrics, type Metrics } from '../../shared/metrics.js';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import { IDENTITY_HEADER, signIdentity } from '../../shared/identity.js';
import { startSubgraph, type RunningSubgraph } from '../../shared/subgraph-server.js';

/**
 * The subgraph fast path (shared/subgraph-fast-path.ts) answers exactly what Apollo Server answers:
 * two subgraphs from the same schema and resolvers, one without the fast path; every request twice
 * to each (Apollo resolves it, then the fast path runs the remembered operation); status,
 * Content-Type and body bytes compared, and the metrics both keep.
 */

const secret = 'subgraph-fast-path-secret-123';
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Contact @key(fields: "id") { id: ID! name: String stage: String }
  type Query {
    contact(id: ID!): Contact
    denied: String
    broken: String
    storeDown: String
    required(n: Int!): Int!
    nonNull: String!
  }
  type Mutation { record(note: String!): String! }
`);

const resolvers = {
  Query: {
    contact: (_: unknown, { id }: { id: string }) => (id === 'none' ? null : { id, name: `name of ${id}` }),
    denied: () => {
      throw new DialplaneError(ErrorCode.FORBIDDEN, 'not for you');
    },
    broken: () => {
      throw new Error('raw internal text that must never leak');
    },
    storeDown: () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    },
    required: (_: unknown, { n }: { n: number }) => n * 2,
    nonNull: () => null,
  },
  Contact: {
    __resolveReference: (ref: { id: string }) => (ref.id === 'gone' ? null : { id: ref.id, name: `entity ${ref.id}` }),
    stage: () => 'NEW',
  },
  Mutation: { record: (_: unknown, { note }: { note: string }) => `recorded ${note}` },
};

const CASES: { name: string; body: Record<string, unknown>; accept?: string }[] = [
  { name: 'a query', body: { query: '{ contact(id: "c1") { id name stage __typename } }' } },
  { name: 'a null root', body: { query: '{ contact(id: "none") { id } }' } },
  {
    name: 'entities (as the gateway sends them)',
    body: {
      query:
        'query Q__x__1($representations:[_Any!]!){_entities(representations:$representations){...on Contact{name stage}}}',
      variables: {
        representations: [
          { __typename: 'Contact', id: 'a' },
          { __typename: 'Contact', id: 'gone' },
        ],
      },
      operationName: 'Q__x__1',
    },
  },
  { name: 'a coded error', body: { query: '{ denied contact(id: "c2") { id } }' } },
  { name: 'an unexpected error, masked', body: { query: '{ broken }' } },
  { name: 'a store outage', body: { query: '{ storeDown }' } },
  { name: 'a non-null field null', body: { query: '{ nonNull }' } },
  { name: 'variables', body: { query: 'query R($n: Int!) { required(n: $n) }', variables: { n: 21 } } },
  { name: 'variables refused', body: { query: 'query R($n: Int!) { required(n: $n) }', variables: { n: 'x' } } },
  { name: 'variables missing', body: { query: 'query R($n: Int!) { required(n: $n) }' } },
  {
    name: 'one operation of several',
    body: { query: 'query A { denied } query B { contact(id: "b") { id } }', operationName: 'B' },
  },
  { name: 'a mutation', body: { query: 'mutation { record(note: "hi") }' } },
  { name: 'plain JSON accepted', body: { query: '{ contact(id: "c3") { id } }' }, accept: 'application/json' },
  { name: 'nothing acceptable', body: { query: '{ contact(id: "c4") { id } }' }, accept: 'text/plain' },
];

describe('subgraph fast path', () => {
  const servers: { sg: RunningSubgraph; metrics: Metrics }[] = [];
  const start = async (fastPath: boolean) => {
    const metrics = createMetrics(`fast-${fastPath}`, { collectDefault: false });
    const sg = await startSubgraph({
      name: 'fast-path-test',
      port: 0,
      typeDefs,
      internalSecret: secret,
      log: createLogger('test', { level: 'silent' }),
      metrics,
      resolvers: resolvers as never,
      fastPath,
    });
    servers.push({ sg, metrics });
    return { sg, metrics };
  };
  let fast: { sg: RunningSubgraph; metrics: Metrics };
  let apollo: { sg: RunningSubgraph; metrics: Metrics };
  beforeAll(async () => {
    fast = await start(true);
    apollo = await start(false);
  });
  afterAll(() => Promise.all(servers.map((s) => s.sg.close())));

  const send = async (url: string, body: Record<string, unknown>, accept?: string) => {
    const text = JSON.stringify(body);
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: accept ?? 'application/graphql-response+json, application/json',
        [IDENTITY_HEADER]: signIdentity({ sub: 'gateway-test', roles: ['agent'] }, secret, { body: text }),
      },
      body: text,
    });
    return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
  };
  /** A metric's samples without the per-server `service` label. */
  const samples = async (m: Metrics, name: string) =>
    (await m.render())
      .split('\n')
      .filter((l) => l.startsWith(name) && !l.includes('_bucket') && !l.includes('_sum'))
      .map((l) => l.replace(/service="[^"]*",?/, ''));

  it('answers every case byte for byte as Apollo Server does, with the same metrics', async () => {
    for (const round of [1, 2, 3]) {
      for (const c of CASES) {
        const a = await send(fast.sg.url, c.body, c.accept);
        const b = await send(apollo.sg.url, c.body, c.accept);
        expect(a, `round ${round}: ${c.name}`).toEqual(b);
      }
    }
    expect(await samples(fast.metrics, 'dialplane_graphql_errors_total')).toEqual(
      await samples(apollo.metrics, 'dialplane_graphql_errors_total'),
    );
    expect(await samples(fast.metrics, 'dialplane_graphql_request_duration_seconds_count')).toEqual(
      await samples(apollo.metrics, 'dialplane_graphql_request_duration_seconds_count'),
    );
    // Rounds 2 and 3 of every case with a single-result type and good variables took the fast path.
    const answered = async (m: Metrics) =>
      Number(/dialplane_graphql_fast_path_total(?:\{[^}]*\})? (\d+)/.exec(await m.render())?.[1] ?? 0);
    expect(await answered(fast.metrics)).toBe((CASES.length - 3) * 2);
    expect(await answered(apollo.metrics)).toBe(0);
    // The raw text of an unexpected error never leaks, on either path.
    expect((await send(fast.sg.url, { query: '{ broken }' })).text).not.toContain('raw internal text');
  });
});
