import { Associations } from './associations.js';
import { BaseView, type HubspotBaseData } from './base-view.js';
import { ObjectTable, type StoredObject } from './object-table.js';
import { OBJECT_TYPES, SYSTEM_PROPERTY_NAMES, type ObjectType } from './properties.js';
import { hubspotCalculatedPhoneProperties } from '../data/phone-format.js';

/**
 * The simulated portal's records: one table per object type, secondary indexes for the
 * properties looked up by exact value (phones, email, the unique `dialplane_key`), and the
 * associations between objects. Values are stored under internal property names as HubSpot
 * stores them: strings, with datetimes as ISO 8601.
 */

export type { StoredObject } from './object-table.js';
export type { BaseRecordLike, BaseTableLike, HubspotBaseData } from './base-view.js';
export { ASSOCIATION_TYPE_IDS } from './associations.js';

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

/** Where a portal's records come from: plain seed arrays (fixtures, tests) or a generated dataset. */
export type HubspotData = { kind: 'seed'; seed: HubspotSeed } | { kind: 'generated'; data: HubspotBaseData };

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

/**
 * Which of those a generated portal's own records are indexed on. Generated calls never hold a
 * `dialplane_key` (only dialplane's write-backs set it, and they land in the overlay), so the
 * calls table is not walked at start: at 1,000,000 contacts that halves the start-up time.
 */
const BASE_INDEXED: Record<ObjectType, readonly string[]> = {
  contacts: INDEXED.contacts,
  deals: [],
  calls: [],
};

export class HubspotStore {
  tables!: Record<ObjectType, ObjectTable>;
  associations!: Associations;
  /** Views of a generated portal, built once (index build generates every row) and kept across resets. */
  private readonly views: Partial<Record<ObjectType, BaseView>> = {};

  constructor(private readonly data: HubspotData) {
    if (data.kind === 'generated')
      for (const t of OBJECT_TYPES) this.views[t] = new BaseView(data.data[t], BASE_INDEXED[t]);
    this.reset();
  }

  /** Back to the seed or generated state: every write since start is gone. */
  reset(): void {
    this.tables = Object.fromEntries(
      OBJECT_TYPES.map((t) => [t, new ObjectTable(t, INDEXED[t], this.views[t])]),
    ) as Record<ObjectType, ObjectTable>;
    this.associations = new Associations(this.data.kind === 'generated' ? this.data.data.associations : undefined);
    if (this.data.kind !== 'seed') return;
    const seed = this.data.seed;
    const load = (type: ObjectType, list: HubspotSeedObject[] | undefined) => {
      for (const s of list ?? []) {
        const props: Record<string, string> = {};
        for (const [k, v] of Object.entries(s.properties))
          if (v !== null && v !== undefined && v !== '' && !SYSTEM_PROPERTY_NAMES.has(k)) props[k] = String(v);
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
function derive(
  type: ObjectType,
  out: Record<string, string>,
  changed: readonly string[],
  current: Record<string, string> = out,
): void {
  if (type === 'contacts') {
    // The same calculation the dataset generator used, so written and generated records agree:
    // digits of a valid number (national, and with country code), E.164; null when not valid.
    if (!changed.includes('phone') && !changed.includes('mobilephone')) {
      finish(out, current);
      return;
    }
    const calc = hubspotCalculatedPhoneProperties(current.phone, current.mobilephone);
    const fed = {
      phone: [
        'hs_calculated_phone_number',
        'hs_searchable_calculated_phone_number',
        'hs_searchable_calculated_international_phone_number',
      ],
      mobilephone: [
        'hs_calculated_mobile_number',
        'hs_searchable_calculated_mobile_number',
        'hs_searchable_calculated_international_mobile_number',
      ],
    } as const;
    for (const source of ['phone', 'mobilephone'] as const) {
      if (!changed.includes(source)) continue;
      for (const name of fed[source]) out[name] = calc[name] ?? '';
    }
  } else if (type === 'deals' && changed.includes('dealstage')) {
    const stage = current.dealstage ?? '';
    out.hs_is_closed = String(stage === 'closedwon' || stage === 'closedlost');
    out.hs_is_closed_won = String(stage === 'closedwon');
  }
  finish(out, current);
}

/** A freshly seeded/created record: drop empty calculated values rather than storing ''. */
function finish(out: Record<string, string>, current: Record<string, string>): void {
  if (out === current) for (const k of Object.keys(out)) if (out[k] === '') delete out[k];
}
