import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrmCallError } from '../../shared/crm/connector.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import type { HubspotSeed } from '../../sim/hubspot/store.js';
import { HubspotClient, type HubspotEndpoint } from '../../crm/hubspot/client.js';
import { CALLS_PER_CONTACT, loadContactBundles } from '../../crm/hubspot/loaders.js';
import { CONTACT_PROPERTIES } from '../../crm/hubspot/read-mapping.js';

/**
 * The HubSpot client wrapper against the simulator through @hubspot/api-client: batch limits,
 * partial batches, the two-round loader, and the failure taxonomy the breaker relies on.
 */

const CONTACTS = 230;

function portal(): HubspotSeed {
  const contacts = Array.from({ length: CONTACTS }, (_, i) => ({
    id: String(1000 + i),
    properties: {
      firstname: `First${i}`,
      lastname: `Last${i}`,
      phone: `+1 415 555 ${String(1000 + i).padStart(4, '0')}`,
    },
  }));
  const calls = Array.from({ length: 5 }, (_, i) => ({
    id: String(50 + i),
    properties: { hs_timestamp: `2024-0${i + 1}-01T00:00:00.000Z`, hs_call_title: `Call ${i}` },
  }));
  return {
    contacts,
    deals: [{ id: '7001', properties: { dealname: 'D', dealstage: 'qualifiedtobuy', pipeline: 'default' } }],
    calls,
    associations: {
      contactToDeal: [['1000', '7001']],
      // Created out of order on purpose: ids, not list order, say which calls are newest.
      contactToCall: [
        ['1000', '52'],
        ['1000', '54'],
        ['1000', '50'],
        ['1000', '53'],
        ['1000', '51'],
      ],
    },
  };
}

