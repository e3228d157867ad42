import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../shared/db.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import {
  OverlayCache,
  mayChangeOverlay,
  reportingWrites,
} from '../../subgraphs/engagement/read-your-writes/overlay-cache.js';
import { RECORD, gql, outcome, quietLog, recordingConsent, testConfig } from './helpers.js';

// Issue 17: the overlay read (newest outcome per contact) was one database statement per
// call-start. It is now answered from memory, and must stay exact for every write this process
// makes (read-your-writes), and bounded in age for writes it cannot see.

describe('OverlayCache', () => {
  it('answers from memory within maxAgeMs and reads again after it (injected clock)', async () => {
    let now = 0;
    const cache = new OverlayCache<string>({ maxAgeMs: 1_000, now: () => now });
    const fetch = vi.fn(
      async (ids: string[]) => new Map(ids.filter((id) => id !== 'none').map((id) => [id, `v:${id}`])),
    );
    expect(await cache.load(['a', 'none'], fetch)).toEqual(['v:a', undefined]);
    now = 999;
    expect(await cache.load(['none', 'a'], fetch)).toEqual([undefined, 'v:a']);
    expect(fetch).toHaveBeenCalledTimes(1);
    now = 1_000;
    await cache.load(['a', 'b'], fetch);
    expect(fetch).toHaveBeenLastCalledWith(['a', 'b']);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('never stores an answer read while something wrote', async () => {
    const cache = new OverlayCache<string>({ maxAgeMs: 60_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = cache.load(['a'], async () => {
      await gate;
      return new Map([['a', 'before-write']]);
    });
    cache.changed(); // a write committed while the read was in flight
    release();
    expect(await slow).toEqual(['before-write']);
    expect(cache.size).toBe(0);
    const fetch = vi.fn(async () => new Map([['a', 'after-write']]));
    expect(await cache.load(['a'], fetch)).toEqual(['after-write']);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('is off at 0', async () => {
    const cache = new OverlayCache<string>({ maxAgeMs: 0 });
    const fetch = vi.fn(async () => new Map([['a', 'x']]));
    await cache.load(['a'], fetch);
    await cache.load(['a'], fetch);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('counts as writes exactly the statements that can change the overlay tables', () => {
    expect(
      mayChangeOverlay(
        `WITH o AS (INSERT INTO engagement.call_outcome (id) VALUES ($1) RETURNING id) INSERT INTO engagement.write_back SELECT id FROM o`,
      ),
    ).toBe(true);
    expect(mayChangeOverlay(`UPDATE engagement.write_back SET status = 'WRITTEN' WHERE id = $1`)).toBe(true);
    expect(mayChangeOverlay(`SELECT attempts FROM engagement.write_back WHERE id = $1 FOR UPDATE`)).toBe(true);
    expect(
      mayChangeOverlay(`  select 1 from engagement.call_outcome o join engagement.write_back w on w.id = o.id`),
    ).toBe(false);
    expect(mayChangeOverlay(`UPDATE engagement_queue.job SET state = 'active' WHERE name = $1`)).toBe(false);
  });

  it('reportingWrites reports a write when issued and again after its transaction settles', async () => {
    const events: string[] = [];
    const fake: Database = {
      kind: 'pglite',
      query: async (sql: string) => {
        events.push(`query ${sql.split(' ')[0]}`);
        return { rows: [], rowCount: 0 };
      },
      transaction: async (fn) => {
        const result = await fn(fake);
        events.push('commit');
        return result;
      },
      exec: async () => undefined,
      close: async () => undefined,
    };
    const watched = reportingWrites(fake, () => events.push('write'));
    await watched.query('SELECT count(*) FROM engagement.write_back');
    expect(events).toEqual(['query SELECT']);
    events.length = 0;
    await watched.transaction(async (tx) => {
      await tx.query('INSERT INTO engagement.write_back VALUES (1)');
      await tx.query('SELECT 1 FROM engagement.write_back');
    });
    expect(events).toEqual(['write', 'query INSERT', 'write', 'query SELECT', 'commit', 'write']);
  });
});

describe('engagement overlay through the cache (embedded PGlite)', () => {
  let engagement: RunningEngagementSubgraph;
  const entities = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Contact { id intentStage lastInteraction { origin callDisposition writeBackStatus } } } }`;
  const rep = (id: string) => ({
    __typename: 'Contact',
    id,
    crmIntentStage: 'NEW',
    crmLastActivity: { at: '2024-01-01T00:00:00.000Z', disposition: 'No answer', type: 'CALL' },
  });

  beforeAll(async () => {
    engagement = await startEngagementSubgraph(
      { ...testConfig(), runWorker: false, overlayCacheMs: 60_000 },
      { log: quietLog, consent: recordingConsent() },
    );
  });
  afterAll(async () => {
    await engagement?.close();
  });

  it('repeated call-start reads of a contact cost no database statement; a recorded outcome shows on the very next read', async () => {
    const spy = vi.spyOn(engagement.runtime.store, 'latestOutcomes');
    const read = async () =>
      (await gql<{ _entities: Record<string, any>[] }>(engagement.url, entities, { reps: [rep('hubspot:201')] })).data!
        ._entities[0]!;
    expect(await read()).toMatchObject({ intentStage: 'NEW', lastInteraction: { origin: 'CRM' } });
    expect(await read()).toMatchObject({ intentStage: 'NEW', lastInteraction: { origin: 'CRM' } });
    expect(await read()).toMatchObject({ intentStage: 'NEW', lastInteraction: { origin: 'CRM' } });
    expect(spy).toHaveBeenCalledTimes(1);

    const recorded = await gql(engagement.url, RECORD, {
      input: outcome('hubspot:201', { disposition: 'CALLBACK_REQUESTED', intentStage: 'QUALIFIED' }),
    });
    expect(recorded.errors).toBeUndefined();
    expect(await read()).toMatchObject({
      intentStage: 'QUALIFIED',
      lastInteraction: { origin: 'OUTCOME', callDisposition: 'CALLBACK_REQUESTED', writeBackStatus: 'QUEUED' },
    });
    expect(spy).toHaveBeenCalledTimes(2);

    // A status change made by this process (here the worker's statement, run by hand) shows at once too.
    await engagement.runtime.db.query(`UPDATE engagement.write_back SET status = 'RETRYING' WHERE status = 'QUEUED'`);
    expect(await read()).toMatchObject({ lastInteraction: { writeBackStatus: 'RETRYING' } });
    spy.mockRestore();
  });
});
