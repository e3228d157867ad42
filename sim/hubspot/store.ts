import { OBJECT_TYPES, type ObjectType } from './properties.js';
import { SEARCHABLE_PHONE_PROPERTIES, searchablePhone } from './searchable-phone.js';

/**
 * The simulated portal's records: one table per object type, secondary indexes for the
 * properties looked up by exact value (phones, email, the unique `dialplane_key`), and the
 * associations between objects. Values are stored under internal property names as HubSpot
 * stores them: strings, with datetimes as ISO 8601.
 */

export interface StoredObject {
  id: string;
  /** Internal property name -> value. System dates and hs_object_id are derived, not stored. */
  props: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export interface HubspotSeedObject {
  id: string;
  properties: Record<string, string | null | undefined>;
  /** ISO 8601 or epoch ms; defaults to the dataset epoch so answers stay deterministic */
  createdAt?: string | number;
  updatedAt?: string | number;
}

export interface HubspotSeed {
  contacts: HubspotSeedObject[];
  deals?: HubspotSeedObject[];
  calls?: HubspotSeedObject[];
  associations?: {
    /** [contactId, dealId] pairs */
    contactToDeal?: Array<readonly [string, string]>;
    /** [contactId, callId] pairs */
    contactToCall?: Array<readonly [string, string]>;
  };
}

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
  createIndex(keyOf: (record: BaseRecordLike) => readonly (string | null | undefined)[]): { build(): number; lookup(key: string): BaseRecordLike[] };
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

/** Where a portal's records come from: plain seed arrays (fixtures, tests) or a generated dataset. */
export type HubspotData = { kind: 'seed'; seed: HubspotSeed } | { kind: 'generated'; data: HubspotBaseData };

/** Properties HubSpot derives from the record itself; never kept in the stored values. */
const SYSTEM_PROPERTIES = new Set(['hs_object_id', 'createdate', 'lastmodifieddate', 'hs_createdate', 'hs_lastmodifieddate']);

/** The default date of seeded records that carry none. */
const DATASET_EPOCH = Date.parse('2024-01-01T00:00:00.000Z');

/** Exact-value indexes per type; lookups on these skip the full scan in search and unique checks. */
const INDEXED: Record<ObjectType, readonly string[]> = {
  contacts: [
    'email',
    'hs_searchable_calculated_phone_number',
    'hs_searchable_calculated_mobile_number',
    'hs_searchable_calculated_international_phone_number',
    'hs_searchable_calculated_international_mobile_number',
  ],
  deals: [],
  calls: ['dialplane_key'],
};

/** First ids handed out per type when the seed is empty (HubSpot ids are numeric strings). */
const FIRST_ID: Record<ObjectType, number> = { contacts: 101, deals: 5_001, calls: 90_001 };

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

/** Converted base records kept per table (~1.5 KB each): a 10,000-contact portal fits whole. */
const BASE_CACHE_SIZE = 50_000;

function indexKey(prop: string, value: string | null | undefined): string | null {
  return value ? `${prop}\u0000${value.toLowerCase()}` : null;
}

/** A generated record as a fresh, mutable stored object (system properties are derived instead). */
function fromBase(record: BaseRecordLike): StoredObject {
  const props: Record<string, string> = {};
  for (const key in record.properties) {
    const v = record.properties[key];
    if (v !== null && v !== '' && !SYSTEM_PROPERTIES.has(key)) props[key] = v;
  }
  return { id: record.id, props, createdAt: Date.parse(record.createdAt), updatedAt: Date.parse(record.updatedAt) };
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

/** HubSpot-defined association type ids between the simulated objects (v4 API). */
export const ASSOCIATION_TYPE_IDS: Record<string, number> = {
  'contacts->deals': 4,
  'deals->contacts': 3,
  'contacts->calls': 193,
  'calls->contacts': 194,
  // ⚠️ deal<->call ids from third-party listings, not confirmed in HubSpot docs.
  'deals->calls': 205,
  'calls->deals': 206,
};

/**
 * Associations between records, both directions. A generated portal's contact->deal and
 * contact->call links are read from its association maps; links added since sit in an overlay.
 */
export class Associations {
  private readonly maps = new Map<string, Map<string, Set<string>>>();
  private reverse: Map<string, Map<string, string>> | undefined;

  constructor(private readonly base?: HubspotBaseData['associations']) {}

  add(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    this.side(`${fromType}->${toType}`, fromId).add(toId);
    this.side(`${toType}->${fromType}`, toId).add(fromId);
  }

  get(fromType: ObjectType, fromId: string, toType: ObjectType): ReadonlySet<string> {
    const added = this.maps.get(`${fromType}->${toType}`)?.get(fromId);
    const generated = this.baseGet(fromType, fromId, toType);
    if (!generated || generated.length === 0) return added ?? EMPTY;
    const out = new Set(generated);
    for (const id of added ?? []) out.add(id);
    return out;
  }

  private baseGet(fromType: ObjectType, fromId: string, toType: ObjectType): string[] | undefined {
    if (!this.base) return undefined;
    if (fromType === 'contacts') {
      if (toType === 'deals') return this.base.contactDeals.get(fromId);
      if (toType === 'calls') return this.base.contactCalls.get(fromId);
      return undefined;
    }
    if (toType !== 'contacts' || (fromType !== 'deals' && fromType !== 'calls')) return undefined;
    // Child -> contact: built once, on first use (generated children have exactly one contact).
    this.reverse ??= new Map([
      ['deals', invert(this.base.contactDeals.entries())],
      ['calls', invert(this.base.contactCalls.entries())],
    ]);
    const contact = this.reverse.get(fromType)!.get(fromId);
    return contact ? [contact] : undefined;
  }

  private side(key: string, id: string): Set<string> {
    let byId = this.maps.get(key);
    if (!byId) this.maps.set(key, (byId = new Map()));
    let set = byId.get(id);
    if (!set) byId.set(id, (set = new Set()));
    return set;
  }
}

function invert(entries: Iterable<[string, string[]]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [parent, children] of entries) for (const child of children) out.set(child, parent);
  return out;
}

export class HubspotStore {
  tables!: Record<ObjectType, ObjectTable>;
  associations!: Associations;
  /** Views of a generated portal, built once (index build generates every row) and kept across resets. */
  private readonly views: Partial<Record<ObjectType, BaseView>> = {};

