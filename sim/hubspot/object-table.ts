import type { BaseView } from './base-view.js';
import type { ObjectType } from './properties.js';

export interface StoredObject {
  id: string;
  /** Internal property name -> value. System dates and hs_object_id are derived, not stored. */
  props: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** First ids handed out per type when the seed is empty (HubSpot ids are numeric strings). */
const FIRST_ID: Record<ObjectType, number> = { contacts: 101, deals: 5_001, calls: 90_001 };

/**
 * One object type's records. `rows` holds every record of a seeded portal, or only the written
 * (materialized) ones of a generated portal, whose other records are read from `base` on demand.
 * Writing a base record materializes it into `rows`, which then answers for it.
 */
export class ObjectTable {
  readonly rows = new Map<string, StoredObject>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  /** Ids added that the base does not have (kept so iteration needs no base probe per row). */
  private readonly inserted = new Set<string>();
  private nextId: number;

  constructor(
    readonly type: ObjectType,
    indexed: readonly string[],
    private readonly base?: BaseView,
  ) {
    for (const p of indexed) this.indexes.set(p, new Map());
    this.nextId = base?.nextId() ?? FIRST_ID[type];
  }

  get size(): number {
    return this.base ? this.base.size + this.inserted.size : this.rows.size;
  }

  /** No generated record was modified after this (undefined: unknown, or a seeded portal). */
  get baseModifiedCeilingMs(): number | undefined {
    return this.base?.modifiedCeilingMs;
  }

  get(id: string): StoredObject | undefined {
    const row = this.rows.get(id);
    if (row || !this.base) return row;
    return this.base.get(id);
  }

  /** Every record in ascending id order (generated ones first, then those inserted since). */
  *values(): IterableIterator<StoredObject> {
    if (!this.base) {
      yield* this.rows.values();
      return;
    }
    for (const obj of this.base.values()) yield this.rows.get(obj.id) ?? obj;
    for (const id of [...this.inserted].sort((a, b) => Number(a) - Number(b))) {
      const row = this.rows.get(id);
      if (row) yield row;
    }
  }

  /** Records with numeric id >= `fromId`, in ascending id order, without walking the ones before. */
  *valuesFrom(fromId: number): IterableIterator<StoredObject> {
    if (!this.base) {
      for (const obj of this.rows.values()) if (Number(obj.id) >= fromId) yield obj;
      return;
    }
    // Generated ids grow with the row: binary-search the first row at or after the cursor.
    let lo = 0;
    let hi = this.base.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Number(this.base.idAt(mid)) < fromId) lo = mid + 1;
      else hi = mid;
    }
    for (let row = lo; row < this.base.size; row++) {
      const id = this.base.idAt(row);
      const obj = this.get(id);
      if (obj) yield obj;
    }
    for (const id of [...this.inserted].sort((a, b) => Number(a) - Number(b))) {
      const row = this.rows.get(id);
      if (row && Number(id) >= fromId) yield row;
    }
  }

  allocateId(): string {
    return String(this.nextId++);
  }

  add(obj: StoredObject): void {
    if (this.base) {
      if (this.base.get(obj.id)) this.base.evict(obj.id);
      else this.inserted.add(obj.id);
    }
    this.rows.set(obj.id, obj);
    const n = Number(obj.id);
    if (Number.isSafeInteger(n) && n >= this.nextId) this.nextId = n + 1;
    for (const [prop, index] of this.indexes) {
      const v = obj.props[prop];
      if (v) addTo(index, v.toLowerCase(), obj.id);
    }
  }

  /** Sets values (already normalized) and keeps indexes current; returns the names that changed. */
  set(obj: StoredObject, changes: Record<string, string>): string[] {
    if (this.rows.get(obj.id) !== obj) this.add(obj);
    const changed: string[] = [];
    for (const [prop, value] of Object.entries(changes)) {
      const before = obj.props[prop] ?? '';
      if (before === value) continue;
      changed.push(prop);
      const index = this.indexes.get(prop);
      if (index) {
        if (before) removeFrom(index, before.toLowerCase(), obj.id);
        if (value) addTo(index, value.toLowerCase(), obj.id);
      }
      if (value === '') delete obj.props[prop];
      else obj.props[prop] = value;
    }
    return changed;
  }

  isIndexed(prop: string): boolean {
    return this.indexes.has(prop);
  }

  /** Ids whose value equals `value` (case-insensitively); undefined when `prop` has no index. */
  lookup(prop: string, value: string): ReadonlySet<string> | undefined {
    const index = this.indexes.get(prop);
    if (!index) return undefined;
    const written = index.get(value.toLowerCase());
    if (!this.base) return written ?? EMPTY;
    const out = new Set<string>();
    // Base hits that were written since are answered by the overlay index instead.
    for (const id of this.base.lookup(prop, value)) if (!this.rows.has(id)) out.add(id);
    for (const id of written ?? []) out.add(id);
    return out;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}
