import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import type { ContactChangedEvent } from '../../shared/events.js';
import { signIdentity } from '../../shared/identity.js';
import { silentLogger } from '../../shared/logger.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { createHubspotConnector } from '../../crm/hubspot/connector.js';
import { CONSENT_CRITICAL_FIELDS } from '../../shared/crm/drift-watch.js';
import { signHubspotV3 } from '../../crm/hubspot/signature.js';
import { startHubspotSubgraph } from '../../subgraphs/hubspot/server.js';
import { describeWithRedis, TEST_REDIS_URL, uniquePrefix } from '../support/services.js';

/**
 * HubSpot-specific behaviour over real HTTP against the HubSpot simulator: the batch procedure's
 * call counts, drift from a renamed property, change events from simulated edits (contact, deal),
 * webhook rejection, phone search and the live mapping check. The contract every CRM subgraph
 * shares is tested by test/crm/hubspot.test.ts (runCrmContractSuite).
 */

const INTERNAL_SECRET = 'hubspot-test-internal-secret';
const CLIENT_SECRET = 'dev-hubspot-client-secret';

const FULL = `id source sourceId name { first last full } email phones { e164 raw type extension valid } primaryPhone timeZone
  location { country state city postalCode } crmIntentStage openDeal { id name stage crmStage closed won amount closeDate }
  crmLastActivity { at summary disposition type } suppression { doNotCall emailOptOut } freshness { fetchedAt ageMs stale source mappingVersion }`;

