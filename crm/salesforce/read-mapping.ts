import { z } from 'zod';
import { normalizePhone } from '../../shared/phone.js';
import {
  globalId,
  type ActivityType,
  type CanonicalActivity,
  type CanonicalContact,
  type CanonicalDeal,
  type CanonicalPhone,
  type DealStage,
  type FieldDrift,
  type IntentStage,
  type MappingRow,
  type PhoneType,
} from '../../shared/crm/connector.js';
import { normalizeCountry, normalizeState } from '../../shared/crm/location.js';
import { mappingVersionWith, parseMappingOverrides } from '../../shared/crm/mapping-overrides.js';
import { SALESFORCE_OVERRIDABLE } from './mapping-overrides.js';

/**
 * The Salesforce mapping: Contact + its Opportunities (linked by Opportunity.ContactId or by an
 * OpportunityContactRole) + its latest Task → canonical Contact.
 * Declared once as FIELD_SPECS (CRM field, zod source type, canonical fields it feeds, transform);
 * the SOQL field lists, the per-field drift checks, mapping:check and the docs table
 * (docs/mapping-salesforce.md, tested against MAPPING_TABLE) all come from it.
 *
 * Bump SALESFORCE_MAPPING_VERSION whenever the canonical output for the same record changes: it
 * is part of the cache namespace, so a new mapping never reads a shape cached by the old one.
 */
export const SALESFORCE_MAPPING_VERSION = 'salesforce@2';

export type SfObject = 'Contact' | 'Opportunity' | 'OpportunityContactRole' | 'Task';

export interface SalesforceFieldSpec {
  object: SfObject;
  /** The org's API name of the field read (a connection's override may name another field than `key`). */
  field: string;
  /** The code's default field name: the key the mapping reads the value under, whatever `field` is. */
  key: string;
  /** zod type of the value in the REST response. */
  schema: z.ZodType;
  /** describe `type` values accepted by mapping:check. */
  describeTypes: readonly string[];
  /** Canonical field paths this CRM field feeds: they answer CRM_SCHEMA_DRIFT when it drifts. */
  feeds: readonly string[];
  /** Docs: canonical target as a reader thinks of it. */
  canonical: string;
  transform: string;
}

const str = z.string().nullable();
const bool = z.boolean();
const num = z.number().nullable();
const TEXT = ['string'];
const PHONE = ['phone'];

const spec = (
  object: SfObject,
  field: string,
  schema: z.ZodType,
  describeTypes: readonly string[],
  feeds: readonly string[],
  canonical: string,
  transform: string,
): SalesforceFieldSpec => ({ object, field, key: field, schema, describeTypes, feeds, canonical, transform });

const PHONE_FEEDS = ['phones', 'primaryPhone'];
const DEAL_FEEDS = (f: string) => [`openDeal.${f}`];

