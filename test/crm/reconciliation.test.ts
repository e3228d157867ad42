import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../../shared/cache.js';
import { ChangeHandler } from '../../shared/crm/change-handler.js';
import type { ChangedContact, CrmChangeEvent, CrmConnector } from '../../shared/crm/connector.js';
import { ContactStore, type CachedContactEntry } from '../../shared/crm/contact-store.js';
import { createCrmMetrics } from '../../shared/crm/crm-metrics.js';
import { PhoneIndex, type PhoneIndexEntry } from '../../shared/crm/phone-index.js';
import { RECONCILE_MIGRATIONS, ReconcileStateStore } from '../../shared/crm/reconciliation/cursor-store.js';
import {
  advanceCursor,
  readStartMs,
  reconcileHealth,
  reconciledChangeEvent,
} from '../../shared/crm/reconciliation/reconcile-policy.js';
import { Reconciler } from '../../shared/crm/reconciliation/reconciler.js';
import { migrate, openDatabase, type Database } from '../../shared/db.js';
import type { EventBus, EventOf, Topic } from '../../shared/events.js';
import { silentLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import { createHubspotConnector } from '../../crm/hubspot/connector.js';
import { createSalesforceConnector } from '../../crm/salesforce/connector.js';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';

const changed = (sourceId: string, modifiedAtMs: number, over: Partial<ChangedContact> = {}): ChangedContact => ({
  sourceId,
  modifiedAtMs,
  phoneValues: ['(415) 555-0100'],
  doNotCall: true,
  emailOptOut: false,
  ...over,
});

describe('reconciliation policy', () => {
  it('reads from the cursor minus the skew margin, never before 0', () => {
    expect(readStartMs({ modifiedAtMs: 10_000, sourceId: 'a' }, { skewMarginMs: 3_000 })).toBe(7_000);
    expect(readStartMs({ modifiedAtMs: 1_000, sourceId: 'a' }, { skewMarginMs: 3_000 })).toBe(0);
  });

  it('moves the cursor forward by (stamp, id) and never back', () => {
    const c0 = { modifiedAtMs: 100, sourceId: '1002' };
    expect(advanceCursor(c0, changed('1003', 100))).toEqual({ modifiedAtMs: 100, sourceId: '1003' });
    expect(advanceCursor(c0, changed('999', 100))).toBe(c0); // numeric ids compare by value
    expect(advanceCursor(c0, changed('1', 101))).toEqual({ modifiedAtMs: 101, sourceId: '1' });
    expect(advanceCursor(c0, changed('2000', 99))).toBe(c0);
  });

  it('turns a changed record into a reconciled event whose id depends on the record version only', () => {
    const e = reconciledChangeEvent(changed('003A', 5_000));
    expect(e).toEqual({
      eventId: 'reconcile:003A:5000',
      sourceId: '003A',
      kind: 'updated',
      changedFields: [],
      occurredAt: new Date(5_000).toISOString(),
      order: 5_000,
      versionMs: 5_000,
      origin: 'reconciliation',
      phoneValues: ['(415) 555-0100'],
      suppression: { doNotCall: true, emailOptOut: false },
    });
    expect(reconciledChangeEvent(changed('003A', 5_000)).eventId).toBe(e.eventId);
    expect(reconciledChangeEvent(changed('003A', 5_000, { phoneValues: [] }))).not.toHaveProperty('phoneValues');
  });

  it('is healthy within the bound, red past it (never reconciled counts from the start)', () => {
    const start = new Date(0);
    expect(reconcileHealth(null, start, new Date(59_000), { staleAlertMs: 60_000 })).toEqual({
      ok: true,
      lastSuccessAt: null,
    });
    expect(reconcileHealth(null, start, new Date(61_000), { staleAlertMs: 60_000 })).toMatchObject({
      ok: false,
      reason: 'never_reconciled',
      overdueMs: 1_000,
    });
    expect(reconcileHealth(new Date(10_000), start, new Date(80_000), { staleAlertMs: 60_000 })).toMatchObject({
      ok: false,
      reason: 'stale',
      overdueMs: 10_000,
    });
  });
});

function handlerSetup() {
  const published: EventOf<'contact.changed'>[] = [];
  const bus: EventBus = {
    kind: 'memory',
    async publish<T extends Topic>(_topic: T, event: EventOf<T>) {
      published.push(event as EventOf<'contact.changed'>);
    },
    subscribe: async () => async () => undefined,
    close: async () => undefined,
  };
  const connector = { source: 'hubspot', mappingVersion: 'hubspot@1' } as CrmConnector;
  const handler = new ChangeHandler({
    connector,
    store: new ContactStore({
      cache: createCache<CachedContactEntry>({ namespace: 'r:contact', ttlMs: 60_000 }),
      ttlMs: 10_000,
      retainMs: 60_000,
    }),
    phoneIndex: new PhoneIndex({
      cache: createCache<PhoneIndexEntry>({ namespace: 'r:phone', ttlMs: 60_000 }),
      ttlMs: 60_000,
      negativeTtlMs: 1_000,
    }),
    bus,
    markers: createCache({ namespace: 'r:events', ttlMs: 60_000 }),
    metrics: createCrmMetrics(createMetrics('r', { collectDefault: false }), 'hubspot'),
    log: silentLogger,
  });
  return { handler, published };
}

const webhook = (over: Partial<CrmChangeEvent>): CrmChangeEvent => ({
  eventId: 'w1',
  sourceId: '1001',
  kind: 'updated',
  changedFields: ['suppression.doNotCall'],
  occurredAt: new Date(5_000).toISOString(),
  order: 5_000,
  versionMs: 5_000,
  phoneValues: ['+14155550100'],
  suppression: { doNotCall: true },
  ...over,
});

describe('ChangeHandler: webhooks and reconciliation apply each record version once', () => {
  it('a reconciled record already applied by its webhook is a duplicate; a newer version is applied', async () => {
    const { handler, published } = handlerSetup();
    expect(await handler.apply([webhook({})])).toEqual(['applied']);
    expect(await handler.apply([reconciledChangeEvent(changed('1001', 5_000))])).toEqual(['duplicate']);
    expect(await handler.apply([reconciledChangeEvent(changed('1001', 4_000))])).toEqual(['duplicate']);
    expect(await handler.apply([reconciledChangeEvent(changed('1001', 6_000))])).toEqual(['applied']);
    expect(published.map((e) => e.eventId)).toEqual(['hubspot:w1', 'hubspot:reconcile:1001:6000']);
    expect(published[1]).toMatchObject({
      phones: ['+14155550100'],
      suppression: { doNotCall: true, emailOptOut: false },
    });
  });

  it('a webhook arriving after reconciliation announced that version (or a newer one) is a duplicate', async () => {
    const { handler, published } = handlerSetup();
    expect(await handler.apply([reconciledChangeEvent(changed('1001', 5_000))])).toEqual(['applied']);
    expect(await handler.apply([webhook({ eventId: 'late', versionMs: 5_000, order: 5_000 })])).toEqual(['duplicate']);
    expect(await handler.apply([webhook({ eventId: 'older', versionMs: 4_000, order: 4_000 })])).toEqual(['duplicate']);
    expect(await handler.apply([webhook({ eventId: 'newer', versionMs: 7_000, order: 7_000 })])).toEqual(['applied']);
    // Reconciling the same version again (a replay) announces nothing new either.
    expect(await handler.apply([reconciledChangeEvent(changed('1001', 5_000))])).toEqual(['duplicate']);
    expect(published.map((e) => e.eventId)).toEqual(['hubspot:reconcile:1001:5000', 'hubspot:newer']);
  });
});

describe('incremental reads against the simulators (official clients)', () => {
  let sf: SalesforceSim;
  let hs: HubspotSim;
  beforeAll(async () => {
    const latency = { medianMs: 0, jitterMs: 0 };
    [sf, hs] = await Promise.all([
      startSalesforceSim({ port: 0, contacts: 300, latency, queryBatchSize: 200 }),
      startHubspotSim({ port: 0, seed: 1, contacts: 300, latency }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([sf?.close(), hs?.close()]);
  });

  const collectAll = async (pages: AsyncIterable<ChangedContact[]>) => {
    const out: ChangedContact[][] = [];
    for await (const p of pages) out.push(p);
    return out;
  };

  it('Salesforce: SOQL on SystemModstamp >= t, in stamp order, following nextRecordsUrl', async () => {
    const connector = createSalesforceConnector({
      loginUrl: sf.url,
      instanceUrl: sf.url,
      clientId: 'dialplane-dev',
      clientSecret: 'dev-salesforce-secret',
      apiVersion: '62.0',
      webhookSecret: 'test-webhook-secret',
    });
    const since = Date.now() - 1;
    const conn = new jsforce.Connection({
      oauth2: { loginUrl: sf.url, clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' },
      version: '62.0',
    });
    await conn.authorize({ grant_type: 'client_credentials' });
    const ids = (
      (await conn.sobject('Contact').find({}, ['Id']).limit(205).execute({ autoFetch: true, maxFetch: 205 })) as {
        Id: string;
      }[]
    ).map((r) => r.Id);
    expect(ids).toHaveLength(205);
    for (const id of ids) await sf.admin.edit({ kind: 'set', object: 'Contact', id, fields: { Title: 'Edited' } });
    await sf.admin.edit({ kind: 'doNotCall', contactId: ids[3]!, value: true });
    await sf.admin.reset('stats');
    const pages = await collectAll(connector.changedContactsSince(since));
    expect(pages.map((p) => p.length)).toEqual([200, 5]);
    expect(await sf.admin.count('query')).toBe(1);
    expect(await sf.admin.count('query.more')).toBe(1);
    const all = pages.flat();
    expect(all.map((c) => c.modifiedAtMs)).toEqual([...all.map((c) => c.modifiedAtMs)].sort((a, b) => a - b));
    expect(all[all.length - 1]).toMatchObject({ sourceId: ids[3], doNotCall: true, emailOptOut: false });
    // Nothing after the newest stamp; the newest stamp itself is included (>=).
    const newest = all[all.length - 1]!.modifiedAtMs;
    expect((await collectAll(connector.changedContactsSince(newest))).flat().map((c) => c.sourceId)).toEqual([ids[3]]);
    expect(await collectAll(connector.changedContactsSince(newest + 1))).toEqual([]);
  });

  it('HubSpot: search on lastmodifieddate GTE t sorted ascending, 200 a page', async () => {
    const connector = createHubspotConnector({
      baseUrl: hs.url,
      accessToken: 'dev-hubspot-token',
      clientSecret: 'dev-hubspot-client-secret',
    });
    const since = Date.now() - 1;
    for (let id = 1001; id < 1206; id++)
      await hs.admin.edit({ kind: 'set', object: 'contacts', id: String(id), fields: { jobtitle: 'Edited' } });
    await hs.admin.edit({ kind: 'doNotCall', contactId: '1010', value: true });
    await hs.admin.reset('stats');
    const pages = await collectAll(connector.changedContactsSince(since));
    expect(pages.map((p) => p.length)).toEqual([200, 5]);
    expect(await hs.admin.count('contacts.search')).toBe(2);
    const all = pages.flat();
    expect(new Set(all.map((c) => c.sourceId)).size).toBe(205);
    expect(all.map((c) => c.modifiedAtMs)).toEqual([...all.map((c) => c.modifiedAtMs)].sort((a, b) => a - b));
    // 1010 was changed last: it is among the records of the latest modification time (the last
    // edit of the loop may share its millisecond, and equal times have no order), with its opt-out.
    const latest = all[all.length - 1]!.modifiedAtMs;
    expect(all.find((c) => c.sourceId === '1010')).toMatchObject({ doNotCall: true, modifiedAtMs: latest });
  });
});

describeWithPostgres('Reconciler with its durable cursor', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase('reconciler');
    db = await openDatabase({ url: database.url });
    await migrate(db, 'crm-reconcile', RECONCILE_MIGRATIONS);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('resumes from its checkpoint, re-reads the skew margin without re-applying, replays from a time, records failures', async () => {
    const records = [changed('1', 1_000), changed('2', 2_000), changed('3', 3_000)];
    const reads: number[] = [];
    let failAfterFirstPage = false;
    const connector = {
      source: 'hubspot' as const,
      async *changedContactsSince(sinceMs: number) {
        reads.push(sinceMs);
        const matching = records.filter((r) => r.modifiedAtMs >= sinceMs);
        for (let i = 0; i < matching.length; i += 2) {
          if (i > 0 && failAfterFirstPage) throw new Error('CRM went away');
          yield matching.slice(i, i + 2);
        }
      },
    };
    const { handler, published } = handlerSetup();
    const state = new ReconcileStateStore(db);
    let clock = 500;
    const reconciler = new Reconciler({
      connector,
      changes: handler,
      state,
      settings: { skewMarginMs: 1_500 },
      log: silentLogger,
      now: () => new Date(clock),
    });

    failAfterFirstPage = true;
    await expect(reconciler.runOnce()).rejects.toThrow('CRM went away');
    expect(reads).toEqual([0]); // first run: cursor at "now" (500) minus the margin
    let saved = await state.load('hubspot', 0);
    expect(saved.cursor).toEqual({ modifiedAtMs: 2_000, sourceId: '2' }); // the finished page was kept
    expect(saved.lastError).toBe('Error');
    expect(saved.lastSuccessAt).toBeNull();

    failAfterFirstPage = false;
    clock = 4_000;
    const summary = await reconciler.runOnce();
    expect(reads[1]).toBe(500); // cursor 2000 - margin 1500
    expect(summary).toMatchObject({ read: 3, applied: 1, duplicates: 2, cursorMs: 3_000 });
    saved = await state.load('hubspot', 0);
    expect(saved).toMatchObject({ lastError: null, recordsApplied: 3, cursor: { modifiedAtMs: 3_000, sourceId: '3' } });
    expect(saved.lastSuccessAt?.getTime()).toBe(4_000);

    await reconciler.replayFrom(new Date(0));
    const replay = await reconciler.runOnce();
    expect(replay).toMatchObject({ read: 3, applied: 0, duplicates: 3, fromMs: 0 });
    expect(published.map((e) => e.eventId)).toEqual([
      'hubspot:reconcile:1:1000',
      'hubspot:reconcile:2:2000',
      'hubspot:reconcile:3:3000',
    ]);
  });
});
