import { z } from 'zod';
import type { Cache } from '../cache.js';
import type { CanonicalContact, ContactLoadResult, FieldDrift } from './connector.js';

/**
 * The cache of canonical contacts (Keyv: memory or Redis). An entry lives physically for
 * `retainMs` (long) but is *fresh* only for `ttlMs` after it was fetched and until a change event
 * invalidates it; a non-fresh entry is still served, flagged stale, when the CRM cannot answer.
 * The namespace carries the mapping version, so a new mapping never reads an old shape.
 */

export const CachedContactEntry = z.object({
  /** What the CRM answered: the mapped contact (with drift) or not found. */
  result: z.union([
    z.object({
      kind: z.literal('found'),
      contact: z.custom<CanonicalContact>((v) => typeof v === 'object' && v !== null),
      drift: z.array(z.custom<FieldDrift>()),
    }),
    z.object({ kind: z.literal('notFound') }),
  ]),
  /** Epoch ms when the CRM returned it. */
  fetchedAt: z.number(),
  /** Epoch ms of the change event that made it non-fresh, if any. */
  invalidatedAt: z.number().optional(),
});
export type CachedContactEntry = z.infer<typeof CachedContactEntry>;

export interface ContactStoreOptions {
  cache: Cache<CachedContactEntry>;
  ttlMs: number;
  /** Physical lifetime, the horizon for serving stale data during an outage. */
  retainMs: number;
  now?: () => number;
}

export class ContactStore {
  private readonly now: () => number;
  /**
   * Last invalidation per record seen by this process: a fetch that started before it must not be
   * cached as fresh (it may predate the change).
   */
  private readonly invalidations = new Map<string, number>();
  /** When every entry was last evicted (drift on a consent-critical field); fetches started before it are not kept. */
  private evictedAllAt = -Infinity;

  constructor(private readonly options: ContactStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /** How long an entry is fresh after it was fetched. */
  get ttlMs(): number {
    return this.options.ttlMs;
  }

  isFresh(entry: CachedContactEntry, at = this.now()): boolean {
    return entry.invalidatedAt === undefined && at - entry.fetchedAt < this.options.ttlMs;
  }

  /** Entries for the ids (undefined where none or unreadable); a cache failure reads as all misses. */
  async getMany(sourceIds: readonly string[]): Promise<(CachedContactEntry | undefined)[]> {
    if (sourceIds.length === 0) return [];
    let raw: unknown[];
    try {
      raw =
        sourceIds.length === 1
          ? [await this.options.cache.get(sourceIds[0]!)]
          : await this.options.cache.getMany([...sourceIds]);
    } catch {
      return sourceIds.map(() => undefined);
    }
    return raw.map((value) => {
      if (value === undefined || value === null) return undefined;
      const parsed = CachedContactEntry.safeParse(value);
      return parsed.success ? parsed.data : undefined;
    });
  }

  /** Stores fresh results of a fetch that started at `startedAt`. */
  async putMany(items: { sourceId: string; result: ContactLoadResult }[], startedAt: number): Promise<void> {
    // Read before the CRM's schema changed under it: its answer may predate the drift.
    if (startedAt <= this.evictedAllAt) return;
    const fetchedAt = this.now();
    const entries = items.map(({ sourceId, result }) => {
      const invalidated = this.invalidations.get(sourceId);
      const entry: CachedContactEntry = { result, fetchedAt };
      // Raced a change event: keep the data for stale serving, but not as fresh.
      if (invalidated !== undefined && invalidated >= startedAt) entry.invalidatedAt = invalidated;
      return { key: sourceId, value: entry, ttl: this.options.retainMs };
    });
    try {
      await this.options.cache.setMany(entries);
    } catch {
      // Fail open: the next read misses and refetches.
    }
  }

  /** Marks the record non-fresh at once (keeps the data as an outage fallback). */
  async invalidate(sourceId: string): Promise<CachedContactEntry | undefined> {
    const at = this.now();
    this.invalidations.set(sourceId, at);
    if (this.invalidations.size > 10_000) this.invalidations.delete(this.invalidations.keys().next().value!);
    const [entry] = await this.getMany([sourceId]);
    if (!entry) return undefined;
    try {
      await this.options.cache.set(sourceId, { ...entry, invalidatedAt: at }, this.options.retainMs);
    } catch {
      await this.options.cache.delete(sourceId).catch(() => undefined);
    }
    return entry;
  }

  /**
   * Drops every cached contact of this CRM, stale fallbacks included (they were read under the
   * old schema), and refuses to keep fetches that started before now. Used when a consent-critical
   * field drifts or comes back. Best effort on the cache: a failed clear leaves entries to their TTL.
   */
  async evictAll(): Promise<void> {
    this.evictedAllAt = this.now();
    this.invalidations.clear();
    await this.options.cache.clear().catch(() => undefined);
  }

  async clear(): Promise<void> {
    await this.options.cache.clear().catch(() => undefined);
  }
}
