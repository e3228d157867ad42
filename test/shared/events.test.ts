import { describe, expect, it } from 'vitest';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { eventually } from '../support/eventually.js';
import { TEST_REDIS_URL, describeWithRedis, uniquePrefix } from '../support/services.js';

const event = (n: number) => ({
  eventId: `e${n}`,
  contactId: 'salesforce:003000000000001AAA',
  source: 'salesforce',
  changedFields: ['suppression.doNotCall'],
  occurredAt: new Date().toISOString(),
});

/** Waits until `received` holds `count` events. */
const received = (list: unknown[], count: number) => eventually(() => list.length >= count, 3_000, 5);

function suite(open: () => Promise<EventBus>) {
  it('delivers to every subscriber (other replicas included) and stops after unsubscribe', async () => {
    const a = await open();
    const b = await open();
    const gotA: unknown[] = [];
    const gotB: unknown[] = [];
    // A second subscriber on bus `a` that stays: once it has an event, so would A have had it.
    const witness: unknown[] = [];
    const offA = await a.subscribe('contact.changed', (e) => void gotA.push(e));
    await a.subscribe('contact.changed', (e) => void witness.push(e));
    await b.subscribe('contact.changed', (e) => void gotB.push(e));
    await a.publish('contact.changed', event(1));
    await received(gotA, 1);
    if (a.kind === 'redis') await received(gotB, 1); // separate in-memory buses share nothing, as separate processes would
    await offA();
    await a.publish('contact.changed', event(2));
    if (a.kind === 'redis') await received(gotB, 2);
    await received(witness, 2);
    expect(gotA).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });
  it('refuses to publish a malformed event', async () => {
    const bus = await open();
    await expect(bus.publish('contact.changed', { eventId: 'x' } as never)).rejects.toThrow();
    await bus.close();
  });
}

describe('in-process event bus', () => suite(() => createEventBus()));

describeWithRedis('Redis event bus', () => {
  const prefix = uniquePrefix('events');
  suite(() => createEventBus({ redisUrl: TEST_REDIS_URL, prefix }));
});
