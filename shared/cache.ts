import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import QuickLRU from 'quick-lru';
import type { Logger } from './logger.js';

/**
 * Keyv in front of the canonical data: in memory by default, Redis when REDIS_URL is set.
 * Failure policy: a cache fails OPEN (a broken Redis becomes a miss and a logged error, never a
 * failed request); the CRM and the circuit breaker behind it decide what the caller sees.
 */
export interface CacheOptions {
  /** Key namespace, e.g. `crm:salesforce:m3` (include the mapping version so shapes never mix). */
  namespace: string;
  ttlMs: number;
  redisUrl?: string;
  /**
   * Memory store only: the most entries kept (least recently used go first). Keyv drops an
   * expired key only when it is read, so without a bound a long-running process grows forever.
   * @default 100_000
   */
  maxEntries?: number;
  log?: Logger;
}

export type Cache<T> = Keyv<T>;

export const DEFAULT_MAX_MEMORY_ENTRIES = 100_000;

export function createCache<T>(options: CacheOptions): Cache<T> {
  const store = options.redisUrl
    ? new KeyvRedis(options.redisUrl, { throwOnConnectError: false, throwOnErrors: false, connectionTimeout: 2_000 })
    : new QuickLRU<string, unknown>({ maxSize: options.maxEntries ?? DEFAULT_MAX_MEMORY_ENTRIES });
  const cache = new Keyv<T>({ store: store as never, namespace: options.namespace, ttl: options.ttlMs, throwOnErrors: false });
  cache.on('error', (error: unknown) => options.log?.error({ err: error instanceof Error ? error.message : String(error), namespace: options.namespace }, 'cache error (failing open)'));
  return cache;
}
