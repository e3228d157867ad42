import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import { IDENTITY_HEADER, WEBSOCKET_BINDING, signIdentity } from '../../shared/identity.js';
import { startSubgraph, type RunningSubgraph } from '../../shared/subgraph-server.js';

const secret = 'subgraph-test-secret-123';
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { whoami: String! }
  type Subscription { ticks(count: Int!): Int! }
`);

describe('startSubgraph', () => {
  let sg: RunningSubgraph;
  beforeAll(async () => {
    sg = await startSubgraph({
      name: 'test',
      port: 0,
      typeDefs,
      internalSecret: secret,
      subscriptions: true,
      log: createLogger('test', { level: 'silent' }),
      metrics: createMetrics('test', { collectDefault: false }),
      resolvers: {
        Query: { whoami: (_: unknown, __: unknown, ctx: { identity: { sub: string } }) => ctx.identity.sub },
        Subscription: {
          ticks: {
            subscribe: async function* (_: unknown, { count }: { count: number }) {
              for (let i = 1; i <= count; i++) yield { ticks: i };
            },
          },
        },
      } as never,
    });
  });
  afterAll(() => sg.close());

  const WHOAMI = JSON.stringify({ query: '{ whoami }' });
  const post = (headers: Record<string, string>, body = WHOAMI) =>
    fetch(sg.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers 401 with UNAUTHENTICATED when called without the gateway identity', async () => {
    const res = await post({});
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(
      (
        await post({
          [IDENTITY_HEADER]: signIdentity({ sub: 'x', roles: ['agent'] }, 'wrong-secret-xxxxxxxx', { body: WHOAMI }),
        })
      ).status,
    ).toBe(401);
    // Signed for another body: the header does not travel to another request.
    const other = JSON.stringify({ query: '{ whoami }', variables: { x: 1 } });
    expect(
      (await post({ [IDENTITY_HEADER]: signIdentity({ sub: 'x', roles: ['agent'] }, secret, { body: other }) })).status,
    ).toBe(401);
  });

  it('serves GraphQL to a signed identity, with health and metrics public', async () => {
    const res = await post({
      [IDENTITY_HEADER]: signIdentity({ sub: 'agent-1', roles: ['agent'] }, secret, { body: WHOAMI }),
    });
    expect(await res.json()).toEqual({ data: { whoami: 'agent-1' } });
    expect((await fetch(`${sg.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${sg.baseUrl}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${sg.baseUrl}/metrics`)).text()).toContain('dialplane_graphql_request_duration_seconds');
  });

  it('streams subscriptions over graphql-ws only to a signed identity', async () => {
    const wsUrl = sg.url.replace('http', 'ws');
    const good = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: {
        [IDENTITY_HEADER]: signIdentity({ sub: 'l', roles: ['agent'] }, secret, { body: WEBSOCKET_BINDING }),
      },
    });
    const values: number[] = [];
    for await (const r of good.iterate<{ ticks: number }>({ query: 'subscription { ticks(count: 3) }' }))
      values.push(r.data!.ticks);
    expect(values).toEqual([1, 2, 3]);
    await good.dispose();

    const bad = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: {} });
    const outcome = await new Promise<unknown>((resolve) => {
      bad.subscribe(
        { query: 'subscription { ticks(count: 1) }' },
        { next: () => resolve('next'), error: (e) => resolve(e), complete: () => resolve('complete') },
      );
    });
    expect((outcome as { code: number }).code).toBe(4403);
    await bad.dispose();
  });
});