export const FIELD_SPECS: readonly SalesforceFieldSpec[] = [
  spec('Contact', 'Id', z.string().min(15), ['id'], [], 'id, sourceId', '`salesforce:` + Id (18-char id as returned)'),
  spec('Contact', 'FirstName', str, TEXT, ['name.first'], 'name.first', 'trimmed; empty → null'),
  spec('Contact', 'LastName', str, TEXT, ['name.last'], 'name.last', 'trimmed; empty → null'),
  spec('Contact', 'Name', str, TEXT, ['name.full'], 'name.full', 'trimmed; else FirstName + LastName'),
  spec('Contact', 'Email', str, ['email'], ['email'], 'email', 'trimmed; empty → null'),
  spec(
    'Contact',
    'Phone',
    str,
    PHONE,
    PHONE_FEEDS,
    'phones[type=WORK]',
    'libphonenumber → E.164 (default region US), raw kept, extension split',
  ),
  spec(
    'Contact',
    'MobilePhone',
    str,
    PHONE,
    PHONE_FEEDS,
    'phones[type=MOBILE]',
    'as Phone; the first valid mobile becomes primaryPhone',
  ),
  spec('Contact', 'HomePhone', str, PHONE, PHONE_FEEDS, 'phones[type=HOME]', 'as Phone'),
  spec('Contact', 'OtherPhone', str, PHONE, PHONE_FEEDS, 'phones[type=OTHER]', 'as Phone'),
  spec(
    'Contact',
    'MailingCountry',
    str,
    TEXT,
    ['location.country', 'location.state'],
    'location.country',
    'ISO 3166-1 alpha-2 when recognisable, else trimmed raw',
  ),
  spec(
    'Contact',
    'MailingState',
    str,
    TEXT,
    ['location.state'],
    'location.state',
    'US: two-letter code when recognisable, else trimmed raw',
  ),
  spec('Contact', 'MailingCity', str, TEXT, ['location.city'], 'location.city', 'trimmed; empty → null'),
  spec(
    'Contact',
    'MailingPostalCode',
    str,
    TEXT,
    ['location.postalCode'],
    'location.postalCode',
    'trimmed; empty → null',
  ),
  spec('Contact', 'DoNotCall', bool, ['boolean'], ['suppression.doNotCall'], 'suppression.doNotCall', 'as is'),
  spec(
    'Contact',
    'HasOptedOutOfEmail',
    bool,
    ['boolean'],
    ['suppression.emailOptOut'],
    'suppression.emailOptOut',
    'as is',
  ),
  spec('Opportunity', 'Id', z.string().min(15), ['id'], ['openDeal.id'], 'openDeal.id', '`salesforce:` + Id'),
  spec(
    'Opportunity',
    'ContactId',
    z.string().nullable(),
    ['reference'],
    ['openDeal', 'crmIntentStage'],
    '(join)',
    'links the deal to its contact (`ContactId IN (…)`)',
  ),
  spec('Opportunity', 'Name', str, TEXT, DEAL_FEEDS('name'), 'openDeal.name', 'as is'),
  spec(
    'Opportunity',
    'StageName',
    str,
    ['picklist'],
    [...DEAL_FEEDS('stage'), ...DEAL_FEEDS('crmStage'), 'crmIntentStage'],
    'openDeal.stage, openDeal.crmStage, crmIntentStage',
    'STAGE_MAP (below); crmStage keeps the raw value',
  ),
  spec(
    'Opportunity',
    'IsClosed',
    bool,
    ['boolean'],
    [...DEAL_FEEDS('closed'), 'openDeal', 'crmIntentStage'],
    'openDeal.closed',
    'as is; picks the open deal',
  ),
  spec('Opportunity', 'IsWon', bool, ['boolean'], [...DEAL_FEEDS('won'), 'crmIntentStage'], 'openDeal.won', 'as is'),
  spec('Opportunity', 'Amount', num, ['currency', 'double'], DEAL_FEEDS('amount'), 'openDeal.amount', 'as is'),
  spec(
    'Opportunity',
    'CloseDate',
    str,
    ['date'],
    [...DEAL_FEEDS('closeDate'), 'openDeal'],
    'openDeal.closeDate',
    'YYYY-MM-DD; orders deals (open: soonest first)',
  ),
  spec(
    'OpportunityContactRole',
    'ContactId',
    z.string().nullable(),
    ['reference'],
    ['openDeal', 'crmIntentStage'],
    '(join)',
    'links the contact to the deals it has a role on (`OpportunityContactRoles` subquery)',
  ),
  spec(
    'OpportunityContactRole',
    'OpportunityId',
    z.string().nullable(),
    ['reference'],
    ['openDeal', 'crmIntentStage'],
    '(join)',
    'deals linked only by a role are read by Id in one more query per batch',
  ),
  spec('Task', 'Id', z.string().min(15), ['id'], [], '(key)', 'record key'),
  spec(
    'Task',
    'WhoId',
    z.string().nullable(),
    ['reference'],
    ['crmLastActivity', 'crmIntentStage'],
    '(join)',
    'links the task to its contact (`WhoId IN (…)`)',
  ),
  spec(
    'Task',
    'Subject',
    str,
    ['string', 'combobox'],
    ['crmLastActivity.summary'],
    'crmLastActivity.summary',
    'as is (never logged)',
  ),
  spec(
    'Task',
    'CallDisposition',
    str,
    TEXT,
    ['crmLastActivity.disposition', 'crmIntentStage'],
    'crmLastActivity.disposition',
    'as is (calls only)',
  ),
  spec(
    'Task',
    'TaskSubtype',
    str,
    ['picklist'],
    ['crmLastActivity.type'],
    'crmLastActivity.type',
    'Call → CALL, Email/ListEmail → EMAIL, Task/Cadence → TASK, else OTHER',
  ),
  spec(
    'Task',
    'CreatedDate',
    z.string().nullable(),
    ['datetime'],
    ['crmLastActivity.at', 'crmLastActivity'],
    'crmLastActivity.at',
    'ISO 8601 UTC; the newest task wins',
  ),
];