interface GraphQLAnswer {
  data?: Record<string, any>;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

function suite(label: string, redisUrl: () => string | undefined) {
  describe(`HubSpot subgraph against the simulator (${label})`, () => {
    let sim: HubspotSim;
    let sub: RunningCrmSubgraph;
    const events: ContactChangedEvent[] = [];

    const gql = async (query: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer> => {
      const body = JSON.stringify({ query, variables });
      const res = await fetch(sub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-dialplane-identity': signIdentity({ sub: 'agent-1', roles: ['agent'] }, INTERNAL_SECRET, { body }),
        },
        body,
      });
      return (await res.json()) as GraphQLAnswer;
    };
    const counts = async () => (await sim.admin.stats()).counters;

    beforeAll(async () => {
      sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 }, webhookBatchWindowMs: 0 });
      sub = await startHubspotSubgraph({
        port: 0,
        hubspot: { baseUrl: sim.url, accessToken: 'dev-hubspot-token', clientSecret: CLIENT_SECRET, timeoutMs: 1_000 },
        runtime: {
          cacheTtlMs: 10_000,
          batchWindowMs: 3,
          internalSecret: INTERNAL_SECRET,
          redisUrl: redisUrl(),
          keyPrefix: uniquePrefix('hubspot'),
        },
        log: silentLogger,
      });
      await sub.bus.subscribe('contact.changed', (e) => void events.push(e));
      await sim.admin.setWebhooks([sub.webhookUrl], { maxAttempts: 1 });
    });
    afterAll(async () => {
      await sub?.close();
      await sim?.close();
    });
    beforeEach(async () => {
      await sim.admin.clearDrift();
      await sim.admin.reset('stats');
    });

    it('loads a batch with one contacts call, two association calls and one call each for deals and calls', async () => {
      const answer = await gql(
        `{ contacts(ids: ["hubspot:101", "hubspot:102", "hubspot:103", "hubspot:999999"]) { ${FULL} } }`,
      );
      expect(answer.errors).toBeUndefined();
      const [ada, grace, alan, missing] = answer.data!.contacts;
      expect(missing).toBeNull();
      expect(ada).toMatchObject({
        id: 'hubspot:101',
        phones: [{ e164: '+14155550100', raw: '(415) 555-0100', type: 'WORK', valid: true }],
        timeZone: 'America/Los_Angeles',
        location: { country: 'US', state: 'CA' },
        crmIntentStage: 'ATTEMPTING',
        openDeal: { id: 'hubspot:5001', stage: 'PROPOSAL', closed: false, won: false, amount: 1200 },
        crmLastActivity: {
          at: '2024-04-03T17:30:00.000Z',
          summary: 'Follow-up',
          disposition: 'Left voicemail',
          type: 'CALL',
        },
        freshness: { stale: false, source: 'HUBSPOT', mappingVersion: 'hubspot@1' },
      });
      expect(grace).toMatchObject({
        primaryPhone: '+16465550102',
        suppression: { doNotCall: true, emailOptOut: false },
        openDeal: { stage: 'CLOSED_WON' },
      });
      expect(alan).toMatchObject({
        phones: [{ extension: '12' }],
        suppression: { emailOptOut: true },
        crmIntentStage: 'CUSTOMER',
      });
      expect(await counts()).toEqual({
        'contacts.batchRead': 1,
        'associations.batchRead': 2,
        'deals.batchRead': 1,
        'calls.batchRead': 1,
      });
      // Every HubSpot request is counted and timed per endpoint and outcome.
      const metrics = await (await fetch(`${sub.baseUrl}/metrics`)).text();
      for (const endpoint of ['contacts.batchRead', 'associations.batchRead', 'deals.batchRead', 'calls.batchRead']) {
        expect(metrics).toMatch(
          new RegExp(
            `dialplane_crm_calls_total\\{[^}]*endpoint="${endpoint.replace('.', '\\.')}"[^}]*outcome="ok"[^}]*\\} [1-9]`,
          ),
        );
      }
      expect(metrics).toMatch(/dialplane_crm_call_duration_seconds_bucket\{[^}]*endpoint="contacts.batchRead"/);

      // A repeat within the TTL is served from the cache: zero HubSpot calls.
      await sim.admin.reset('stats');
      expect(
        (await gql(`{ contacts(ids: ["hubspot:101", "hubspot:102"]) { id name { full } } }`)).errors,
      ).toBeUndefined();
      expect((await sim.admin.stats()).total).toBe(0);
    });

    it('a renamed property is CRM_SCHEMA_DRIFT on its canonical field only, counted and reported by the mapping check', async () => {
      await sim.admin.setDrift({
        object: 'contacts',
        field: 'hs_email_optout',
        action: 'rename',
        to: 'hs_email_optout_v2',
      });
      // 104 was never loaded, so this read sees the drifted portal.
      const answer = await gql(
        `{ contact(id: "hubspot:104") { id name { full } phones { e164 } suppression { doNotCall emailOptOut } } }`,
      );
      expect(answer.data!.contact).toEqual({
        id: 'hubspot:104',
        name: { full: 'Katherine Johnson' },
        phones: [{ e164: '+18085550104' }],
        suppression: { doNotCall: false, emailOptOut: null },
      });
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]).toMatchObject({
        path: ['contact', 'suppression', 'emailOptOut'],
        extensions: {
          code: 'CRM_SCHEMA_DRIFT',
          crm: 'hubspot',
          field: 'contacts.hs_email_optout',
          canonicalField: 'suppression.emailOptOut',
          mappingVersion: 'hubspot@1',
        },
      });
      const metrics = await (await fetch(`${sub.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/dialplane_crm_schema_drift_total\{[^}]*field="suppression.emailOptOut"[^}]*\} [1-9]/);

      const connector = createHubspotConnector({
        baseUrl: sim.url,
        accessToken: 'dev-hubspot-token',
        clientSecret: CLIENT_SECRET,
      });
      try {
        const report = await connector.checkMapping();
        expect(report.differences).toEqual([
          { crmField: 'contacts.hs_email_optout', problem: 'missing', expected: 'bool' },
        ]);
        // The drift watch's cheap check looks at consent-critical properties only.
        expect(await connector.checkCriticalFields!(CONSENT_CRITICAL_FIELDS)).toEqual([]);
        await sim.admin.setDrift({
          object: 'contacts',
          field: 'dialplane_do_not_call',
          action: 'rename',
          to: 'dnc_v2',
        });
        expect(await connector.checkCriticalFields!(CONSENT_CRITICAL_FIELDS)).toEqual([
          { field: 'suppression.doNotCall', crmField: 'contacts.dialplane_do_not_call', reason: 'missing' },
        ]);
        await sim.admin.clearDrift();
        expect(await connector.checkCriticalFields!(CONSENT_CRITICAL_FIELDS)).toEqual([]);
        expect((await connector.checkMapping()).differences).toEqual([]);
      } finally {
        await connector.close();
      }
    });

    it('a do-not-call edit in HubSpot evicts the contact, announces it, and the next read refreshes once', async () => {
      await gql(`{ contact(id: "hubspot:105") { id suppression { doNotCall } } }`);
      events.length = 0;
      await sim.admin.reset('stats');
      await sim.admin.edit({ kind: 'doNotCall', contactId: '105', value: true });
      await sim.admin.waitForDeliveries();
      await expect.poll(() => events.find((e) => e.contactId === 'hubspot:105')).toBeTruthy();
      const event = events.find((e) => e.contactId === 'hubspot:105')!;
      expect(event).toMatchObject({
        source: 'hubspot',
        changedFields: ['suppression.doNotCall'],
        suppression: { doNotCall: true },
        phones: ['+16045550105'],
      });

      const answer = await gql(`{ contact(id: "hubspot:105") { suppression { doNotCall } freshness { stale } } }`);
      expect(answer.data!.contact).toEqual({ suppression: { doNotCall: true }, freshness: { stale: false } });
      expect((await counts())['contacts.batchRead']).toBe(1);
    });

    it('closing a deal evicts the contacts it was read with', async () => {
      const before = await gql(`{ contact(id: "hubspot:101") { openDeal { id closed } } }`);
      expect(before.data!.contact.openDeal).toEqual({ id: 'hubspot:5001', closed: false });
      events.length = 0;
      await sim.admin.edit({ kind: 'closeDeal', dealId: '5001', won: true });
      await sim.admin.waitForDeliveries();
      await expect
        .poll(() => events.some((e) => e.contactId === 'hubspot:101' && e.changedFields.includes('openDeal')))
        .toBe(true);
      const after = await gql(`{ contact(id: "hubspot:101") { openDeal { id stage closed won } crmIntentStage } }`);
      expect(after.data!.contact).toEqual({
        openDeal: { id: 'hubspot:5001', stage: 'CLOSED_WON', closed: true, won: true },
        crmIntentStage: 'CUSTOMER',
      });
    });

    it('rejects unsigned, tampered and stale webhook deliveries with 401', async () => {
      const body = JSON.stringify([
        {
          eventId: 1,
          objectId: 101,
          subscriptionType: 'contact.propertyChange',
          propertyName: 'phone',
          propertyValue: 'x',
          occurredAt: Date.now(),
        },
      ]);
      const post = (headers: Record<string, string>, payload = body) =>
        fetch(sub.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: payload,
        });
      const sign = (timestamp: number, payload = body) => ({
        'x-hubspot-request-timestamp': String(timestamp),
        'x-hubspot-signature-v3': signHubspotV3({
          secret: CLIENT_SECRET,
          method: 'POST',
          uri: sub.webhookUrl,
          body: payload,
          timestamp,
        }),
      });
      expect((await post({})).status).toBe(401);
      expect((await post(sign(Date.now()), body.replace('101', '102'))).status).toBe(401);
      expect((await post(sign(Date.now() - 6 * 60_000))).status).toBe(401);
      const ok = await post(sign(Date.now()));
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ received: 1 });
    });

    it('duplicate and out-of-order deliveries are acknowledged and change nothing', async () => {
      const post = async (events: object[]) => {
        const body = JSON.stringify(events);
        const timestamp = Date.now();
        const res = await fetch(sub.webhookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hubspot-request-timestamp': String(timestamp),
            'x-hubspot-signature-v3': signHubspotV3({
              secret: CLIENT_SECRET,
              method: 'POST',
              uri: sub.webhookUrl,
              body,
              timestamp,
            }),
          },
          body,
        });
        expect(res.status).toBe(200);
        return (await res.json()) as { received: number; applied: number; ignored: number };
      };
      const at = Date.now() - 1_000;
      const change = (eventId: number, occurredAt: number, value: string) => ({
        eventId,
        subscriptionId: 1,
        portalId: 62515,
        appId: 1,
        occurredAt,
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 0,
        objectId: 106,
        propertyName: 'hs_email_optout',
        propertyValue: value,
        changeSource: 'CRM_UI',
      });
      events.length = 0;
      expect(await post([change(900001, at, 'true')])).toEqual({ received: 1, applied: 1, ignored: 0 });
      // HubSpot retries a delivery with the same event ids.
      expect(await post([change(900001, at, 'true')])).toEqual({ received: 1, applied: 0, ignored: 1 });
      // An older change arriving late is not announced after the newer one.
      expect(await post([change(900000, at - 5_000, 'false')])).toEqual({ received: 1, applied: 0, ignored: 1 });
      // A newer change, published after the three: once it arrived, a wrongly announced retry or
      // late change would have arrived before it.
      expect(await post([change(900002, at + 1_000, 'true')])).toEqual({ received: 1, applied: 1, ignored: 0 });
      await expect.poll(() => events.filter((e) => e.contactId === 'hubspot:106').length).toBeGreaterThanOrEqual(2);
      const announced = events.filter((e) => e.contactId === 'hubspot:106');
      expect(announced).toHaveLength(2);
      expect(announced[0]).toMatchObject({
        changedFields: ['suppression.emailOptOut'],
        suppression: { emailOptOut: true },
        occurredAt: new Date(at).toISOString(),
      });
    });

    it('contactsByPhone finds numbers stored in any format through the searchable phone properties', async () => {
      const answer = await gql(`{ contactsByPhone(phone: "+1 646 555 0102") { id primaryPhone } }`);
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.contactsByPhone).toEqual([{ id: 'hubspot:102', primaryPhone: '+16465550102' }]);
      const stored = await gql(`{ contactsByPhone(phone: "(602) 555-0103") { id } }`);
      expect(stored.data!.contactsByPhone).toEqual([{ id: 'hubspot:103' }]);
      const bad = await gql(`{ contactsByPhone(phone: "555-01") { id } }`);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });
}

suite('memory cache', () => undefined);
describeWithRedis('HubSpot subgraph with Redis', () => suite('Redis cache + bus', () => TEST_REDIS_URL));
