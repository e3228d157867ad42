import { z } from 'zod';
import type { Cache } from '../cache.js';

/**
 * E.164 → contact source ids. Filled from CRM phone searches and kept current by change events,
 * so a repeated contactsByPhone avoids the CRM search. It is a hint, never the truth: readers load
 * the contacts and drop those whose phones no longer hold the number (then fix the entry).
 */
export const PhoneIndexEntry = z.object({ ids: z.array(z.string()), at: z.number() });
export type PhoneIndexEntry = z.infer<typeof PhoneIndexEntry>;

export interface PhoneIndexOptions {
  cache: Cache<PhoneIndexEntry>;
  /** Lifetime of an entry with matches (change events keep it current meanwhile). */
  ttlMs: number;
  /** Lifetime of a "nobody has this number" entry (short: a create event may be missed). */
  negativeTtlMs: number;
}

export class PhoneIndex {
  constructor(private readonly options: PhoneIndexOptions) {}

  async get(e164: string): Promise<string[] | undefined> {
    try {
      const parsed = PhoneIndexEntry.safeParse(await this.options.cache.get(e164));
      return parsed.success ? parsed.data.ids : undefined;
    } catch {
      return undefined;
    }
  }

  async set(e164: string, ids: readonly string[]): Promise<void> {
    const unique = [...new Set(ids)];
    const ttl = unique.length > 0 ? this.options.ttlMs : this.options.negativeTtlMs;
    await this.options.cache.set(e164, { ids: unique, at: Date.now() }, ttl).catch(() => undefined);
  }

  /**
   * A change event says `sourceId` now holds `e164`. Only an existing entry is extended: without
   * one, the next lookup searches the CRM and gets the complete answer.
   */
  async add(e164: string, sourceId: string): Promise<void> {
    const ids = await this.get(e164);
    if (ids === undefined || ids.includes(sourceId)) return;
    await this.set(e164, [...ids, sourceId]);
  }

  async remove(e164: string, sourceId: string): Promise<void> {
    const ids = await this.get(e164);
    if (ids === undefined || !ids.includes(sourceId)) return;
    await this.set(
      e164,
      ids.filter((id) => id !== sourceId),
    );
  }
}
