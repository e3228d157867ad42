import { describe, expect, it } from 'vitest';
import { createCache } from '../../shared/cache.js';
import { ChangeHandler } from '../../shared/crm/change-handler.js';
import type { CrmChangeEvent, CrmConnector } from '../../shared/crm/connector.js';
import { ContactStore, type CachedContactEntry } from '../../shared/crm/contact-store.js';
import { createCrmMetrics } from '../../shared/crm/crm-metrics.js';
import { PhoneIndex, type PhoneIndexEntry } from '../../shared/crm/phone-index.js';
import type { EventBus, EventOf, Topic } from '../../shared/events.js';
import { silentLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';

const connector = { source: 'salesforce', mappingVersion: 'salesforce@1' } as CrmConnector;
const contact = (id: string) => ({
  id: `salesforce:${id}`,
  source: 'salesforce' as const,
  sourceId: id,
  name: null,
  email: null,
  phones: [{ e164: '+14155550100', raw: '(415) 555-0100', type: 'WORK' as const, extension: null, valid: true }],
  primaryPhone: '+14155550100',
  timeZone: null,
  location: null,
  crmIntentStage: null,
  openDeal: null,
  crmLastActivity: null,
  suppression: { doNotCall: false, emailOptOut: false },
});

function setup(options: { failPublishes?: number; connector?: CrmConnector } = {}) {
  const published: EventOf<'contact.changed'>[] = [];
  let failures = options.failPublishes ?? 0;
  const bus: EventBus = {
    kind: 'memory',
    async publish<T extends Topic>(_topic: T, event: EventOf<T>) {
      if (failures > 0) {
        failures -= 1;
        throw new Error('bus down');
      }
      published.push(event as EventOf<'contact.changed'>);
    },
    subscribe: async () => async () => undefined,
    close: async () => undefined,
  };
  const store = new ContactStore({
    cache: createCache<CachedContactEntry>({ namespace: 't:contact', ttlMs: 60_000 }),
    ttlMs: 10_000,
    retainMs: 60_000,
  });
  const phoneIndex = new PhoneIndex({
    cache: createCache<PhoneIndexEntry>({ namespace: 't:phone', ttlMs: 60_000 }),
    ttlMs: 60_000,
    negativeTtlMs: 1_000,
  });
  const handler = new ChangeHandler({
    connector: options.connector ?? connector,
    store,
    phoneIndex,
    bus,
    markers: createCache({ namespace: 't:events', ttlMs: 60_000 }),
    metrics: createCrmMetrics(createMetrics('t', { collectDefault: false }), 'salesforce'),
    log: silentLogger,
  });
  return { handler, store, phoneIndex, published };
}

const event = (over: Partial<CrmChangeEvent>): CrmChangeEvent => ({
  eventId: 'e1',
  sourceId: '003A',
  kind: 'updated',
  changedFields: ['suppression.doNotCall'],
  occurredAt: new Date(1_000).toISOString(),
  order: 1_000,
  ...over,
});

describe('ChangeHandler', () => {
  it('reads the phones from the CRM when a do-not-call change arrives for a contact nobody cached', async () => {
    const asked: string[][] = [];
    const reading = {
      ...connector,
      loadContacts: async (ids: readonly string[]) => {
        asked.push([...ids]);
        return [{ kind: 'found' as const, contact: contact('003A'), drift: [] }];
      },
    } as CrmConnector;
    const { handler, published } = setup({ connector: reading });
    await handler.apply([event({ suppression: { doNotCall: true } })]);
    expect(asked).toEqual([['003A']]);
    expect(published[0]).toMatchObject({
      contactId: 'salesforce:003A',
      phones: ['+14155550100'],
      suppression: { doNotCall: true },
    });
  });

  it('still announces a do-not-call change (without phones) when the CRM cannot be read', async () => {
    const failing = {
      ...connector,
      loadContacts: async () => {
        throw new Error('CRM down');
      },
    } as CrmConnector;
    const { handler, published } = setup({ connector: failing });
    expect(await handler.apply([event({})])).toEqual(['applied']);
    expect(published).toHaveLength(1);
    expect(published[0]!.phones).toBeUndefined();
  });

  it('invalidates the cached contact at once but keeps it as an outage fallback', async () => {
    const { handler, store } = setup();
    await store.putMany(
      [{ sourceId: '003A', result: { kind: 'found', contact: contact('003A'), drift: [] } }],
      Date.now(),
    );
    const [before] = await store.getMany(['003A']);
    expect(store.isFresh(before!)).toBe(true);
    expect(await handler.apply([event({})])).toEqual(['applied']);
    const [after] = await store.getMany(['003A']);
    expect(after).toBeDefined();
    expect(store.isFresh(after!)).toBe(false);
  });

  it('does not cache as fresh a fetch that started before a change event', async () => {
    const { handler, store } = setup();
    const startedAt = Date.now() - 5;
    await handler.apply([event({})]);
    await store.putMany(
      [{ sourceId: '003A', result: { kind: 'found', contact: contact('003A'), drift: [] } }],
      startedAt,
    );
    const [entry] = await store.getMany(['003A']);
    expect(store.isFresh(entry!)).toBe(false);
  });

  it('announces with the known phones when suppression changed; ignores duplicates and older events', async () => {
    const { handler, store, published } = setup();
    await store.putMany(
      [{ sourceId: '003A', result: { kind: 'found', contact: contact('003A'), drift: [] } }],
      Date.now(),
    );
    expect(
      await handler.apply([
        event({ suppression: { doNotCall: true } }),
        event({}),
        event({ eventId: 'e0', order: 500 }),
      ]),
    ).toEqual(['applied', 'duplicate', 'out_of_order']);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      eventId: 'salesforce:e1',
      contactId: 'salesforce:003A',
      phones: ['+14155550100'],
      suppression: { doNotCall: true },
    });
  });

  it('applies a delivery retried after the bus failed (not mistaken for a duplicate)', async () => {
    const { handler, published } = setup({ failPublishes: 1 });
    await expect(handler.apply([event({})])).rejects.toThrow('bus down');
    expect(await handler.apply([event({})])).toEqual(['applied']);
    expect(published).toHaveLength(1);
  });

  it('adds a changed phone to an existing phone-index entry', async () => {
    const { handler, phoneIndex } = setup();
    await phoneIndex.set('+14155550123', ['003B']);
    await handler.apply([event({ changedFields: ['phones'], phoneValues: ['(415) 555-0123'] })]);
    expect(await phoneIndex.get('+14155550123')).toEqual(['003B', '003A']);
  });
  it("a related record's change (a deal) evicts whatever its commit time, and never makes the contact's own late event look out of order", async () => {
    const { handler, store, published } = setup();
    const cache = async () =>
      store.putMany([{ sourceId: '003A', result: { kind: 'found', contact: contact('003A'), drift: [] } }], Date.now());
    // The contact's own event at t=5000, then a deal closed at t=3000 delivered later: still evicts.
    expect(await handler.apply([event({ eventId: 'own-1', order: 5_000 })])).toEqual(['applied']);
    await cache();
    expect(
      await handler.apply([
        event({ eventId: 'deal-1:003A', order: 3_000, changedFields: ['openDeal'], origin: 'related' }),
      ]),
    ).toEqual(['applied']);
    expect(store.isFresh((await store.getMany(['003A']))[0]!)).toBe(false);
    // A deal at t=9000 does not advance the contact's order: its own do-not-call at t=7000, late, applies.
    expect(
      await handler.apply([
        event({ eventId: 'deal-2:003A', order: 9_000, changedFields: ['openDeal'], origin: 'related' }),
      ]),
    ).toEqual(['applied']);
    expect(await handler.apply([event({ eventId: 'own-2', order: 7_000, suppression: { doNotCall: true } })])).toEqual([
      'applied',
    ]);
    expect(published.at(-1)).toMatchObject({
      changedFields: ['suppression.doNotCall'],
      suppression: { doNotCall: true },
    });
    // The contact's own order still holds for its own events.
    expect(await handler.apply([event({ eventId: 'own-3', order: 6_000 })])).toEqual(['out_of_order']);
  });
});
