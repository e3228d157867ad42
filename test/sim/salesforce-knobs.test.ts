import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jsforce, { Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import { generateSalesforceDataset } from '../../sim/data/index.js';

/** The generated org as plain arrays, for expectations. */
function orgData(seed: number, contacts: number) {
  const d = generateSalesforceDataset({ seed, contacts });
  return { Contact: [...d.Contact.values()], Opportunity: [...d.Opportunity.values()], Task: [...d.Task.values()] };
}
import type { CdcEvent } from '../../sim/salesforce/change-events.js';

let sim: SalesforceSim;
let conn: Connection;
const seed = orgData(3, 30);

/** A change-event receiver that can be told to fail its first N deliveries. */
let receiver: Server;
let receiverUrl: string;
let failNext = 0;
let received: CdcEvent[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(body) as CdcEvent);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/salesforce`;
  sim = await startSalesforceSim({
    port: 0,
    seed: 3,
    contacts: 30,
    latency: { medianMs: 0, jitterMs: 0 },
    webhookRetry: { baseDelayMs: 20 },
  });
  conn = new jsforce.Connection({
    oauth2: { loginUrl: sim.url, clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' },
    version: '59.0',
  });
  await conn.authorize({ grant_type: 'client_credentials' });
});
afterAll(async () => {
  await sim.close();
  await new Promise((r) => receiver.close(r));
});
beforeEach(async () => {
  await sim.admin.reset('all');
  received = [];
  failNext = 0;
});

const contactId = String(seed.Contact[0].Id);

async function errorOf(p: PromiseLike<unknown>): Promise<Error & { errorCode?: string }> {
  return Promise.resolve(p).then(
    () => {
      throw new Error('expected a failure');
    },
    (e: Error & { errorCode?: string }) => e,
  );
}

describe('Salesforce sim knobs', () => {
  it('surfaces a rate limit as REQUEST_LIMIT_EXCEEDED (403) through jsforce', async () => {
    await sim.admin.setRateLimit({ enabled: true, limit: 2, windowMs: 60_000 });
    await conn.query('SELECT Id FROM Contact LIMIT 1');
    await conn.query('SELECT Id FROM Contact LIMIT 1');
    const err = await errorOf(conn.query('SELECT Id FROM Contact LIMIT 1'));
    expect(err.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(err.message).toBe('TotalRequests Limit exceeded.');
    const [last] = (await sim.admin.requests({ endpoint: 'query' })).slice(-1);
    expect(last.status).toBe(403);
  });

  it('enforces the daily API allowance reported in Sforce-Limit-Info', async () => {
    const small = await startSalesforceSim({
      port: 0,
      contacts: 2,
      latency: { medianMs: 0, jitterMs: 0 },
      dailyApiLimit: 2,
      staticAccessTokens: ['tok'],
    });
    try {
      const c = new jsforce.Connection({ instanceUrl: small.url, accessToken: 'tok', version: '59.0' });
      await c.query('SELECT Id FROM Contact');
      const res = await fetch(`${small.url}/services/data/v59.0/limits`, { headers: { authorization: 'Bearer tok' } });
      expect(res.headers.get('sforce-limit-info')).toBe('api-usage=2/2');
      expect((await errorOf(c.query('SELECT Id FROM Contact'))).errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    } finally {
      await small.close();
    }
  });

  it('renamed field: describe shows the new name, SOQL naming the old one answers INVALID_FIELD', async () => {
    await sim.admin.setDrift({ object: 'Contact', field: 'DoNotCall', action: 'rename', to: 'Do_Not_Call__c' });
    const names = (await conn.describe('Contact')).fields.map((f) => f.name);
    expect(names).toContain('Do_Not_Call__c');
    expect(names).not.toContain('DoNotCall');
    const err = await errorOf(conn.query('SELECT Id, DoNotCall FROM Contact'));
    expect(err.errorCode).toBe('INVALID_FIELD');
    expect(err.message).toContain("No such column 'DoNotCall' on entity 'Contact'");
    const renamed = await conn.query(`SELECT Id, Do_Not_Call__c FROM Contact WHERE Id = '${contactId}'`);
    expect(renamed.records[0].Do_Not_Call__c).toBe(seed.Contact[0].DoNotCall);
    expect((await errorOf(conn.retrieve('Contact', [contactId], { fields: ['DoNotCall'] }))).errorCode).toBe(
      'INVALID_FIELD',
    );

    await sim.admin.setDrift({ object: 'Contact', field: 'MobilePhone', action: 'remove' });
    expect((await conn.describe('Contact')).fields.map((f) => f.name)).not.toContain('MobilePhone');
    const all = await conn.sobject('Contact').retrieve(contactId);
    expect(all).not.toHaveProperty('MobilePhone');

    await sim.admin.clearDrift();
    expect((await conn.query('SELECT Id, DoNotCall, MobilePhone FROM Contact LIMIT 1')).records).toHaveLength(1);
  });

  it('injects 5xx, outages and hangs', async () => {
    // POSTs are never retried by jsforce, so the injected error surfaces at once.
    await sim.admin.setFaults({ errorRate: 1 });
    const err = await errorOf(conn.retrieve('Contact', [contactId], { fields: ['Id'] }));
    expect(err.errorCode).toBe('SERVER_UNAVAILABLE');
    await sim.admin.setFaults({ outage: true });
    const res = await fetch(`${sim.url}/services/data/v59.0/sobjects`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    await sim.admin.setFaults({ hangRate: 1 });
    await expect(
      fetch(`${sim.url}/services/data/v59.0/sobjects`, {
        headers: { authorization: `Bearer ${conn.accessToken}` },
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    await sim.admin.setFaults({});
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(30);
  });

  it('adds the configured latency', async () => {
    await sim.admin.setLatency({ medianMs: 80, jitterMs: 0 });
    const t0 = performance.now();
    await conn.query('SELECT Id FROM Contact LIMIT 1');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
  });

  it('posts a CDC event for an API update and retries while the receiver fails', async () => {
    await sim.admin.setWebhooks([receiverUrl], { baseDelayMs: 20, maxAttempts: 5 });
    failNext = 2;
    await conn.sobject('Contact').update({ Id: contactId, Phone: '+1 (212) 555-0142' });
    const stats = await sim.admin.waitForDeliveries();
    expect(stats).toMatchObject({ delivered: 1, failed: 0, attempts: 3 });
    expect(received).toHaveLength(1);
    const { payload, event } = received[0];
    expect(payload.ChangeEventHeader).toMatchObject({
      entityName: 'Contact',
      recordIds: [contactId],
      changeType: 'UPDATE',
    });
    expect(payload.ChangeEventHeader.changedFields).toEqual(expect.arrayContaining(['Phone', 'LastModifiedDate']));
    expect(payload.ChangeEventHeader.changeOrigin).toMatch(/^com\/salesforce\/api\/rest\//);
    expect(payload.Phone).toBe('+1 (212) 555-0142');
    expect(event.replayId).toBeGreaterThan(0);
    const [record] = await sim.admin.deliveries();
    expect(record).toMatchObject({ state: 'delivered', attempts: 3, kind: 'ContactChangeEvent' });
  });

  it('admin edits act like a person in the CRM: DoNotCall, deal closed won, phone change', async () => {
    await sim.admin.setWebhooks([receiverUrl]);
    const dnc = await sim.admin.edit({ kind: 'doNotCall', contactId, value: !seed.Contact[0].DoNotCall });
    expect(dnc.changedFields).toContain('DoNotCall');
    const opp = String(seed.Opportunity.find((o) => !String(o.StageName).startsWith('Closed'))!.Id);
    await sim.admin.edit({ kind: 'closeDeal', dealId: opp, won: true });
    await sim.admin.edit({ kind: 'phone', contactId, field: 'MobilePhone', phone: '907.201.9984' });
    await sim.admin.waitForDeliveries();
    expect(received.map((e) => e.payload.ChangeEventHeader.entityName)).toEqual(['Contact', 'Opportunity', 'Contact']);
    expect(received.every((e) => e.payload.ChangeEventHeader.changeOrigin === '')).toBe(true);
    expect(received[1].payload).toMatchObject({ StageName: 'Closed Won', IsClosed: true, IsWon: true });
    // Writes are visible to later reads.
    const won = await conn.sobject('Opportunity').retrieve(opp);
    expect([won.IsClosed, won.IsWon]).toEqual([true, true]);
    expect(
      (await conn.search('FIND {9072019984} IN PHONE FIELDS RETURNING Contact(Id)')).searchRecords.map((r) => r.Id),
    ).toEqual([contactId]);
    const unknown = await fetch(`${sim.url}/__sim/edit`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'doNotCall', contactId: '003Dp0000000zzzAAA', value: true }),
    });
    expect(unknown.status).toBe(404);
  });

  it('counts requests per endpoint and logs them without query strings', async () => {
    await sim.admin.reset('stats');
    await conn.query(`SELECT Id FROM Contact WHERE Phone = '${String(seed.Contact[1].Phone)}'`);
    await conn.retrieve('Contact', [contactId], { fields: ['Id'] });
    await fetch(`${sim.url}/services/data/v59.0/nope`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
    const stats = await sim.admin.stats();
    expect(stats.counters).toEqual({ query: 1, 'collections.retrieve': 1, unknown: 1 });
    const log = await sim.admin.requests();
    expect(log.map((e) => [e.endpoint, e.status])).toEqual([
      ['query', 200],
      ['collections.retrieve', 200],
      ['unknown', 404],
    ]);
    expect(log.every((e) => !e.path.includes('?'))).toBe(true);
    expect(log[0].durationMs).toBeGreaterThanOrEqual(0);
  });
});
