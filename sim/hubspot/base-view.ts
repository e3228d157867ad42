import { SYSTEM_PROPERTY_NAMES } from './properties.js';
import type { StoredObject } from './object-table.js';

/** A generated record as sim/data's HubSpot dataset holds it (the v3 object shape). */
export interface BaseRecordLike {
  readonly id: string;
  readonly properties: Readonly<Record<string, string | null>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * What the simulator needs from a lazily generated table (sim/data's RecordTable, structurally):
 * rows are produced on demand, so a million-contact portal costs little memory until written.
 */
export interface BaseTableLike {
  readonly size: number;
  get(id: string): BaseRecordLike | undefined;
  values(): Iterable<BaseRecordLike>;
  idAt(row: number): string;
  createIndex(keyOf: (record: BaseRecordLike) => readonly (string | null | undefined)[]): {
    build(): number;
    lookup(key: string): BaseRecordLike[];
  };
}

/** A generated portal (sim/data's HubspotDataset, structurally). It is never written: writes go to the simulator's overlay. */
export interface HubspotBaseData {
  contacts: BaseTableLike;
  deals: BaseTableLike;
  calls: BaseTableLike;
  associations: {
    contactDeals: { get(contactId: string): string[] | undefined; entries(): Iterable<[string, string[]]> };
    contactCalls: { get(contactId: string): string[] | undefined; entries(): Iterable<[string, string[]]> };
  };
}

/**
 * A generated table as the simulator reads it: converted records cached (a hot read costs a Map
 * lookup instead of regenerating the row, ~40 us), and one equality index over the indexed
 * properties. Built once per store and kept across resets: the base itself is never written, and
 * a cached record leaves the cache before the simulator first writes it.
 */
export class BaseView {
  private readonly cache = new Map<string, StoredObject>();
  private readonly index: { lookup(key: string): BaseRecordLike[] } | undefined;
  /**
   * The latest modification date of any generated record (known when the index build has seen
   * them all): a search for records modified after it need only look at the simulator's writes.
   */
  modifiedCeilingMs: number | undefined;

  constructor(
    readonly table: BaseTableLike,
    indexed: readonly string[],
  ) {
    if (indexed.length > 0 && table.size > 0) {
      // Keys are `property NUL lower-cased value`. The build generates every row once anyway; a
      // portal that fits the cache is cached on the way.
      const prefill = table.size <= BASE_CACHE_SIZE;
      let ceiling = Number.NEGATIVE_INFINITY;
      const index = table.createIndex((r) => {
        if (prefill && !this.cache.has(r.id)) this.cache.set(r.id, fromBase(r));
        ceiling = Math.max(ceiling, Date.parse(r.updatedAt));
        return indexed.map((p) => indexKey(p, r.properties[p]));
      });
      index.build();
      this.index = index;
      if (Number.isFinite(ceiling)) this.modifiedCeilingMs = ceiling;
    }
  }

  get size(): number {
    return this.table.size;
  }

  /** The id after the last generated one, or undefined for an empty table. */
  nextId(): number | undefined {
    if (this.table.size === 0) return undefined;
    const last = Number(this.table.idAt(this.table.size - 1));
    return Number.isSafeInteger(last) ? last + 1 : undefined;
  }

  get(id: string): StoredObject | undefined {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const record = this.table.get(id);
    if (!record) return undefined;
    const obj = fromBase(record);
    if (this.cache.size >= BASE_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, obj);
    return obj;
  }

  /** Called before the simulator writes a base record: the cached copy is about to change. */
  evict(id: string): void {
    this.cache.delete(id);
  }

  *values(): IterableIterator<StoredObject> {
    for (const record of this.table.values()) yield this.cache.get(record.id) ?? fromBase(record);
  }

  idAt(row: number): string {
    return this.table.idAt(row);
  }

  /** Ids of generated records whose `prop` equals `value` (case-insensitively), as generated. */
  lookup(prop: string, value: string): string[] {
    if (!this.index) return [];
    return this.index.lookup(indexKey(prop, value)!).map((r) => r.id);
  }
}

/** Converted base records kept per table (~1.5 KB each): a 10,000-contact portal fits whole. */
const BASE_CACHE_SIZE = 50_000;

export function indexKey(prop: string, value: string | null | undefined): string | null {
  return value ? `${prop}\u0000${value.toLowerCase()}` : null;
}

/** A generated record as a fresh, mutable stored object (system properties are derived instead). */
export function fromBase(record: BaseRecordLike): StoredObject {
  const props: Record<string, string> = {};
  for (const key in record.properties) {
    const v = record.properties[key];
    if (v !== null && v !== '' && !SYSTEM_PROPERTY_NAMES.has(key)) props[key] = v;
  }
  return { id: record.id, props, createdAt: Date.parse(record.createdAt), updatedAt: Date.parse(record.updatedAt) };
}