/**
 * The read mapping of one connection: the field specs with its overrides applied (an overridden
 * canonical field reads the org's own field, under the default key, so the mapping functions do not
 * change), the deal-stage map with its value map, and the version with the overrides' fingerprint
 * (part of the cache namespace). DEFAULT_SALESFORCE_MAPPING is the code's mapping.
 */
export interface SalesforceReadMapping {
  readonly version: string;
  readonly specs: readonly SalesforceFieldSpec[];
  readonly stageMap: Readonly<Record<string, DealStage>>;
  /** Whether a time-zone field is read (Salesforce has none unless a connection names one). */
  readonly readsTimeZone: boolean;
}

/** Key of the time-zone value when a connection overrides `timeZone` (no default field exists). */
const TIME_ZONE_KEY = 'timeZone';

/**
 * The mapping of a connection with `overrides` (canonical path → org field, validated when saved;
 * a malformed one throws MAPPING_OVERRIDE_INVALID here too).
 */
export function salesforceReadMapping(overrides: Readonly<Record<string, string>> = {}): SalesforceReadMapping {
  if (Object.keys(overrides).length === 0) return DEFAULT_SALESFORCE_MAPPING;
  const parsed = parseMappingOverrides(overrides, SALESFORCE_OVERRIDABLE);
  const specs = FIELD_SPECS.map((s) => {
    const over = SALESFORCE_OVERRIDABLE.find((o) => o.object === s.object && o.defaultField === s.key);
    const field = over && parsed.fields.get(over.path);
    return field && over ? { ...s, field, describeTypes: over.types } : s;
  });
  const timeZoneField = parsed.fields.get('timeZone');
  if (timeZoneField) {
    specs.push({
      object: 'Contact',
      field: timeZoneField,
      key: TIME_ZONE_KEY,
      schema: str,
      describeTypes: SALESFORCE_OVERRIDABLE.find((o) => o.path === 'timeZone')!.types,
      feeds: ['timeZone'],
      canonical: 'timeZone',
      transform: 'an IANA zone name as is; anything else → null',
    });
  }
  return {
    version: mappingVersionWith(SALESFORCE_MAPPING_VERSION, overrides),
    specs,
    stageMap: { ...STAGE_MAP, ...Object.fromEntries(parsed.stageValues) },
    readsTimeZone: timeZoneField !== undefined,
  };
}

export function fieldsOf(object: SfObject, mapping: SalesforceReadMapping = DEFAULT_SALESFORCE_MAPPING): string[] {
  return mapping.specs.filter((s) => s.object === object).map((s) => s.field);
}

/** The docs-table rows of a mapping (a connection's overrides show as the fields they name). */
export function mappingTableOf(mapping: SalesforceReadMapping): readonly MappingRow[] {
  if (mapping === DEFAULT_SALESFORCE_MAPPING) return MAPPING_TABLE;
  return mapping.specs.map((s) => ({
    crmField: `${s.object}.${s.field}`,
    canonical: s.canonical,
    transform: s.transform,
    expectedType: s.describeTypes.join('|'),
  }));
}

/** The docs table rows (docs/mapping-salesforce.md is tested against them). */
export const MAPPING_TABLE: readonly MappingRow[] = [
  ...FIELD_SPECS.map((s) => ({
    crmField: `${s.object}.${s.field}`,
    canonical: s.canonical,
    transform: s.transform,
    expectedType: s.describeTypes.join('|'),
  })),
  {
    crmField: '(none)',
    canonical: 'timeZone',
    transform: 'Salesforce Contact has no time-zone field: always null (consent derives zones from phone and address)',
    expectedType: '-',
  },
];

/** Salesforce's standard opportunity stages → canonical deal stage. Unknown stages fall back on IsClosed/IsWon. */
export const STAGE_MAP: Readonly<Record<string, DealStage>> = {
  Prospecting: 'QUALIFICATION',
  Qualification: 'QUALIFICATION',
  'Needs Analysis': 'DISCOVERY',
  'Value Proposition': 'DISCOVERY',
  'Id. Decision Makers': 'DISCOVERY',
  'Perception Analysis': 'PROPOSAL',
  'Proposal/Price Quote': 'PROPOSAL',
  'Negotiation/Review': 'NEGOTIATION',
  'Closed Won': 'CLOSED_WON',
  'Closed Lost': 'CLOSED_LOST',
};

/** The code's mapping: what every connection without overrides (and the deployment account) reads. */
export const DEFAULT_SALESFORCE_MAPPING: SalesforceReadMapping = {
  version: SALESFORCE_MAPPING_VERSION,
  specs: FIELD_SPECS,
  stageMap: STAGE_MAP,
  readsTimeZone: false,
};

