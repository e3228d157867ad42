import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import QuickLRU from 'quick-lru';
import { logError, type Logger } from './logger.js';
import { RedisBreaker } from './redis-breaker.js';
import { createRedisConnection, type RedisConnection } from './redis.js';
import { DialplaneError, ErrorCode } from './errors.js';

/**
 * Keyv in front of the canonical data: in memory by default, Redis when REDIS_URL is set.
 * Failure policy: a cache fails OPEN, and fast. With Redis, every write also lands in a bounded
 * in-process tier; a Redis command that errs or exceeds its timeout (tens of ms) opens a breaker,
 * and while it is open (or the connection is down) reads and writes use the in-process tier
 * alone, without touching the network; a background PING every `breakerOpenMs` finds out when Redis
 * answers again (shared/redis-breaker.ts), so no request pays a probe.
 * The CRM and the circuit breaker behind the cache decide what the caller sees.
 */
export interface CacheOptions {
  /** Key namespace, e.g. `crm:salesforce:m3` (include the mapping version so shapes never mix). */
  namespace: string;
  ttlMs: number;
  redisUrl?: string;
  /** A shared Redis connection (several caches of one service); else one is opened from redisUrl. */
  redis?: RedisConnection;
  /**
   * In-process store (or fallback tier) only: the most entries kept (least recently used go
   * first). Keyv drops an expired key only when it is read, so without a bound a process grows.
   * @default 100_000
   */
  maxEntries?: number;
  /** Upper bound of one Redis cache operation, ms. @default 50 */
  redisTimeoutMs?: number;
  /** Time between background probes while Redis is skipped after a failure, ms. @default 1000 */
  breakerOpenMs?: number;
  log?: Logger;
  now?: () => number;
}

/** What callers use of a cache (Keyv's API). */
export interface Cache<T> {
  get(key: string): Promise<T | undefined>;
  getMany(keys: string[]): Promise<(T | undefined)[]>;
  set(key: string, value: T, ttl?: number): Promise<boolean>;
  setMany(entries: { key: string; value: T; ttl?: number }[]): Promise<boolean[]>;
  delete(key: string): Promise<boolean>;
  clear(): Promise<void>;
  disconnect(): Promise<void>;
}

export const DEFAULT_MAX_MEMORY_ENTRIES = 100_000;

/**
 * The in-process store keeps values as objects, not JSON text: Keyv's default serialisation parsed
 * the cached contact again on every read (~6 % of a CRM subgraph's CPU under call-start load,
 * issue 17). A value is copied through JSON once when written (the same shape a JSON round trip,
 * and so Redis, gives: dates as strings, no undefined) and frozen, so a reader that tried to change
 * a cached value would throw instead of changing it for every later reader.
 */
class MemoryCache<T> implements Cache<T> {
  private readonly keyv: Keyv<T>;

  constructor(options: CacheOptions) {
    const store = new QuickLRU<string, unknown>({ maxSize: options.maxEntries ?? DEFAULT_MAX_MEMORY_ENTRIES });
    this.keyv = new Keyv<T>({
      store: store as never,
      namespace: options.namespace,
      ttl: options.ttlMs,
      throwOnErrors: false,
      serialize: undefined,
      deserialize: undefined,
    });
  }
  get(key: string): Promise<T | undefined> {
    return this.keyv.get(key);
  }
  getMany(keys: string[]): Promise<(T | undefined)[]> {
    return this.keyv.getMany(keys) as Promise<(T | undefined)[]>;
  }
  set(key: string, value: T, ttl?: number): Promise<boolean> {
    return this.keyv.set(key, frozenCopy(value), ttl);
  }
  setMany(entries: { key: string; value: T; ttl?: number }[]): Promise<boolean[]> {
    return this.keyv.setMany(entries.map((e) => ({ ...e, value: frozenCopy(e.value) })));
  }
  delete(key: string): Promise<boolean> {
    return this.keyv.delete(key);
  }
  clear(): Promise<void> {
    return this.keyv.clear();
  }
  disconnect(): Promise<void> {
    return this.keyv.disconnect();
  }
}

