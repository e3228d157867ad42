import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client, Signature } from '@hubspot/api-client';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { eventually } from '../support/eventually.js';

/**
 * HubSpot change events: edits through the API or the admin `edit` call reach a receiver as a
 * JSON array of propertyChange events, signed so the client's own `Signature.isValid` accepts
 * them, and are retried (with a growing attemptNumber and a fresh signature) when it fails.
 */

interface Received {
  url: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
}

interface Receiver {
  url: string;
  received: Received[];
  /** Statuses to answer, in order; 200 once exhausted. */
  script: number[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const script: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = script.shift() ?? 200;
      received.push({
        url: req.url ?? '/',
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
        status,
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/hubspot`,
    received,
    script,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface EventJson {
  eventId: number;
  subscriptionType: string;
  objectId: number;
  propertyName: string;
  propertyValue: string;
  attemptNumber: number;
  occurredAt: number;
  portalId: number;
  changeSource: string;
}

const SECRET = 'dev-hubspot-client-secret';

let sim: HubspotSim;
let receiver: Receiver;
let hubspot: Client;

beforeAll(async () => {
  receiver = await startReceiver();
  sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
  hubspot = new Client({ accessToken: 'dev-hubspot-token', basePath: sim.url });
});

afterAll(async () => {
  await sim.close();
  await receiver.close();
});

beforeEach(async () => {
  await sim.admin.reset();
  receiver.received.length = 0;
  receiver.script.length = 0;
  await sim.admin.setWebhooks([receiver.url], { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 2_000 });
});

function events(): EventJson[] {
  return receiver.received.filter((r) => r.status === 200).flatMap((r) => JSON.parse(r.body) as EventJson[]);
}

function verifies(r: Received, secret = SECRET): boolean {
  return Signature.isValid({
    signatureVersion: 'v3',
    signature: String(r.headers['x-hubspot-signature-v3']),
    clientSecret: secret,
    requestBody: r.body,
    url: receiver.url,
    method: 'POST',
    timestamp: Number(r.headers['x-hubspot-request-timestamp']),
  });
}

describe('HubSpot webhooks', () => {
  it('sends a signed contact.propertyChange batch when a person sets the custom do-not-call flag', async () => {
    const result = await sim.admin.edit({ kind: 'doNotCall', contactId: '101', value: true });
    expect(result).toEqual({ object: 'contacts', id: '101', changedFields: ['dialplane_do_not_call'] });
    await sim.admin.waitForDeliveries();
    expect(receiver.received).toHaveLength(1);
    const [req] = receiver.received;
    expect(req.headers['content-type']).toBe('application/json');
    expect(verifies(req)).toBe(true);
    expect(verifies(req, 'some-other-secret')).toBe(false);
    const [event] = JSON.parse(req.body) as EventJson[];
    expect(event).toMatchObject({
      subscriptionType: 'contact.propertyChange',
      objectId: 101,
      propertyName: 'dialplane_do_not_call',
      propertyValue: 'true',
      attemptNumber: 0,
      changeSource: 'CRM_UI',
      portalId: 62515,
    });
    expect(typeof event.eventId).toBe('number');
    expect(Math.abs(event.occurredAt - Date.now())).toBeLessThan(10_000);
    // The API sees the edit too.
    const read = await hubspot.crm.contacts.basicApi.getById('101', ['dialplane_do_not_call']);
    expect(read.properties.dialplane_do_not_call).toBe('true');
  });

  it('sends events for API writes, one per changed property, none for calculated ones or no-op writes', async () => {
    await hubspot.crm.contacts.basicApi.update('102', { properties: { phone: '+1 212 555 0199', firstname: 'Grace' } });
    await sim.admin.waitForDeliveries();
    const got = events();
    expect(got.map((e) => [e.objectId, e.propertyName, e.propertyValue, e.changeSource])).toEqual([
      [102, 'phone', '+1 212 555 0199', 'INTEGRATION'],
    ]);
  });

  it('closing a deal as won emits the deal change and the lifecycle-stage sync of its contact', async () => {
    await sim.admin.edit({ kind: 'closeDeal', dealId: '5001', won: true });
    await sim.admin.waitForDeliveries();
    const got = events();
    expect(got).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          subscriptionType: 'deal.propertyChange',
          objectId: 5001,
          propertyName: 'dealstage',
          propertyValue: 'closedwon',
        }),
        expect.objectContaining({
          subscriptionType: 'contact.propertyChange',
          objectId: 101,
          propertyName: 'lifecyclestage',
          propertyValue: 'customer',
        }),
      ]),
    );
    const deal = await hubspot.crm.deals.batchApi.read({
      inputs: [{ id: '5001' }],
      properties: ['hs_is_closed_won'],
      propertiesWithHistory: [],
    });
    expect(deal.results[0].properties.hs_is_closed_won).toBe('true');
  });

  it('changing a phone through the admin edit makes the contact findable by the new number', async () => {
    await sim.admin.edit({ kind: 'phone', contactId: '104', phone: '(808) 555-0199' });
    await sim.admin.waitForDeliveries();
    expect(events().map((e) => [e.objectId, e.propertyName, e.propertyValue])).toEqual([
      [104, 'phone', '(808) 555-0199'],
    ]);
    const found = await hubspot.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_searchable_calculated_phone_number', operator: 'EQ' as never, value: '8085550199' },
          ],
        },
      ],
      properties: [],
      limit: 10,
      after: '0',
      sorts: [],
    });
    expect(found.results.map((r) => r.id)).toEqual(['104']);
  });

  it('retries a failing receiver with a growing attemptNumber and a fresh valid signature each time', async () => {
    receiver.script.push(500, 503);
    await sim.admin.edit({ kind: 'doNotCall', contactId: '103', value: true });
    await sim.admin.waitForDeliveries();
    expect(receiver.received.map((r) => r.status)).toEqual([500, 503, 200]);
    const attempts = receiver.received.map((r) => (JSON.parse(r.body) as EventJson[])[0].attemptNumber);
    expect(attempts).toEqual([0, 1, 2]);
    expect(receiver.received.every((r) => verifies(r))).toBe(true);
    const eventIds = receiver.received.map((r) => (JSON.parse(r.body) as EventJson[])[0].eventId);
    expect(new Set(eventIds).size).toBe(1);
    const deliveries = await sim.admin.deliveries();
    expect(deliveries.at(-1)).toMatchObject({ state: 'delivered', attempts: 3 });
  });

  it('with a batch window, collects near-simultaneous changes into requests of at most 100 events', async () => {
    const windowed = await startHubspotSim({
      port: 0,
      latency: { medianMs: 0, jitterMs: 0 },
      webhookBatchWindowMs: 1_000,
      webhookTargets: [receiver.url],
    });
    try {
      await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          windowed.admin.edit({ kind: 'set', object: 'contacts', id: '105', fields: { city: `Vancouver ${i}` } }),
        ),
      );
      const total = () => receiver.received.reduce((n, r) => n + (JSON.parse(r.body) as unknown[]).length, 0);
      await eventually(() => total() >= 150, 10_000, 20);
      const sizes = receiver.received.map((r) => (JSON.parse(r.body) as unknown[]).length);
      expect(sizes.every((n) => n <= 100)).toBe(true);
      expect(total()).toBe(150);
      // Batched: far fewer requests than events (how many depends on how fast the edits arrive).
      expect(sizes.length).toBeLessThan(50);
      expect(Math.max(...sizes)).toBeGreaterThan(1);
    } finally {
      await windowed.close();
    }
  });

  it('rejects edits of unknown records or properties with the admin error status', async () => {
    await expect(sim.admin.edit({ kind: 'doNotCall', contactId: '999999', value: true })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      sim.admin.edit({ kind: 'set', object: 'contacts', id: '101', fields: { nope: 'x' } }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
