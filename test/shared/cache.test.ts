import { describe, expect, it } from 'vitest';
import { createCache } from '../../shared/cache.js';
import { TEST_REDIS_URL, describeWithRedis, uniquePrefix } from '../support/services.js';

function suite(redisUrl?: string) {
  it('stores, expires by TTL and deletes', async () => {
    const cache = createCache<{ n: number }>({ namespace: uniquePrefix('cache'), ttlMs: 150, redisUrl });
    await cache.set('a', { n: 1 });
    expect(await cache.get('a')).toEqual({ n: 1 });
    await cache.set('b', { n: 2 });
    await cache.delete('b');
    expect(await cache.get('b')).toBeUndefined();
    // Expiry is the store's own clock (Keyv's in memory, Redis's PX): wait for it, bounded.
    await expect.poll(() => cache.get('a'), { timeout: 2_000, interval: 25 }).toBeUndefined();
    await cache.disconnect();
  });

  it('gives back what a JSON round trip gives, and a read cannot change what later reads see', async () => {
    type Entry = { at: unknown; tags: string[]; gone?: string };
    const cache = createCache<Entry>({ namespace: uniquePrefix('cache'), ttlMs: 60_000, redisUrl });
    const written: Entry = { at: new Date('2026-12-05T10:00:00Z'), tags: ['a'], gone: undefined };
    await cache.set('k', written);
    written.tags.push('changed after the write');
    const read = (await cache.get('k'))!;
    expect(read).toStrictEqual({ at: '2026-12-05T10:00:00.000Z', tags: ['a'] });
    try {
      read.tags.push('b');
    } catch {
      // the in-process store's values are frozen
    }
    expect((await cache.get('k'))!.tags).toEqual(['a']);
    await cache.disconnect();
  });
}

describe('memory cache', () => suite());
describeWithRedis('Redis cache', () => suite(TEST_REDIS_URL));

describe('cache failure policy', () => {
  it('fails open: an unreachable Redis never throws; the in-process tier answers instead', async () => {
    const cache = createCache<number>({ namespace: 'x', ttlMs: 1000, redisUrl: 'redis://127.0.0.1:1' });
    await cache.set('k', 1); // must not throw
    expect(await cache.get('k')).toBe(1);
    expect(await cache.get('missing')).toBeUndefined();
    await cache.disconnect();
  });
});

describe('memory cache bound', () => {
  it('keeps a bounded number of entries, dropping the least recently used', async () => {
    const cache = createCache<number>({ namespace: 'lru', ttlMs: 60_000, maxEntries: 3 });
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    for (const k of keys) await cache.set(k, 1);
    const present = (await Promise.all(keys.map(async (k) => ((await cache.get(k)) === undefined ? null : k)))).filter(
      Boolean,
    );
    // quick-lru keeps between maxSize and 2 × maxSize entries (two generations).
    expect(present.length).toBeGreaterThanOrEqual(3);
    expect(present.length).toBeLessThanOrEqual(6);
    expect(present).not.toContain('k0');
    expect(present).toContain('k19');
  });
});
