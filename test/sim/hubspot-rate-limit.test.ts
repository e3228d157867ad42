import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Client } from '@hubspot/api-client';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { eventually } from '../support/eventually.js';

/**
 * HubSpot 429s as @hubspot/api-client sees them. Its RetryDecorator retries a 429 only for
 * policyName TEN_SECONDLY_ROLLING (waiting 10 s x attempt) or the exact secondly message (1 s x
 * attempt), never a DAILY one; the simulator's bodies must trip exactly those checks. The client's
 * 10 s wait runs on vitest's fake setTimeout, advanced by hand: it is the policy our write-back
 * worker will meet, checked without paying it in real time.
 */

let sim: HubspotSim;
let hubspot: Client;

const read = () =>
  hubspot.crm.contacts.batchApi.read({ inputs: [{ id: '101' }], properties: ['email'], propertiesWithHistory: [] });

beforeAll(async () => {
  sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
  // Retries are configured globally by the client (a singleton decorator service): one client here.
  hubspot = new Client({ accessToken: 'dev-hubspot-token', basePath: sim.url, numberOfApiCallRetries: 3 });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  await sim.admin.reset();
});

describe('HubSpot rate limits', () => {
  it('answers the exact TEN_SECONDLY_ROLLING body and X-HubSpot-RateLimit headers', async () => {
    await sim.admin.setRateLimit({ enabled: true, limit: 2, windowMs: 10_000, policy: 'TEN_SECONDLY_ROLLING' });
    const call = () =>
      fetch(`${sim.url}/crm/v3/objects/contacts/101`, { headers: { authorization: 'Bearer dev-hubspot-token' } });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/json/);
    expect(limited.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(limited.headers.get('x-hubspot-ratelimit-max')).toBe('2');
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-hubspot-ratelimit-daily')).toBeTruthy();
    expect(limited.headers.get('x-hubspot-ratelimit-daily-remaining')).toBeTruthy();
    const body = (await limited.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['status', 'message', 'errorType', 'correlationId', 'policyName', 'requestId']);
    expect(body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries usage headers on ordinary responses too', async () => {
    const call = () =>
      fetch(`${sim.url}/crm/v3/objects/contacts/101`, { headers: { authorization: 'Bearer dev-hubspot-token' } });
    const first = await call();
    const second = await call();
    expect(first.headers.get('x-hubspot-ratelimit-max')).toBe('190');
    expect(first.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(
      Number(first.headers.get('x-hubspot-ratelimit-remaining')) -
        Number(second.headers.get('x-hubspot-ratelimit-remaining')),
    ).toBe(1);
    expect(Number(second.headers.get('x-hubspot-ratelimit-daily-remaining'))).toBeLessThan(
      Number(first.headers.get('x-hubspot-ratelimit-daily-remaining')),
    );
  });

  it('the client retries a SECONDLY 429 after 1 s and then succeeds', async () => {
    await sim.admin.setRateLimit({ enabled: false, limit: 100, windowMs: 10_000, policy: 'SECONDLY', failNext: 1 });
    const started = Date.now();
    const res = await read();
    expect(res.results[0].id).toBe('101');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const log = await sim.admin.requests({ endpoint: 'contacts.batchRead' });
    expect(log.map((e) => e.status)).toEqual([429, 200]);
  });

  it('the client retries a TEN_SECONDLY_ROLLING 429 after 10 s and then succeeds', async () => {
    await sim.admin.setRateLimit({
      enabled: false,
      limit: 100,
      windowMs: 10_000,
      policy: 'TEN_SECONDLY_ROLLING',
      failNext: 1,
    });
    const statuses = async () => (await sim.admin.requests({ endpoint: 'contacts.batchRead' })).map((e) => e.status);
    // The client's 10 s wait runs on a fake clock (only setTimeout is faked; HTTP keeps real time).
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const result = read();
      await eventually(async () => (await statuses()).length === 1, 5_000, 10);
      await vi.advanceTimersByTimeAsync(9_900);
      expect(await statuses()).toEqual([429]); // still waiting at 9.9 s
      await vi.advanceTimersByTimeAsync(100);
      const res = await result;
      expect(res.results[0].id).toBe('101');
      expect(await statuses()).toEqual([429, 200]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('limits searches per second with the SECONDLY 429, which the client waits out', async () => {
    const limited = await startHubspotSim({
      port: 0,
      latency: { medianMs: 0, jitterMs: 0 },
      searchRateLimitPerSecond: 2,
    });
    try {
      const search = () =>
        fetch(`${limited.url}/crm/v3/objects/contacts/search`, {
          method: 'POST',
          headers: { authorization: 'Bearer dev-hubspot-token', 'content-type': 'application/json' },
          body: JSON.stringify({ filterGroups: [], limit: 1 }),
        });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await search()).status);
      expect(statuses).toEqual([200, 200, 429]);
      const body = (await (await search()).json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        status: 'error',
        message: 'You have reached your secondly limit.',
        policyName: 'SECONDLY',
        errorType: 'RATE_LIMIT',
      });
      // Reads are not searches: unaffected.
      const read = await fetch(`${limited.url}/crm/v3/objects/contacts/101`, {
        headers: { authorization: 'Bearer dev-hubspot-token' },
      });
      expect(read.status).toBe(200);
      // The official client (3 attempts) waits 1 s and gets through.
      const client = new Client({ accessToken: 'dev-hubspot-token', basePath: limited.url, numberOfApiCallRetries: 3 });
      const res = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [],
        properties: [],
        limit: 1,
        after: '0',
        sorts: [],
      });
      expect(res.results).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });

  it('the client does not retry a DAILY 429', async () => {
    await sim.admin.setRateLimit({ enabled: false, limit: 100, windowMs: 10_000, policy: 'DAILY', failNext: 1 });
    const err = (await read().then(
      () => null,
      (e: unknown) => e,
    )) as { code: number; body: { policyName: string; message: string } } | null;
    expect(err?.code).toBe(429);
    expect(err?.body).toMatchObject({ policyName: 'DAILY', message: 'You have reached your daily limit.' });
    const log = await sim.admin.requests({ endpoint: 'contacts.batchRead' });
    expect(log.map((e) => e.status)).toEqual([429]);
  });
});
