import { OPPORTUNITY_STAGES, type FieldDef } from './schema.js';
import type { SchemaView } from './schema-view.js';
import { createdRecordId, to18 } from './record-ids.js';

/** Stored values: datetimes as epoch ms (compared often, formatted on output), dates as `YYYY-MM-DD`. */
export type SfValue = string | number | boolean | null;
export type SfRecord = Record<string, SfValue>;

/** Seed records use API field names and Salesforce's string formats for datetimes. */
export type SalesforceSeed = Record<'Contact' | 'Opportunity' | 'Task', Record<string, unknown>[]>;

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

export const SIM_USER_ID = '005Dp0000000001AAA';
const INTEGRATION_USER_ID = '005Dp0000000002AAA';

const PHONE_FIELDS = ['Phone', 'MobilePhone', 'HomePhone', 'OtherPhone'];

/**
 * Normalises a stored phone string for format-insensitive search: digits only, extension
 * dropped, a leading US/CA country code `1` dropped. `(415) 555-0100`, `+1 415.555.0100` and
 * `4155550100 x12` all become `4155550100`.
 */
export function phoneSearchKey(raw: string): string {
  const withoutExt = raw.replace(/\s*(?:x|ext\.?|extension|#)\s*\d+\s*$/i, '');
  let digits = withoutExt.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  return digits;
}

/**
 * The org's records. Maps keep insertion order, which is the order an unsorted SOQL query
 * returns. Secondary indexes (child lookups, external ids, phone search) are built on first use
 * and maintained on every write afterwards.
 */
export class SalesforceStore {
  private tables = new Map<string, Map<string, SfRecord>>();
  private created = 0;
  private childIndex = new Map<string, Map<string, Set<string>>>();
  private extIndex = new Map<string, Map<string, string>>();
  private phoneIndex: Map<string, Set<string>> | null = null;
  private clock = 0;

  constructor(
    private readonly schema: SchemaView,
    private readonly onChange: (change: RecordChange) => void,
  ) {}

  load(seed: SalesforceSeed): void {
    this.tables = new Map();
    this.childIndex = new Map();
    this.extIndex = new Map();
    this.phoneIndex = null;
    this.created = 0;
    for (const objectName of ['Contact', 'Opportunity', 'Task'] as const) {
      const view = this.schema.object(objectName)!;
      const table = new Map<string, SfRecord>();
      for (const raw of seed[objectName] ?? []) {
        const rec: SfRecord = {};
        for (const [k, v] of Object.entries(raw)) {
          if (k === 'attributes') continue;
          let def = view.def.fields.find((x) => x.name === k);
          if (!def) {
            def = inferField(k, v);
            this.schema.addField(objectName, def);
          }
          rec[def.name] = toStored(def, v);
        }
        const id = to18(String(rec.Id));
        rec.Id = id;
        derive(objectName, rec);
        table.set(id, rec);
      }
      this.tables.set(objectName, table);
    }
  }

  size(object: string): number {
    return this.tables.get(object)?.size ?? 0;
  }

  get(object: string, id: string): SfRecord | undefined {
    return this.tables.get(object)?.get(to18(id));
  }

  all(object: string): IterableIterator<SfRecord> {
    return (this.tables.get(object) ?? new Map<string, SfRecord>()).values();
  }

  /** Children of `parentId` through `childObject.fkField` (e.g. Task.WhoId). */
  children(childObject: string, fkField: string, parentId: string): SfRecord[] {
    const index = this.childIndexFor(childObject, fkField);
    const ids = index.get(to18(parentId));
    if (!ids) return [];
    const table = this.tables.get(childObject)!;
    const out: SfRecord[] = [];
    for (const id of ids) {
      const r = table.get(id);
      if (r) out.push(r);
    }
    return out;
  }

  findByExternalId(object: string, field: string, value: string): SfRecord | undefined {
    const id = this.extIndexFor(object, field).get(value.toLowerCase());
    return id ? this.get(object, id) : undefined;
  }

  /** Contacts whose phone fields normalise to the same digits as `term`. */
  findContactsByPhone(term: string): SfRecord[] {
    const index = this.phoneIndexFor();
    const ids = index.get(phoneSearchKey(term));
    if (!ids) return [];
    return [...ids].map((id) => this.get('Contact', id)!).filter(Boolean);
  }

  /** Inserts a record (values already validated, internal names). Returns the new id. */
  insert(object: string, values: SfRecord, origin: RecordChange['origin'] = 'api'): string {
    const view = this.schema.object(object)!;
    const id = createdRecordId(view.def.keyPrefix, ++this.created);
    const now = this.now();
    const rec: SfRecord = { Id: id };
    for (const fd of view.def.fields) if (fd.type === 'boolean') rec[fd.name] = false;
    if (object === 'Task') {
      rec.Status = 'Not Started';
      rec.Priority = 'Normal';
    }
    Object.assign(rec, values);
    const user = origin === 'api' ? INTEGRATION_USER_ID : SIM_USER_ID;
    rec.OwnerId ??= user;
    rec.CreatedById = user;
    rec.LastModifiedById = user;
    rec.CreatedDate = now;
    rec.LastModifiedDate = now;
    rec.SystemModstamp = now;
    derive(object, rec);
    this.tables.get(object)!.set(id, rec);
    this.indexInsert(object, rec);
    if (object === 'Task') this.touchLastActivity(rec);
    const changedFields = Object.keys(rec).filter((k) => rec[k] !== null && k !== 'Id');
    this.onChange({ object, id, changeType: 'CREATE', changedFields, record: rec, origin });
    return id;
  }

  /** Applies changes; returns the names that really changed (none → no event, no modstamp bump). */
  update(object: string, id: string, values: SfRecord, origin: RecordChange['origin'] = 'api'): string[] {
    const rec = this.get(object, id);
    if (!rec) throw new Error(`no ${object} ${id}`);
    const before = { ...rec };
    this.indexRemove(object, rec);
    Object.assign(rec, values);
    derive(object, rec);
    const changed = Object.keys(rec).filter((k) => rec[k] !== before[k]);
    if (changed.length > 0) {
      const now = this.now();
      rec.LastModifiedDate = now;
      rec.SystemModstamp = now;
      rec.LastModifiedById = origin === 'api' ? INTEGRATION_USER_ID : SIM_USER_ID;
      changed.push('LastModifiedDate', 'SystemModstamp');
    }
    this.indexInsert(object, rec);
    if (changed.length > 0) {
      if (object === 'Task') this.touchLastActivity(rec);
      this.onChange({ object, id: rec.Id as string, changeType: 'UPDATE', changedFields: changed, record: rec, origin });
    }
    return changed;
  }

  /** Strictly increasing timestamps, so `SystemModstamp > last seen` never misses a write. */
  private now(): number {
    const t = Date.now();
    this.clock = t > this.clock ? t : this.clock + 1;
    return this.clock;
  }

  private touchLastActivity(task: SfRecord): void {
    const who = task.WhoId;
    const date = task.ActivityDate;
    if (typeof who !== 'string' || typeof date !== 'string') return;
    const contact = this.get('Contact', who);
    if (contact && (contact.LastActivityDate === null || contact.LastActivityDate === undefined || String(contact.LastActivityDate) < date)) {
      contact.LastActivityDate = date;
    }
  }

  private childIndexFor(object: string, field: string): Map<string, Set<string>> {
    const key = `${object}.${field}`;
    let index = this.childIndex.get(key);
    if (!index) {
      index = new Map();
      for (const rec of this.all(object)) addTo(index, rec[field], rec.Id as string);
      this.childIndex.set(key, index);
    }
    return index;
  }

  private extIndexFor(object: string, field: string): Map<string, string> {
    const key = `${object}.${field}`;
    let index = this.extIndex.get(key);
    if (!index) {
      index = new Map();
      for (const rec of this.all(object)) {
        const v = rec[field];
        if (typeof v === 'string' && v) index.set(v.toLowerCase(), rec.Id as string);
      }
      this.extIndex.set(key, index);
    }
    return index;
  }

  private phoneIndexFor(): Map<string, Set<string>> {
    if (!this.phoneIndex) {
      this.phoneIndex = new Map();
      for (const rec of this.all('Contact')) this.indexPhones(rec, true);
    }
    return this.phoneIndex;
  }

  private indexPhones(rec: SfRecord, add: boolean): void {
    if (!this.phoneIndex) return;
    for (const f of PHONE_FIELDS) {
      const v = rec[f];
      if (typeof v !== 'string' || !v) continue;
      const key = phoneSearchKey(v);
      if (key.length < 4) continue;
      if (add) addTo(this.phoneIndex, key, rec.Id as string);
      else this.phoneIndex.get(key)?.delete(rec.Id as string);
    }
  }

  private indexInsert(object: string, rec: SfRecord): void {
    this.maintain(object, rec, true);
  }

  private indexRemove(object: string, rec: SfRecord): void {
    this.maintain(object, rec, false);
  }

  private maintain(object: string, rec: SfRecord, add: boolean): void {
    const id = rec.Id as string;
    for (const [key, index] of this.childIndex) {
      const [obj, field] = key.split('.');
      if (obj !== object) continue;
      if (add) addTo(index, rec[field], id);
      else if (typeof rec[field] === 'string') index.get(rec[field] as string)?.delete(id);
    }
    for (const [key, index] of this.extIndex) {
      const [obj, field] = key.split('.');
      const v = rec[field];
      if (obj !== object || typeof v !== 'string' || !v) continue;
      if (add) index.set(v.toLowerCase(), id);
      else index.delete(v.toLowerCase());
    }
    if (object === 'Contact') this.indexPhones(rec, add);
  }
}

function addTo(index: Map<string, Set<string>>, key: SfValue | undefined, id: string): void {
  if (typeof key !== 'string' || !key) return;
  const k = key.length === 15 ? to18(key) : key;
  let set = index.get(k);
  if (!set) index.set(k, (set = new Set()));
  set.add(id);
}

/** Fields Salesforce computes itself. */
function derive(object: string, rec: SfRecord): void {
  if (object === 'Contact') {
    rec.Name = [rec.FirstName, rec.LastName].filter((x) => typeof x === 'string' && x).join(' ');
  } else if (object === 'Opportunity') {
    const stage = OPPORTUNITY_STAGES.find((s) => s.value === rec.StageName);
    if (stage) {
      rec.IsClosed = stage.closed;
      rec.IsWon = stage.won;
      rec.ForecastCategory = stage.closed ? (stage.won ? 'Closed' : 'Omitted') : stage.forecast === 'Commit' ? 'Forecast' : 'Pipeline';
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
    if (typeof v === 'number') return v;
    const ms = Date.parse(String(v).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isNaN(ms) ? null : ms;
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
