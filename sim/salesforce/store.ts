import {
  datasetEpochMs,
  phoneDigitsKey,
  resetDataset,
  type EqualityIndex,
  type SalesforceDataset,
  type SfRecord as DataRecord,
} from '../data/index.js';
import { OPPORTUNITY_STAGES, type FieldDef } from './schema.js';
import type { SchemaView } from './schema-view.js';
import { to18 } from './record-ids.js';
import { parseSfDateTime, sfDateTime } from './record-output.js';

/** Stored values use API names and Salesforce's formats (datetimes as `2024-05-01T12:00:00.000+0000`). */
export type SfValue = string | number | boolean | null;
export type SfRecord = Readonly<Record<string, SfValue>>;
/** A record being built or patched. */
export type SfValues = Record<string, SfValue>;

export const SF_OBJECTS = ['Account', 'Contact', 'Opportunity', 'OpportunityContactRole', 'Task'] as const;
export type SfObjectName = (typeof SF_OBJECTS)[number];

export type ChangeType = 'CREATE' | 'UPDATE';

export interface RecordChange {
  object: string;
  id: string;
  changeType: ChangeType;
  /** internal field names whose value changed (system fields included) */
  changedFields: string[];
  record: SfRecord;
  /** `api` for REST writes, `ui` for /__sim/edit (a person in the CRM) */
  origin: 'api' | 'ui';
}

export const SIM_USER_ID = '005Dp0000000000IAA';
export const INTEGRATION_USER_ID = '005Dp0000000009IAA';

const PHONE_FIELDS = ['Phone', 'MobilePhone', 'HomePhone', 'OtherPhone'];

/** Digits-only phone key for format-insensitive search (shared with the data generator). */
export function phoneSearchKey(raw: string): string {
  return phoneDigitsKey(raw) ?? '';
}

/**
 * The org's records, on top of the data generator's lazy RecordTables (generated rows cost no
 * memory until written; writes go to an overlay that reset drops). Secondary lookups (child
 * records, external ids, phone search) are the tables' equality indexes, built on first use and
 * kept current on every write.
 */
export class SalesforceStore {
  private readonly indexes = new Map<string, EqualityIndex<DataRecord>>();
  private clock = 0;
  private readonly epochMs: number;
  /**
   * Generated rows are rebuilt on every table read (tens of µs each); hot records are kept here so
   * a 100-id batch read costs a map lookup per id. Bounded (FIFO) so a million-row org stays small;
   * every write and reset goes through this class and invalidates.
   */
  private readonly cache = new Map<string, SfRecord>();

  constructor(
    private readonly schema: SchemaView,
    private readonly data: SalesforceDataset,
    seed: number | string,
    private readonly onChange: (change: RecordChange) => void,
    private readonly cacheSize = 100_000,
  ) {
    this.epochMs = datasetEpochMs(seed);
    // Fields the generator emits that the standard schema lacks become custom fields.
    for (const object of SF_OBJECTS) {
      const first = data[object].values().next();
      if (first.done) continue;
      const view = schema.object(object)!;
      for (const [k, v] of Object.entries(first.value)) {
        if (!view.def.fields.some((x) => x.name === k)) schema.addField(object, inferField(k, v));
      }
    }
    schema.apply([]);
  }

  /**
   * Builds the indexes the hot-path queries use (children of contacts, phone search) now rather
   * than on the first request, which on a big org would otherwise stall for seconds.
   */
  prebuildIndexes(): void {
    this.lookupEqual('Opportunity', 'ContactId', '003000000000000');
    this.lookupEqual('OpportunityContactRole', 'ContactId', '003000000000000');
    this.lookupEqual('OpportunityContactRole', 'OpportunityId', '006000000000000');
    this.lookupEqual('Task', 'WhoId', '003000000000000');
    this.findContactsByPhone('0000000000');
  }

  /** Drops every write (POST /__sim/reset). */
  reset(): void {
    resetDataset(this.data);
    this.cache.clear();
  }

  size(object: string): number {
    return this.table(object)?.size ?? 0;
  }

  get(object: string, id: string): SfRecord | undefined {
    const table = this.table(object);
    if (!table || (id.length !== 15 && id.length !== 18)) return undefined;
    const key = to18(id);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const rec = table.get(key);
    if (rec && this.cacheSize > 0) {
      this.cache.set(key, rec);
      if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    }
    return rec;
  }

