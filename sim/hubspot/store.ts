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

export class ObjectTable {
  readonly rows = new Map<string, StoredObject>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private nextId: number;

  constructor(
    readonly type: ObjectType,
    indexed: readonly string[],
  ) {
    for (const p of indexed) this.indexes.set(p, new Map());
    this.nextId = FIRST_ID[type];
  }

  get(id: string): StoredObject | undefined {
    return this.rows.get(id);
  }

  allocateId(): string {
    return String(this.nextId++);
  }

  add(obj: StoredObject): void {
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
    return index.get(value.toLowerCase()) ?? EMPTY;
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

export class Associations {
  private readonly maps = new Map<string, Map<string, Set<string>>>();

  add(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    this.side(`${fromType}->${toType}`, fromId).add(toId);
    this.side(`${toType}->${fromType}`, toId).add(fromId);
  }

  get(fromType: ObjectType, fromId: string, toType: ObjectType): ReadonlySet<string> {
    return this.maps.get(`${fromType}->${toType}`)?.get(fromId) ?? EMPTY;
  }

  private side(key: string, id: string): Set<string> {
    let byId = this.maps.get(key);
    if (!byId) this.maps.set(key, (byId = new Map()));
    let set = byId.get(id);
    if (!set) byId.set(id, (set = new Set()));
    return set;
  }
}

export class HubspotStore {
  tables!: Record<ObjectType, ObjectTable>;
  associations!: Associations;

  constructor(private readonly seed: HubspotSeed) {
    this.reset();
  }

  /** Back to the seed: every write since start is gone. */
  reset(): void {
    this.tables = Object.fromEntries(OBJECT_TYPES.map((t) => [t, new ObjectTable(t, INDEXED[t])])) as Record<ObjectType, ObjectTable>;
    this.associations = new Associations();
    const load = (type: ObjectType, list: HubspotSeedObject[] | undefined) => {
      for (const s of list ?? []) {
        const props: Record<string, string> = {};
        for (const [k, v] of Object.entries(s.properties)) if (v !== null && v !== undefined && v !== '') props[k] = String(v);
        const createdAt = toMs(s.createdAt) ?? DATASET_EPOCH;
        const obj: StoredObject = { id: s.id, props, createdAt, updatedAt: toMs(s.updatedAt) ?? createdAt };
        derive(type, obj.props, Object.keys(props));
        this.tables[type].add(obj);
      }
    };
    load('contacts', this.seed.contacts);
    load('deals', this.seed.deals);
    load('calls', this.seed.calls);
    for (const [c, d] of this.seed.associations?.contactToDeal ?? []) this.associations.add('contacts', c, 'deals', d);
    for (const [c, k] of this.seed.associations?.contactToCall ?? []) this.associations.add('contacts', c, 'calls', k);
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
   * Applies normalized values (internal names); returns the names that changed, derived ones
   * included. The modification date moves only when something changed, as in HubSpot.
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