  constructor(private readonly data: HubspotData) {
    if (data.kind === 'generated') for (const t of OBJECT_TYPES) this.views[t] = new BaseView(data.data[t], INDEXED[t]);
    this.reset();
  }

  /** Back to the seed or generated state: every write since start is gone. */
  reset(): void {
    this.tables = Object.fromEntries(OBJECT_TYPES.map((t) => [t, new ObjectTable(t, INDEXED[t], this.views[t])])) as Record<
      ObjectType,
      ObjectTable
    >;
    this.associations = new Associations(this.data.kind === 'generated' ? this.data.data.associations : undefined);
    if (this.data.kind !== 'seed') return;
    const seed = this.data.seed;
    const load = (type: ObjectType, list: HubspotSeedObject[] | undefined) => {
      for (const s of list ?? []) {
        const props: Record<string, string> = {};
        for (const [k, v] of Object.entries(s.properties)) if (v !== null && v !== undefined && v !== '' && !SYSTEM_PROPERTIES.has(k)) props[k] = String(v);
        const createdAt = toMs(s.createdAt) ?? DATASET_EPOCH;
        const obj: StoredObject = { id: s.id, props, createdAt, updatedAt: toMs(s.updatedAt) ?? createdAt };
        derive(type, obj.props, Object.keys(props));
        this.tables[type].add(obj);
      }
    };
    load('contacts', seed.contacts);
    load('deals', seed.deals);
    load('calls', seed.calls);
    for (const [c, d] of seed.associations?.contactToDeal ?? []) this.associations.add('contacts', c, 'deals', d);
    for (const [c, k] of seed.associations?.contactToCall ?? []) this.associations.add('contacts', c, 'calls', k);
  }

  get(type: ObjectType, id: string): StoredObject | undefined {
    return this.tables[type].get(id);
  }

  /** Creates a record from normalized values (internal names); derived values are filled in. */
  create(type: ObjectType, values: Record<string, string>, at = Date.now()): StoredObject {
    const table = this.tables[type];
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v !== '') props[k] = v;
    derive(type, props, Object.keys(props));
    const obj: StoredObject = { id: table.allocateId(), props, createdAt: at, updatedAt: at };
    table.add(obj);
    return obj;
  }

  /**
   * Applies normalized values (internal names) to `obj` (as returned by get, which it becomes the
   * stored record); returns the names that changed, derived ones included. The modification date
   * moves only when something changed, as in HubSpot.
   */
  update(type: ObjectType, obj: StoredObject, values: Record<string, string>, at = Date.now()): string[] {
    const table = this.tables[type];
    const changed = table.set(obj, values);
    if (changed.length === 0) return changed;
    const derived: Record<string, string> = {};
    derive(type, derived, changed, obj.props);
    const alsoChanged = table.set(obj, derived);
    obj.updatedAt = Math.max(at, obj.updatedAt + 1);
    return [...changed, ...alsoChanged];
  }
}

function toMs(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * HubSpot's calculated properties that depend on others: the searchable phone digits of a
 * contact, and a deal's closed/won flags. Writes `out` for the names that `changed` affects,
 * reading current values from `current` (defaults to `out`). Empty string = cleared.
 */
function derive(type: ObjectType, out: Record<string, string>, changed: readonly string[], current: Record<string, string> = out): void {
  if (type === 'contacts') {
    for (const source of ['phone', 'mobilephone'] as const) {
      if (!changed.includes(source)) continue;
      const names = SEARCHABLE_PHONE_PROPERTIES[source];
      const s = searchablePhone(current[source]);
      out[names.national] = s?.national ?? '';
      out[names.international] = s?.international ?? '';
    }
  } else if (type === 'deals' && changed.includes('dealstage')) {
    const stage = current.dealstage ?? '';
    out.hs_is_closed = String(stage === 'closedwon' || stage === 'closedlost');
    out.hs_is_closed_won = String(stage === 'closedwon');
  }
  // A freshly seeded/created record: drop empty calculated values rather than storing ''.
  if (out === current) for (const k of Object.keys(out)) if (out[k] === '') delete out[k];
}