  all(object: string): Iterable<SfRecord> {
    return this.table(object)?.values() ?? [];
  }

  /**
   * Records modified after `iso` when that can be answered from the write overlay alone (every
   * generated record predates the dataset epoch), else null. Keeps incremental-sync queries
   * (`SystemModstamp > …`) cheap on a million-row org.
   */
  modifiedAfter(object: string, iso: string): Iterable<SfRecord> | null {
    const table = this.table(object);
    if (!table || parseSfDateTime(iso) < this.epochMs) return null;
    return table.written();
  }

  /** Children of `parentId` through `childObject.fkField` (e.g. Task.WhoId). */
  children(childObject: string, fkField: string, parentId: string): SfRecord[] {
    return this.lookupEqual(childObject, fkField, parentId);
  }

  /**
   * Records whose `field` equals `value` as SOQL `=` compares: case-insensitively for text, by
   * 18-char form for ids. An equality index per field, built on first use.
   */
  lookupEqual(object: string, field: string, value: string): SfRecord[] {
    const type = this.schema.object(object)?.def.fields.find((f) => f.name === field)?.type;
    const isId = type === 'id' || type === 'reference';
    const norm = (v: SfValue | undefined): string | null => {
      if (typeof v !== 'string' || v === '') return null;
      return isId ? to18(v) : v.toLowerCase();
    };
    const key = norm(value);
    if (key === null) return [];
    return this.index(object, `eq:${field}`, (r) => norm(r[field])).lookup(key);
  }

  findByExternalId(object: string, field: string, value: string): SfRecord | undefined {
    return this.index(object, `ext:${field}`, (r) =>
      typeof r[field] === 'string' && r[field] ? (r[field] as string).toLowerCase() : null,
    ).lookup(value.toLowerCase())[0];
  }

  /** Contacts whose phone fields normalise to the same digits as `term`. */
  findContactsByPhone(term: string): SfRecord[] {
    const key = phoneSearchKey(term);
    if (key.length < 4) return [];
    return this.index('Contact', 'phones', (r) =>
      PHONE_FIELDS.map((f) => (typeof r[f] === 'string' ? phoneDigitsKey(r[f] as string) : null)),
    ).lookup(key);
  }

  /** Inserts a record (values already validated, internal names). Returns the new id. */
  insert(object: string, values: Record<string, SfValue>, origin: RecordChange['origin'] = 'api'): string {
    const view = this.schema.object(object)!;
    const now = this.now();
    const rec: Record<string, SfValue> = {};
    for (const fd of view.def.fields) rec[fd.name] = fd.type === 'boolean' ? false : null;
    if (object === 'Task') {
      rec.Status = 'Not Started';
      rec.Priority = 'Normal';
    }
    Object.assign(rec, values);
    const user = origin === 'api' ? INTEGRATION_USER_ID : SIM_USER_ID;
    if (view.def.fields.some((fd) => fd.name === 'OwnerId')) rec.OwnerId ??= user;
    rec.CreatedById = user;
    rec.LastModifiedById = user;
    rec.CreatedDate = now;
    rec.LastModifiedDate = now;
    rec.SystemModstamp = now;
    rec.IsDeleted = false;
    derive(object, rec);
    const table = this.table(object)!;
    delete rec.Id;
    const id = table.insert(rec as unknown as DataRecord);
    const stored = table.get(id)!;
    if (object === 'Task') this.touchLastActivity(stored);
    const changedFields = Object.keys(stored).filter((k) => stored[k] !== null && k !== 'Id');
    this.onChange({ object, id, changeType: 'CREATE', changedFields, record: stored, origin });
    // Salesforce creates the primary contact role along with an opportunity given a ContactId.
    if (object === 'Opportunity' && typeof stored.ContactId === 'string') {
      this.insert(
        'OpportunityContactRole',
        { OpportunityId: id, ContactId: stored.ContactId, IsPrimary: true, Role: null },
        origin,
      );
    }
    return id;
  }

