import { describe, expect, it } from 'vitest';
import { createCache } from '../../shared/cache.js';
import { silentLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import type { CanonicalContact, ContactLoadResult, CrmConnector } from '../../shared/crm/connector.js';
import { createCrmMetrics } from '../../shared/crm/crm-metrics.js';
import { ContactService, type ContactAnswer } from '../../shared/crm/contact-service.js';
import { ContactStore, type CachedContactEntry } from '../../shared/crm/contact-store.js';

/**
 * Lets every pending callback run (0 ms batch windows, promise chains, I/O-free work) by going
 * round the event loop a few times: no clock time is waited, so "nothing happened" is checked
 * without a fixed sleep (the service runs on the injected clock).
 */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Refresh ahead of expiry (issue 17): a hot contact is re-read in the background shortly before
 * its freshness ends, callers keep the fresh copy meanwhile, change events still evict at once,
 * and no copy is ever served as fresh past its lifetime. Time is an injected clock; the CRM is a
 * fake whose loads the test releases by hand, so "the caller did not wait" is observable.
 */

const TTL = 10_000;
const AHEAD = 2_000;

interface PendingLoad {
  ids: string[];
  release(version?: number): void;
  fail(error: Error): void;
}

function harness(options: { refreshAheadMs?: number } = {}) {
  let now = 1_000_000;
  const clock = () => now;
  const pending: PendingLoad[] = [];
  let version = 1;
  const contactOf = (id: string, v: number) =>
    ({
      id: `hubspot:${id}`,
      sourceId: id,
      name: { full: `v${v}` },
      suppression: { doNotCall: v % 2 === 0 },
    }) as unknown as CanonicalContact;
  const connector = {
    source: 'hubspot',
    mappingVersion: 'hubspot@test',
    limits: { maxBatchSize: 100, maxConcurrentBatches: 1 },
    loadContacts: (ids: readonly string[]) =>
      new Promise<ContactLoadResult[]>((resolve, reject) => {
        pending.push({
          ids: [...ids],
          release: (v = version) =>
            resolve(ids.map((id) => ({ kind: 'found', contact: contactOf(id, v), drift: [] }) as ContactLoadResult)),
          fail: reject,
        });
      }),
  } as unknown as CrmConnector;
  const store = new ContactStore({
    cache: createCache<CachedContactEntry>({ namespace: `refresh-ahead-${Math.random()}`, ttlMs: 3_600_000 }),
    ttlMs: TTL,
    retainMs: 3_600_000,
    now: clock,
  });
  const metrics = createCrmMetrics(createMetrics('refresh-ahead-test'), 'hubspot');
  const service = new ContactService({
    connector,
    store,
    metrics,
    log: silentLogger,
    batchWindowMs: 0,
    now: clock,
    ...options,
  });
  const nameOf = (a: ContactAnswer) => (a.kind === 'found' ? a.contact.name?.full : a.kind);
  /** Resolves with the answer, or 'waiting' if it is still waiting on the CRM after the event loop settles. */
  const answerNow = async (p: Promise<ContactAnswer[]>) =>
    Promise.race([p.then((a) => a[0]!), settle().then(() => 'waiting' as const)]);
  return {
    service,
    store,
    pending,
    nameOf,
    answerNow,
    advance: (ms: number) => {
      now += ms;
    },
    setVersion: (v: number) => {
      version = v;
    },
    nextLoad: async () => {
      await expect.poll(() => pending.length, { timeout: 2_000 }).toBeGreaterThan(0);
      return pending.shift()!;
    },
  };
}

describe('ContactService refresh ahead of expiry', () => {
  it('refreshes a hot entry in the background; callers keep the fresh copy and never wait at expiry', async () => {
    const h = harness({ refreshAheadMs: AHEAD });
    const first = h.service.getMany(['1']);
    (await h.nextLoad()).release();
    expect(h.nameOf((await first)[0]!)).toBe('v1');

    // Before the window: a plain hit, no CRM call.
    h.advance(TTL - AHEAD - 1);
    expect(h.nameOf((await h.service.getMany(['1']))[0]!)).toBe('v1');
    await settle();
    expect(h.pending).toHaveLength(0);

    // In the window: the caller gets the fresh copy at once; one background load starts, however many read.
    h.advance(1);
    h.setVersion(2);
    const during = await Promise.all([h.service.getMany(['1']), h.service.getMany(['1']), h.service.getMany(['1'])]);
    expect(during.map((a) => h.nameOf(a[0]!))).toEqual(['v1', 'v1', 'v1']);
    const refresh = await h.nextLoad();
    expect(refresh.ids).toEqual(['1']);
    expect(h.service.refreshesInFlight).toBe(1);
    expect(h.nameOf((await h.service.getMany(['1']))[0]!)).toBe('v1'); // still in flight: no second load
    expect(h.pending).toHaveLength(0);
    refresh.release();
    await expect.poll(() => h.service.refreshesInFlight).toBe(0);

    // Past the first copy's lifetime: the refreshed copy answers without a CRM call.
    h.advance(AHEAD + 1);
    const after = await h.answerNow(h.service.getMany(['1']));
    expect(after).not.toBe('waiting');
    expect(h.nameOf(after as ContactAnswer)).toBe('v2');
    expect(h.pending).toHaveLength(0);
  });

  it('a change event still evicts at once: the next caller waits for the CRM, even during a refresh', async () => {
    const h = harness({ refreshAheadMs: AHEAD });
    const first = h.service.getMany(['1']);
    (await h.nextLoad()).release();
    await first;
    h.advance(TTL - AHEAD / 2);
    h.setVersion(2);
    await h.service.getMany(['1']); // starts the background refresh
    const refresh = await h.nextLoad();
    // The record changes in the CRM while the refresh is in flight; its result may predate the change.
    h.advance(10);
    await h.store.invalidate('1');
    refresh.release(2);
    await expect.poll(() => h.service.refreshesInFlight).toBe(0);

    h.setVersion(3);
    const read = h.service.getMany(['1']);
    expect(await h.answerNow(read)).toBe('waiting'); // not served from the raced refresh
    (await h.nextLoad()).release();
    expect(h.nameOf((await read)[0]!)).toBe('v3');
  });

  it('never serves a copy as fresh past its lifetime when the refresh fails: stale only as the outage fallback', async () => {
    const h = harness({ refreshAheadMs: AHEAD });
    const first = h.service.getMany(['1']);
    (await h.nextLoad()).release();
    await first;
    h.advance(TTL - 1);
    await h.service.getMany(['1']);
    (await h.nextLoad()).fail(Object.assign(new Error('crm down'), {}));
    await expect.poll(() => h.service.refreshesInFlight).toBe(0);

    h.advance(1); // the copy's freshness is over
    const read = h.service.getMany(['1']);
    expect(await h.answerNow(read)).toBe('waiting');
    (await h.nextLoad()).fail(new Error('crm still down'));
    const [answer] = await read;
    expect(answer).toMatchObject({ kind: 'found', stale: true });
  });

  it('is off at 0, and clamped to half the lifetime', async () => {
    const off = harness({ refreshAheadMs: 0 });
    const first = off.service.getMany(['1']);
    (await off.nextLoad()).release();
    await first;
    off.advance(TTL - 1);
    await off.service.getMany(['1']);
    await settle();
    expect(off.pending).toHaveLength(0);

    expect(harness({ refreshAheadMs: 60_000 }).service.refreshAheadMs).toBe(TTL / 2);
  });
});