export const DEAL_STAGE_INTENT: Readonly<Record<DealStage, IntentStage>> = {
  QUALIFICATION: 'QUALIFIED',
  DISCOVERY: 'OPPORTUNITY',
  PROPOSAL: 'OPPORTUNITY',
  NEGOTIATION: 'NEGOTIATION',
  CLOSED_WON: 'CUSTOMER',
  CLOSED_LOST: 'LOST',
  OTHER: 'UNKNOWN',
};

const PHONE_FIELDS: readonly [string, PhoneType][] = [
  ['MobilePhone', 'MOBILE'],
  ['Phone', 'WORK'],
  ['HomePhone', 'HOME'],
  ['OtherPhone', 'OTHER'],
];

/** A raw record with its fields checked one by one against FIELD_SPECS. */
export interface CheckedRecord {
  values: Record<string, unknown>;
  /** Expected fields that were missing or of the wrong type. */
  drift: { field: string; reason: 'missing' | 'invalid' }[];
}

/** Validates each expected field on its own, so one drifted field never fails the record. */
export function checkRecord(
  object: SfObject,
  record: unknown,
  missingFields: ReadonlySet<string>,
  mapping: SalesforceReadMapping = DEFAULT_SALESFORCE_MAPPING,
): CheckedRecord {
  const raw = (typeof record === 'object' && record !== null ? record : {}) as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  const drift: CheckedRecord['drift'] = [];
  for (const s of mapping.specs) {
    if (s.object !== object) continue;
    if (missingFields.has(s.field) || !(s.field in raw)) {
      drift.push({ field: s.field, reason: 'missing' });
      values[s.key] = null;
      continue;
    }
    const parsed = s.schema.safeParse(raw[s.field]);
    if (parsed.success) values[s.key] = parsed.data;
    else {
      drift.push({ field: s.field, reason: 'invalid' });
      values[s.key] = null;
    }
  }
  return { values, drift };
}