describe('HubspotClient against the simulator', () => {
  let sim: HubspotSim;
  const seen: { endpoint: HubspotEndpoint; outcome: string }[] = [];
  const client = (options: { token?: string; timeoutMs?: number } = {}) =>
    new HubspotClient({
      baseUrl: sim.url,
      accessToken: options.token ?? 'dev-hubspot-token',
      timeoutMs: options.timeoutMs ?? 1_000,
      instrument: async (endpoint, fn) => {
        try {
          const out = await fn();
          seen.push({ endpoint, outcome: 'ok' });
          return out;
        } catch (error) {
          seen.push({ endpoint, outcome: error instanceof CrmCallError ? error.kind : 'error' });
          throw error;
        }
      },
    });
  const failure = async (p: Promise<unknown>) => {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CrmCallError);
    return error as CrmCallError;
  };

  beforeAll(async () => {
    sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 }, dataset: portal() });
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(async () => {
    await sim.admin.reset('all');
    seen.length = 0;
  });

  it('keeps the burst window and the daily allowance each answer reports (the batch concurrency reads them)', async () => {
    await sim.admin.setRateLimit({ enabled: true, limit: 50, windowMs: 10_000 });
    const c = client();
    try {
      expect(c.apiBudget()).toBeNull();
      await c.batchRead('contacts', ['1000'], CONTACT_PROPERTIES);
      await c.batchRead('contacts', ['1001'], CONTACT_PROPERTIES);
      const budget = c.apiBudget();
      expect(budget?.burst).toEqual({ limit: 50, remaining: 48, intervalMs: 10_000 });
      expect(budget?.limit).toBeGreaterThan(0);
    } finally {
      c.close();
    }
  });

  it('splits batch reads at 100 ids and returns only existing records', async () => {
    const c = client();
    try {
      const ids = [...Array.from({ length: CONTACTS }, (_, i) => String(1000 + i)), '999999'];
      const records = await c.batchRead('contacts', ids, CONTACT_PROPERTIES);
      expect(records).toHaveLength(CONTACTS);
      expect((await sim.admin.stats()).counters['contacts.batchRead']).toBe(3);
      const r = records.find((x) => x.id === '1000')!;
      // Requested-but-empty properties come back as null; every requested key is present.
      expect(r.properties.email).toBeNull();
      expect(CONTACT_PROPERTIES.every((p) => Object.hasOwn(r.properties, p))).toBe(true);
      expect(seen.filter((s) => s.endpoint === 'contacts.batchRead')).toHaveLength(3);
    } finally {
      c.close();
    }
  });

  it('loads a bundle in two rounds and reads only the newest calls of a contact', async () => {
    const c = client();
    try {
      const bundles = await loadContactBundles(c, ['1000', '1001', '424242']);
      expect([...bundles.keys()].sort()).toEqual(['1000', '1001']);
      const ada = bundles.get('1000')!;
      expect(ada.deals.map((d) => d.id)).toEqual(['7001']);
      expect(CALLS_PER_CONTACT).toBe(2);
      expect(ada.calls.map((x) => x.id).sort()).toEqual(['53', '54']);
      expect(bundles.get('1001')!.deals).toEqual([]);
      expect((await sim.admin.stats()).counters).toEqual({
        'contacts.batchRead': 1,
        'associations.batchRead': 2,
        'deals.batchRead': 1,
        'calls.batchRead': 1,
      });
    } finally {
      c.close();
    }
  });

  it('finds contact ids by the calculated phone properties', async () => {
    const c = client();
    try {
      expect(await c.searchContactIdsByPhone({ national: '4155551003', international: '14155551003' })).toEqual([
        '1003',
      ]);
      expect(await c.searchContactIdsByPhone({ national: '4155550000', international: '14155550000' })).toEqual([]);
    } finally {
      c.close();
    }
  });

  it('maps failures to CrmCallError kinds: outage, rate limit, bad token, hang', async () => {
    const c = client({ timeoutMs: 300 });
    const bad = client({ token: 'wrong-token' });
    try {
      await sim.admin.setFaults({ outage: true });
      expect(await failure(c.batchRead('contacts', ['1000'], CONTACT_PROPERTIES))).toMatchObject({
        kind: 'unavailable',
        status: 503,
        retryable: true,
        crm: 'hubspot',
        endpoint: 'contacts.batchRead',
      });
      await sim.admin.setFaults({ outage: false });

      await sim.admin.setRateLimit({
        enabled: true,
        limit: 1000,
        windowMs: 10_000,
        failNext: 1,
        policy: 'TEN_SECONDLY_ROLLING',
      });
      const started = Date.now();
      expect(await failure(c.batchRead('contacts', ['1000'], CONTACT_PROPERTIES))).toMatchObject({
        kind: 'rate_limited',
        status: 429,
        retryable: true,
      });
      // No client-side retry: a TEN_SECONDLY 429 would otherwise wait 10 s on the hot path.
      expect(Date.now() - started).toBeLessThan(1_000);
      await sim.admin.setRateLimit({ enabled: false, limit: 100, windowMs: 10_000 });

      expect(await failure(bad.batchRead('contacts', ['1000'], CONTACT_PROPERTIES))).toMatchObject({
        kind: 'auth',
        status: 401,
        retryable: false,
      });

      await sim.admin.setFaults({ hangRate: 1 });
      expect(await failure(c.readAssociations('contacts', 'deals', ['1000']))).toMatchObject({
        kind: 'timeout',
        retryable: true,
        endpoint: 'associations.batchRead',
      });
      await sim.admin.setFaults({ hangRate: 0 });

      expect(seen.map((s) => s.outcome)).toEqual(['unavailable', 'rate_limited', 'auth', 'timeout']);
    } finally {
      c.close();
      bad.close();
    }
  });

  it('lists property definitions with their types', async () => {
    const c = client();
    try {
      const props = await c.listProperties('contacts');
      expect(props.find((p) => p.name === 'dialplane_do_not_call')).toMatchObject({ type: 'bool' });
      expect(props.find((p) => p.name === 'lifecyclestage')?.options?.map((o) => o.value)).toContain('customer');
    } finally {
      c.close();
    }
  });
});