  /** Applies changes; returns the names that really changed (none → no event, no modstamp bump). */
  update(
    object: string,
    id: string,
    values: Record<string, SfValue>,
    origin: RecordChange['origin'] = 'api',
  ): string[] {
    const table = this.table(object);
    const before = table?.get(to18(id));
    if (!table || !before) throw new Error(`no ${object} ${id}`);
    const next: Record<string, SfValue> = { ...before, ...values };
    derive(object, next);
    const changed = Object.keys(next).filter((k) => next[k] !== before[k]);
    if (changed.length === 0) return changed;
    const now = this.now();
    next.LastModifiedDate = now;
    next.SystemModstamp = now;
    next.LastModifiedById = origin === 'api' ? INTEGRATION_USER_ID : SIM_USER_ID;
    changed.push('LastModifiedDate', 'SystemModstamp');
    if (next.LastModifiedById !== before.LastModifiedById) changed.push('LastModifiedById');
    table.set(before.Id, next as unknown as DataRecord);
    this.cache.delete(before.Id);
    const stored = table.get(before.Id)!;
    if (object === 'Task') this.touchLastActivity(stored);
    this.onChange({ object, id: before.Id, changeType: 'UPDATE', changedFields: changed, record: stored, origin });
    return changed;
  }

  private table(object: string) {
    return (SF_OBJECTS as readonly string[]).includes(object) ? this.data[object as SfObjectName] : undefined;
  }

  private index(
    object: string,
    name: string,
    keyOf: (r: DataRecord) => string | null | readonly (string | null)[],
  ): EqualityIndex<DataRecord> {
    const key = `${object}.${name}`;
    let index = this.indexes.get(key);
    if (!index) {
      index = this.table(object)!.createIndex(keyOf);
      this.indexes.set(key, index);
    }
    return index;
  }

  /** Strictly increasing timestamps, so `SystemModstamp > last seen` never misses a write. */
  private now(): string {
    const t = Date.now();
    this.clock = t > this.clock ? t : this.clock + 1;
    return sfDateTime(this.clock);
  }

  /** Salesforce rolls a completed activity's date up to the contact (no change event for it). */
  private touchLastActivity(task: SfRecord): void {
    const who = task.WhoId;
    const date = task.ActivityDate;
    if (typeof who !== 'string' || typeof date !== 'string') return;
    const contact = this.get('Contact', who);
    if (contact && (typeof contact.LastActivityDate !== 'string' || contact.LastActivityDate < date)) {
      this.data.Contact.update(contact.Id as string, { LastActivityDate: date } as Partial<DataRecord>);
      this.cache.delete(contact.Id as string);
    }
  }
}

/** Fields Salesforce computes itself. */
function derive(object: string, rec: Record<string, SfValue>): void {
  if (object === 'Contact') {
    rec.Name = [rec.FirstName, rec.LastName].filter((x) => typeof x === 'string' && x).join(' ');
  } else if (object === 'Opportunity') {
    const stage = OPPORTUNITY_STAGES.find((s) => s.value === rec.StageName);
    if (stage) {
      rec.IsClosed = stage.closed;
      rec.IsWon = stage.won;
      rec.ForecastCategory = stage.closed
        ? stage.won
          ? 'Closed'
          : 'Omitted'
        : stage.forecast === 'Commit'
          ? 'Forecast'
          : 'Pipeline';
      rec.ForecastCategoryName = stage.forecast;
      if (rec.Probability === undefined || rec.Probability === null) rec.Probability = stage.probability;
    }
  } else if (object === 'Task') {
    rec.IsClosed = rec.Status === 'Completed';
  }
}

/** Converts an API value (already type-checked) to its stored form. */
export function toStored(def: FieldDef, v: unknown): SfValue {
  if (v === null || v === undefined) return null;
  if (def.type === 'datetime') {
    const ms = typeof v === 'number' ? v : parseSfDateTime(String(v));
    return Number.isNaN(ms) ? null : sfDateTime(ms);
  }
  if (def.type === 'id' || def.type === 'reference') return to18(String(v));
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

function inferField(name: string, v: unknown): FieldDef {
  const type = typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? 'double' : 'string';
  return {
    name,
    label: name.replace(/__c$/, '').replace(/_/g, ' '),
    type,
    length: type === 'string' ? 255 : 0,
    nillable: type !== 'boolean',
    createable: true,
    updateable: true,
    custom: name.endsWith('__c'),
    externalId: false,
    unique: false,
  };
}