/** FieldDrift entries for the canonical fields a drifted CRM field feeds. */
export function driftFor(
  object: SfObject,
  drifted: CheckedRecord['drift'],
  mapping: SalesforceReadMapping = DEFAULT_SALESFORCE_MAPPING,
): FieldDrift[] {
  const out: FieldDrift[] = [];
  for (const d of drifted) {
    const s = mapping.specs.find((x) => x.object === object && x.field === d.field);
    for (const field of s?.feeds ?? []) out.push({ field, crmField: `${object}.${d.field}`, reason: d.reason });
  }
  return out;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

export function mapPhones(values: Record<string, unknown>): CanonicalPhone[] {
  const phones: CanonicalPhone[] = [];
  for (const [field, type] of PHONE_FIELDS) {
    const raw = text(values[field]);
    if (!raw) continue;
    const n = normalizePhone(raw);
    phones.push({ e164: n?.e164 ?? null, raw, type, extension: n?.extension ?? null, valid: n?.valid ?? false });
  }
  return phones;
}

export function primaryPhoneOf(phones: readonly CanonicalPhone[]): string | null {
  return (phones.find((p) => p.valid && p.type === 'MOBILE') ?? phones.find((p) => p.valid))?.e164 ?? null;
}

export function mapDeal(
  values: Record<string, unknown>,
  stageMap: Readonly<Record<string, DealStage>> = STAGE_MAP,
): CanonicalDeal {
  const crmStage = text(values.StageName);
  const closed = typeof values.IsClosed === 'boolean' ? values.IsClosed : null;
  const won = typeof values.IsWon === 'boolean' ? values.IsWon : null;
  const stage: DealStage | null = crmStage
    ? (stageMap[crmStage] ?? (closed ? (won ? 'CLOSED_WON' : 'CLOSED_LOST') : 'OTHER'))
    : closed === null
      ? null
      : closed
        ? won
          ? 'CLOSED_WON'
          : 'CLOSED_LOST'
        : null;
  return {
    id: globalId('salesforce', String(values.Id)),
    name: text(values.Name),
    stage,
    crmStage,
    closed,
    won,
    amount: typeof values.Amount === 'number' ? values.Amount : null,
    closeDate: text(values.CloseDate)?.slice(0, 10) ?? null,
  };
}

/** The open deal closing soonest, else the most recently closed one. */
export function pickDeal(deals: readonly CanonicalDeal[]): CanonicalDeal | null {
  const byClose = (a: CanonicalDeal, b: CanonicalDeal) => (a.closeDate ?? '9999').localeCompare(b.closeDate ?? '9999');
  const open = deals.filter((d) => d.closed === false).sort(byClose);
  if (open.length > 0) return open[0]!;
  const closed = deals.filter((d) => d.closed !== false).sort(byClose);
  return closed.at(-1) ?? null;
}

const SUBTYPE_TYPE: Readonly<Record<string, ActivityType>> = {
  Call: 'CALL',
  Email: 'EMAIL',
  ListEmail: 'EMAIL',
  Task: 'TASK',
  Cadence: 'TASK',
  LinkedIn: 'OTHER',
};

export function mapActivity(values: Record<string, unknown>): CanonicalActivity {
  const subtype = text(values.TaskSubtype);
  const type: ActivityType = subtype ? (SUBTYPE_TYPE[subtype] ?? 'OTHER') : 'TASK';
  const at = text(values.CreatedDate);
  return {
    at: at ? new Date(at).toISOString() : null,
    summary: text(values.Subject),
    disposition: type === 'CALL' ? text(values.CallDisposition) : null,
    type,
  };
}

/**
 * Intent from the CRM alone: the picked deal's stage; without deals, NEW when nothing was logged,
 * ENGAGED when the last call connected, else ATTEMPTING.
 */
export function intentOf(deal: CanonicalDeal | null, activity: CanonicalActivity | null): IntentStage {
  if (deal) return deal.stage ? DEAL_STAGE_INTENT[deal.stage] : 'UNKNOWN';
  if (!activity) return 'NEW';
  if (
    activity.type === 'CALL' &&
    activity.disposition &&
    /connect|interested|call ?back|meeting/i.test(activity.disposition)
  )
    return 'ENGAGED';
  return 'ATTEMPTING';
}

export interface SalesforceBundle {
  contact: CheckedRecord;
  deals: CheckedRecord[];
  /** Newest task first (only the first is used). */
  tasks: CheckedRecord[];
  /** Whole objects that could not be read (e.g. the join field drifted): their canonical fields drift. */
  objectDrift: FieldDrift[];
}

/** Source shape → canonical contact + the drift of the canonical fields that could not be served. */
export function mapContact(
  bundle: SalesforceBundle,
  mapping: SalesforceReadMapping = DEFAULT_SALESFORCE_MAPPING,
): { contact: CanonicalContact; drift: FieldDrift[] } {
  const c = bundle.contact.values;
  const sourceId = String(c.Id);
  const phones = mapPhones(c);
  const deals = bundle.deals.map((d) => mapDeal(d.values, mapping.stageMap));
  const deal = pickDeal(deals);
  const task = bundle.tasks[0];
  const activity = task ? mapActivity(task.values) : null;
  const first = text(c.FirstName);
  const last = text(c.LastName);
  const country = normalizeCountry(text(c.MailingCountry));
  const contact: CanonicalContact = {
    id: globalId('salesforce', sourceId),
    source: 'salesforce',
    sourceId,
    name: { first, last, full: text(c.Name) ?? ([first, last].filter(Boolean).join(' ') || null) },
    email: text(c.Email),
    phones,
    primaryPhone: primaryPhoneOf(phones),
    timeZone: mapping.readsTimeZone ? ianaZoneOrNull(text(c[TIME_ZONE_KEY])) : null,
    location: {
      country,
      state: normalizeState(text(c.MailingState), country),
      city: text(c.MailingCity),
      postalCode: text(c.MailingPostalCode),
    },
    crmIntentStage: intentOf(deal, activity),
    openDeal: deal,
    crmLastActivity: activity,
    suppression: {
      doNotCall: typeof c.DoNotCall === 'boolean' ? c.DoNotCall : null,
      emailOptOut: typeof c.HasOptedOutOfEmail === 'boolean' ? c.HasOptedOutOfEmail : null,
    },
  };
  const drift = dedupeDrift([
    ...driftFor('Contact', bundle.contact.drift, mapping),
    ...bundle.deals.flatMap((d) => driftFor('Opportunity', d.drift, mapping)),
    ...(task ? driftFor('Task', task.drift, mapping) : []),
    ...bundle.objectDrift,
  ]);
  return { contact, drift };
}

function dedupeDrift(drift: FieldDrift[]): FieldDrift[] {
  const seen = new Map<string, FieldDrift>();
  for (const d of drift) if (!seen.has(d.field)) seen.set(d.field, d);
  return [...seen.values()];
}

/** A time-zone field an org keeps itself is trusted only when it names an IANA zone. */
function ianaZoneOrNull(value: string | null): string | null {
  if (!value) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone === value ? value : null;
  } catch {
    return null;
  }
}
