import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import http from 'node:http';
import { createLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import { IDENTITY_HEADER, signIdentity } from '../../shared/identity.js';
import { startSubgraph } from '../../shared/subgraph-server.js';

// Shutdown drains: a request already being resolved when close() starts gets its answer, and the
// keep-alive connection it came on does not hold the process open afterwards (Node keeps idle
// keep-alive sockets for keepAliveTimeout, 65 s here, unless they are closed once they go idle).
const secret = 'drain-test-secret-0123456789';
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { slow: String! }
`);

describe('graceful close of a subgraph server', () => {
  it('finishes the in-flight request, then closes its keep-alive connection promptly', async () => {
    let entered!: () => void;
    const resolverEntered = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const sg = await startSubgraph({
      name: 'drain',
      port: 0,
      typeDefs,
      internalSecret: secret,
      log: createLogger('drain', { level: 'silent' }),
      metrics: createMetrics('drain', { collectDefault: false }),
      resolvers: { Query: { slow: async () => (entered(), await released, 'done') } } as never,
    });
    const agent = new http.Agent({ keepAlive: true });
    const requestBody = JSON.stringify({ query: '{ slow }' });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        sg.url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            [IDENTITY_HEADER]: signIdentity({ sub: 'a', roles: ['agent'] }, secret, { body: requestBody }),
          },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(requestBody);
    });
    await resolverEntered;
    let closed = false;
    const closing = sg.close().then(() => (closed = true));
    // New connections are refused while the in-flight one is still being served.
    await expect(fetch(`${sg.baseUrl}/healthz`)).rejects.toThrow();
    expect(closed).toBe(false);
    release();
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({ data: { slow: 'done' } });
    const started = performance.now();
    await closing;
    // Well under the 5 s grace after which connections are cut: the idle socket was closed.
    expect(performance.now() - started).toBeLessThan(2_000);
    agent.destroy();
  });
});
