import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import type { GatewayConfig } from '../../gateway/config.js';
import { signToken } from '../../gateway/dev-tokens.js';
import { describeWithRedis, TEST_REDIS_URL, uniquePrefix } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../../sim/common/tcp-proxy.js';
import { TEST_JWT, fixtureGatewayConfig, startCrmFixture, type CrmFixture } from './fixtures/subgraphs.js';

// Per-caller rate limits are shared by every gateway replica through Redis, and fall back to an
// in-process limiter (same budget per replica) when Redis is cut.
describeWithRedis('rate limit shared by gateway replicas', () => {
  let crm: CrmFixture;
  let proxy: TcpProxy;
  const gateways: RunningGateway[] = [];
  const QUERY = '{ contact(id: "salesforce:001") { id } }';

  beforeAll(async () => {
    crm = await startCrmFixture('salesforce', [{ sourceId: '001', first: 'Ada', phone: '+14155550100' }]);
    const url = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
    const keyPrefix = uniquePrefix('ratelimit');
    const config = (): GatewayConfig =>
      fixtureGatewayConfig(crm, {
        // Redis commands get a generous bound here: the machine running the suite is shared and busy.
        admission: {
          rateLimits: { agent: { points: 10, durationS: 60 } },
          redisUrl: proxy.url('redis'),
          redisKeyPrefix: keyPrefix,
          redisCommandTimeoutMs: 500,
        },
      });
    gateways.push(await startGateway(config(), { log: silentLogger, collectDefaultMetrics: false }));
    gateways.push(await startGateway(config(), { log: silentLogger, collectDefaultMetrics: false }));
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
    await proxy?.close();
    await crm?.close();
  });

  const ask = async (gateway: RunningGateway, token: string) => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY }),
    });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    return res.status === 429
      ? (body.errors?.[0]?.extensions?.code ?? 'HTTP 429')
      : res.status === 200 && !body.errors
        ? 'ok'
        : `HTTP ${res.status}`;
  };

  it('counts one caller across both replicas: 10 allowed in all, the 11th refused on either', async () => {
    const token = await signToken({ sub: 'shared-agent', roles: ['agent'] }, TEST_JWT);
    // The first answer proves the limiter reached Redis (the insurance limiter would allow 10 per replica).
    await expect
      .poll(
        async () =>
          (await ask(gateways[0]!, await signToken({ sub: `warm-${Math.random()}`, roles: ['agent'] }, TEST_JWT))) ===
          'ok',
        { timeout: 10_000 },
      )
      .toBe(true);
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await ask(gateways[i % 2]!, token));
    expect(answers).toEqual(Array(10).fill('ok'));
    expect(await ask(gateways[0]!, token)).toBe('RATE_LIMITED');
    expect(await ask(gateways[1]!, token)).toBe('RATE_LIMITED');
  });

  it('keeps limiting, in process, while Redis is cut', async () => {
    proxy.cut('blackhole');
    try {
      const token = await signToken({ sub: 'cut-agent', roles: ['agent'] }, TEST_JWT);
      const answers: string[] = [];
      for (let i = 0; i < 11; i++) answers.push(await ask(gateways[0]!, token));
      expect(answers.slice(0, 10)).toEqual(Array(10).fill('ok'));
      expect(answers[10]).toBe('RATE_LIMITED');
    } finally {
      proxy.restore();
    }
  });
});