/** The value as JSON would give it back, deeply frozen. */
function frozenCopy<T>(value: T): T {
  if (value === undefined) return value;
  return deepFreeze(JSON.parse(JSON.stringify(value)) as T);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function memoryCache<T>(options: CacheOptions): Cache<T> {
  return new MemoryCache<T>(options);
}

export function createCache<T>(options: CacheOptions): Cache<T> {
  if (!options.redisUrl && !options.redis) return memoryCache<T>(options);
  return new TieredCache<T>(options);
}

/** Redis first while it answers quickly; the in-process tier otherwise (see the module comment). */
export class TieredCache<T> implements Cache<T> {
  private readonly local: Cache<T>;
  private readonly remote: Keyv<T>;
  private readonly redis: RedisConnection;
  private readonly ownsRedis: boolean;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly breaker: RedisBreaker;
  private lastLogged = 0;

  constructor(private readonly options: CacheOptions) {
    this.local = memoryCache<T>(options);
    this.ownsRedis = !options.redis;
    this.redis = options.redis ?? createRedisConnection({ url: options.redisUrl!, log: options.log, name: 'cache' });
    const store = new KeyvRedis(this.redis.client as never, { throwOnConnectError: false, throwOnErrors: true });
    this.remote = new Keyv<T>({
      store: store as never,
      namespace: options.namespace,
      ttl: options.ttlMs,
      throwOnErrors: true,
    });
    this.remote.on('error', () => undefined); // failures are handled (and logged) below
    this.timeoutMs = options.redisTimeoutMs ?? 50;
    this.now = options.now ?? Date.now;
    this.breaker = new RedisBreaker(this.redis, { openMs: options.breakerOpenMs ?? 1_000, timeoutMs: this.timeoutMs });
  }

  /** True while the Redis connection is up (the breaker may still skip it). */
  get connected(): boolean {
    return this.redis.isReady();
  }

  /** closed: use Redis; open: skip it while a background probe waits for it to answer. */
  get breakerState(): 'closed' | 'open' {
    return this.breaker.state;
  }

  private useRemote(): boolean {
    return this.breaker.usable();
  }

  private async remoteCall<R>(op: () => Promise<R>): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        op(),
        new Promise<never>(
          (_, reject) =>
            (timer = setTimeout(
              () => reject(new DialplaneError(ErrorCode.TIMEOUT, `redis cache timeout after ${this.timeoutMs} ms`)),
              this.timeoutMs,
            )),
        ),
      ]);
    } catch (error) {
      this.breaker.trip();
      if (this.now() - this.lastLogged > 10_000) {
        this.lastLogged = this.now();
        if (this.options.log)
          logError(this.options.log, error, 'cache error (Redis skipped; in-process tier serves)', {
            namespace: this.options.namespace,
          });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async get(key: string): Promise<T | undefined> {
    if (this.useRemote()) {
      try {
        return (await this.remoteCall(() => this.remote.get(key))) as T | undefined;
      } catch {
        /* fall through */
      }
    }
    return (await this.local.get(key)) as T | undefined;
  }

  async getMany(keys: string[]): Promise<(T | undefined)[]> {
    if (this.useRemote()) {
      try {
        return (await this.remoteCall(() => this.remote.getMany(keys))) as (T | undefined)[];
      } catch {
        /* fall through */
      }
    }
    return (await this.local.getMany(keys)) as (T | undefined)[];
  }

  async set(key: string, value: T, ttl?: number): Promise<boolean> {
    await this.local.set(key, value, ttl);
    if (this.useRemote()) await this.remoteCall(() => this.remote.set(key, value, ttl)).catch(() => undefined);
    return true;
  }

  async setMany(entries: { key: string; value: T; ttl?: number }[]): Promise<boolean[]> {
    await this.local.setMany(entries);
    if (this.useRemote()) await this.remoteCall(() => this.remote.setMany(entries)).catch(() => undefined);
    return entries.map(() => true);
  }

  async delete(key: string): Promise<boolean> {
    const deleted = await this.local.delete(key);
    if (this.useRemote()) return this.remoteCall(() => this.remote.delete(key)).catch(() => deleted);
    return deleted;
  }

  async clear(): Promise<void> {
    await this.local.clear();
    if (this.useRemote()) await this.remoteCall(() => this.remote.clear()).catch(() => undefined);
  }

  async disconnect(): Promise<void> {
    this.breaker.stop();
    if (this.ownsRedis) await this.redis.close();
  }
}
