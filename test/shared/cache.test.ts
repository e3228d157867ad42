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
    await new Promise((r) => setTimeout(r, 250));
    expect(await cache.get('a')).toBeUndefined();
    await cache.disconnect();
  });
}

describe('memory cache', () => suite());
describeWithRedis('Redis cache', () => suite(TEST_REDIS_URL));

describe('cache failure policy', () => {
  it('fails open: an unreachable Redis reads as a miss instead of throwing', async () => {
    const cache = createCache<number>({ namespace: 'x', ttlMs: 1000, redisUrl: 'redis://127.0.0.1:1' });
    await cache.set('k', 1); // must not throw
    expect(await cache.get('k')).toBeUndefined();
  });
});
