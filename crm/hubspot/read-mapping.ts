import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';
import type {
  ActivityType,
  CanonicalActivity,
  CanonicalContact,
  CanonicalDeal,
  CanonicalPhone,
  DealStage,
  FieldDrift,
  IntentStage,
  MappingRow,
  PhoneType,
} from '../../shared/crm/connector.js';
import { globalId } from '../../shared/crm/connector.js';
import { normalizePhone } from '../../shared/phone.js';
import type { HubspotObject, HubspotObjectType } from './client.js';
import { normalizeCountry, normalizeState } from '../../shared/crm/location.js';
import { hubspotTimeZoneToIana } from './timezone.js';
import { mappingVersionWith, parseMappingOverrides } from '../../shared/crm/mapping-overrides.js';
import { HUBSPOT_OVERRIDABLE } from './mapping-overrides.js';

/**
 * HubSpot -> canonical contact, version `hubspot@1`.
 *
 * Three steps: (1) each HubSpot property the mapping reads is checked and parsed on its own with
 * zod (the source shape); (2) the parsed values map to the canonical contact; (3) a property that
 * HubSpot did not return, or returned with a value of the wrong type, becomes a FieldDrift on each
 * canonical field it feeds, and that field is left null for the runtime to answer with
 * CRM_SCHEMA_DRIFT. HubSpot returns a requested-but-empty property as `null` and silently omits a
 * property that does not exist (renamed or removed), so `key in properties` is the drift test.
 *
 * Bump the version whenever the canonical output for the same HubSpot data changes: it is part of
 * every cache key, so old shapes are never served by new code.
 */
export const HUBSPOT_MAPPING_VERSION = 'hubspot@1';

// ---------------------------------------------------------------------------------------------
// Value parsers (source shape, one per HubSpot property type)
// ---------------------------------------------------------------------------------------------

/** Free text; blank reads as null. */
const text = z
  .string()
  .nullable()
  .transform((v) => (v === null || v.trim() === '' ? null : v.trim()));

/** HubSpot booleans travel as the strings "true"/"false"; blank = not set. Anything else is a type change. */
const bool = z
  .string()
  .nullable()
  .transform((v, ctx) => {
    const s = v?.trim().toLowerCase() ?? '';
    if (s === '') return null;
    if (s === 'true') return true;
    if (s === 'false') return false;
    ctx.addIssue({ code: 'custom', message: 'expected "true" or "false"' });
    return z.NEVER;
  });

const number = z
  .string()
  .nullable()
  .transform((v, ctx) => {
    const s = v?.trim() ?? '';
    if (s === '') return null;
    const n = Number(s);
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: 'expected a number' });
      return z.NEVER;
    }
    return n;
  });

/** Datetimes arrive as ISO strings (v3) or epoch milliseconds (older imports, webhooks). */
const datetime = z
  .string()
  .nullable()
  .transform((v, ctx) => {
    const s = v?.trim() ?? '';
    if (s === '') return null;
    const ms = /^\d{10,15}$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'expected a datetime' });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

type ValueParser = typeof text | typeof bool | typeof number | typeof datetime;

// ---------------------------------------------------------------------------------------------
// The mapping table: every HubSpot property read, what it feeds, how
// ---------------------------------------------------------------------------------------------

/** One HubSpot property the mapping reads. `feeds` are the canonical paths that drift when it is missing. */
export interface HubspotPropertySpec {
  object: HubspotObjectType;
  /** The portal's property read (a connection's override may name another property than `key`). */
  property: string;
  /** The code's default property name: the key the mapping reads the value under, whatever `property` is. */
  key: string;
  /** HubSpot property types accepted by mapping:check (first is the expected one). */
  types: readonly string[];
  parser: ValueParser;
  feeds: readonly string[];
  /** Rows of the documented mapping table (canonical field -> transform). */
  rows: readonly { canonical: string; transform: string }[];
}

const spec = (
  object: HubspotObjectType,
  property: string,
  types: readonly string[],
  parser: ValueParser,
  feeds: readonly string[],
  rows: readonly { canonical: string; transform: string }[],
): HubspotPropertySpec => ({ object, property, key: property, types, parser, feeds, rows });

export const HUBSPOT_PROPERTY_SPECS: readonly HubspotPropertySpec[] = [
  spec(
    'contacts',
    'firstname',
    ['string'],
    text,
    ['name.first', 'name.full'],
    [
      { canonical: 'name.first', transform: 'trimmed; blank -> null' },
      { canonical: 'name.full', transform: 'firstname + " " + lastname (blank parts skipped)' },
    ],
  ),
  spec(
    'contacts',
    'lastname',
    ['string'],
    text,
    ['name.last', 'name.full'],
    [{ canonical: 'name.last', transform: 'trimmed; blank -> null' }],
  ),
  spec('contacts', 'email', ['string'], text, ['email'], [{ canonical: 'email', transform: 'trimmed; not validated' }]),
  spec(
    'contacts',
    'phone',
    ['string', 'phone_number'],
    text,
    ['phones', 'primaryPhone'],
    [
      {
        canonical: 'phones[type=WORK]',
        transform: 'libphonenumber -> E.164 (region: contact country, else US); raw kept; extension split off',
      },
      { canonical: 'primaryPhone', transform: 'first valid MOBILE number, else first valid number' },
    ],
  ),
  spec(
    'contacts',
    'mobilephone',
    ['string', 'phone_number'],
    text,
    ['phones', 'primaryPhone'],
    [{ canonical: 'phones[type=MOBILE]', transform: 'as phone; listed first' }],
  ),
  spec(
    'contacts',
    'hs_timezone',
    ['enumeration', 'string'],
    text,
    ['timeZone'],
    [
      {
        canonical: 'timeZone',
        transform:
          '`america_slash_new_york`, `us_slash_east_minus_indiana` or IANA -> IANA (`America/New_York`); unknown -> null',
      },
    ],
  ),
  spec(
    'contacts',
    'country',
    ['string'],
    text,
    ['location.country'],
    [
      {
        canonical: 'location.country',
        transform: 'name or code -> ISO 3166-1 alpha-2 when recognisable, else trimmed raw',
      },
    ],
  ),
  spec(
    'contacts',
    'state',
    ['string'],
    text,
    ['location.state'],
    [
      {
        canonical: 'location.state',
        transform: 'US: name or code -> two-letter code when recognisable, else trimmed raw',
      },
    ],
  ),
  spec('contacts', 'city', ['string'], text, ['location.city'], [{ canonical: 'location.city', transform: 'trimmed' }]),
  spec(
    'contacts',
    'zip',
    ['string'],
    text,
    ['location.postalCode'],
    [{ canonical: 'location.postalCode', transform: 'trimmed' }],
  ),
  spec(
    'contacts',
    'lifecyclestage',
    ['enumeration'],
    text,
    ['crmIntentStage'],
    [
      {
        canonical: 'crmIntentStage',
        transform: 'see "Intent stage" (with hs_lead_status; OPPORTUNITY refined by the picked deal)',
      },
    ],
  ),
  spec(
    'contacts',
    'hs_lead_status',
    ['enumeration'],
    text,
    ['crmIntentStage'],
    [{ canonical: 'crmIntentStage', transform: 'see "Intent stage" below (with lifecyclestage)' }],
  ),
  spec(
    'contacts',
    'dialplane_do_not_call',
    ['bool', 'enumeration'],
    bool,
    ['suppression.doNotCall'],
    [{ canonical: 'suppression.doNotCall', transform: '"true" -> true, "false"/blank -> false; other value = drift' }],
  ),
  spec(
    'contacts',
    'hs_email_optout',
    ['bool', 'enumeration'],
    bool,
    ['suppression.emailOptOut'],
    [
      {
        canonical: 'suppression.emailOptOut',
        transform: '"true" -> true, "false"/blank -> false; other value = drift',
      },
    ],
  ),
  spec(
    'deals',
    'dealname',
    ['string'],
    text,
    ['openDeal.name'],
    [{ canonical: 'openDeal.name', transform: 'trimmed' }],
  ),
  spec(
    'deals',
    'dealstage',
    ['enumeration'],
    text,
    ['openDeal.stage', 'openDeal.crmStage'],
    [
      {
        canonical: 'openDeal.stage',
        transform: 'see "Deal stage" below; unknown stage -> CLOSED_WON/CLOSED_LOST by hs_is_closed*, else OTHER',
      },
      { canonical: 'openDeal.crmStage', transform: 'as stored' },
    ],
  ),
  spec(
    'deals',
    'hs_is_closed',
    ['bool', 'enumeration'],
    bool,
    ['openDeal'],
    [
      {
        canonical: 'openDeal.closed',
        transform: 'boolean; also picks the deal: the open one closing soonest, else the latest closed',
      },
    ],
  ),
  spec(
    'deals',
    'hs_is_closed_won',
    ['bool', 'enumeration'],
    bool,
    ['openDeal.won'],
    [{ canonical: 'openDeal.won', transform: 'boolean' }],
  ),
  spec(
    'deals',
    'amount',
    ['number'],
    number,
    ['openDeal.amount'],
    [{ canonical: 'openDeal.amount', transform: 'decimal string -> Float' }],
  ),
  spec(
    'deals',
    'closedate',
    ['datetime', 'date'],
    datetime,
    ['openDeal'],
    [{ canonical: 'openDeal.closeDate', transform: 'datetime -> `YYYY-MM-DD` (UTC); also orders the deals' }],
  ),
  spec(
    'calls',
    'hs_timestamp',
    ['datetime'],
    datetime,
    ['crmLastActivity'],
    [
      {
        canonical: 'crmLastActivity.at',
        transform:
          'ISO 8601 UTC; the latest of the two most recently created associated calls is the last activity (type CALL)',
      },
    ],
  ),
  spec(
    'calls',
    'hs_call_title',
    ['string'],
    text,
    ['crmLastActivity.summary'],
    [{ canonical: 'crmLastActivity.summary', transform: 'title, else hs_call_body without HTML, ≤ 200 chars' }],
  ),
  spec(
    'calls',
    'hs_call_body',
    ['string'],
    text,
    ['crmLastActivity.summary'],
    [{ canonical: 'crmLastActivity.summary', transform: 'fallback when the title is blank' }],
  ),
  spec(
    'calls',
    'hs_call_disposition',
    ['string', 'enumeration'],
    text,
    ['crmLastActivity.disposition'],
    [
      {
        canonical: 'crmLastActivity.disposition',
        transform: 'disposition GUID -> HubSpot label (see "Call dispositions"); unknown GUID -> as stored',
      },
    ],
  ),
];

export const CONTACT_PROPERTIES = propertiesOf('contacts');
export const DEAL_PROPERTIES = propertiesOf('deals');
export const CALL_PROPERTIES = propertiesOf('calls');

/** The properties of `object` a mapping reads (a connection's overridden ones in place of the defaults). */
export function propertiesOf(object: HubspotObjectType, mapping?: HubspotReadMapping): string[] {
  return (mapping?.specs ?? HUBSPOT_PROPERTY_SPECS).filter((s) => s.object === object).map((s) => s.property);
}

/** The mapping table in the connector's shape (docs/mapping-hubspot.md is tested against it). */
export const HUBSPOT_MAPPING_TABLE: readonly MappingRow[] = [
  {
    crmField: 'contacts.id',
    canonical: 'id, sourceId',
    transform: '`hubspot:` + record id (decimal)',
    expectedType: 'id',
  },
  ...HUBSPOT_PROPERTY_SPECS.flatMap((s) =>
    s.rows.map((r) => ({
      crmField: `${s.object}.${s.property}`,
      canonical: r.canonical,
      transform: r.transform,
      expectedType: s.types[0]!,
    })),
  ),
  { crmField: 'deals.id', canonical: 'openDeal.id', transform: '`hubspot:` + deal id', expectedType: 'id' },
];

// ---------------------------------------------------------------------------------------------
// Value tables
// ---------------------------------------------------------------------------------------------

/** lifecyclestage -> intent stage (internal values of HubSpot's default lifecycle stages). */
export const LIFECYCLE_STAGE_INTENT: Readonly<Record<string, IntentStage>> = {
  subscriber: 'NEW',
  lead: 'NEW',
  marketingqualifiedlead: 'QUALIFIED',
  salesqualifiedlead: 'QUALIFIED',
  opportunity: 'OPPORTUNITY',
  customer: 'CUSTOMER',
  evangelist: 'CUSTOMER',
  other: 'UNKNOWN',
};

/** hs_lead_status -> intent stage (HubSpot's default lead statuses). */
export const LEAD_STATUS_INTENT: Readonly<Record<string, IntentStage>> = {
  NEW: 'NEW',
  OPEN: 'ATTEMPTING',
  ATTEMPTED_TO_CONTACT: 'ATTEMPTING',
  CONNECTED: 'ENGAGED',
  IN_PROGRESS: 'ENGAGED',
  OPEN_DEAL: 'OPPORTUNITY',
  UNQUALIFIED: 'UNQUALIFIED',
  BAD_TIMING: 'UNQUALIFIED',
};

/** dealstage (default sales pipeline internal values) -> canonical deal stage. */
export const DEAL_STAGE_MAP: Readonly<Record<string, DealStage>> = {
  appointmentscheduled: 'QUALIFICATION',
  qualifiedtobuy: 'DISCOVERY',
  presentationscheduled: 'PROPOSAL',
  decisionmakerboughtin: 'NEGOTIATION',
  contractsent: 'NEGOTIATION',
  closedwon: 'CLOSED_WON',
  closedlost: 'CLOSED_LOST',
};

/** HubSpot's default call dispositions (GUIDs are the same in every portal). */
export const CALL_DISPOSITIONS: Readonly<Record<string, string>> = {
  '9d9162e7-6cf3-4944-bf63-4dff82258764': 'Busy',
  'f240bbac-87c9-4f6e-bf70-924b57d47db7': 'Connected',
  'a4c4c377-d246-4b32-a13b-75a56a4cd0ff': 'Left live message',
  'b2cf5968-551e-4856-9783-52b3da59a7d0': 'Left voicemail',
  '73a0d17f-1163-4015-bdd5-ec830791da20': 'No answer',
  '17b47fee-58de-441e-a44c-c6300d46f273': 'Wrong number',
};

/**
 * Intent stage from lifecycle stage and lead status, strongest signal first: a customer stays a
 * customer whatever the lead status; an explicit disqualification beats an early lifecycle stage;
 * otherwise the further along of the two wins.
 */
export function intentStageOf(lifecycle: string | null, leadStatus: string | null): IntentStage {
  const fromLifecycle = lifecycle === null ? null : (LIFECYCLE_STAGE_INTENT[lifecycle.toLowerCase()] ?? 'UNKNOWN');
  const fromStatus = leadStatus === null ? null : (LEAD_STATUS_INTENT[leadStatus.toUpperCase()] ?? 'UNKNOWN');
  if (fromLifecycle === 'CUSTOMER') return 'CUSTOMER';
  if (fromStatus === 'UNQUALIFIED') return 'UNQUALIFIED';
  const candidates = [fromLifecycle, fromStatus].filter((s): s is IntentStage => s !== null && s !== 'UNKNOWN');
  if (candidates.length === 0) return fromLifecycle === null && fromStatus === null ? 'NEW' : 'UNKNOWN';
  return candidates.reduce((a, b) => (INTENT_ORDER.indexOf(b) > INTENT_ORDER.indexOf(a) ? b : a));
}
const INTENT_ORDER: readonly IntentStage[] = [
  'NEW',
  'ATTEMPTING',
  'ENGAGED',
  'QUALIFIED',
  'OPPORTUNITY',
  'NEGOTIATION',
];

export function dealStageOf(
  crmStage: string | null,
  closed: boolean | null,
  won: boolean | null,
  stageMap: Readonly<Record<string, DealStage>> = DEAL_STAGE_MAP,
): DealStage | null {
  if (crmStage === null) return closed ? (won ? 'CLOSED_WON' : 'CLOSED_LOST') : null;
  // A connection's value map names stage ids exactly as its pipelines store them.
  const known = stageMap[crmStage] ?? stageMap[crmStage.toLowerCase()];
  if (known) return known;
  // Custom pipelines use numeric stage ids; HubSpot's own closed flags still place them.
  if (closed === true) return won ? 'CLOSED_WON' : 'CLOSED_LOST';
  return 'OTHER';
}

export function dispositionOf(raw: string | null): string | null {
  if (raw === null) return null;
  return CALL_DISPOSITIONS[raw.toLowerCase()] ?? raw;
}

/** Call bodies are HTML (`<p>…</p>`); a summary is plain text of bounded length. */
export function plainSummary(title: string | null, body: string | null): string | null {
  if (title) return title.slice(0, 200);
  if (!body) return null;
  const plain = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return plain === '' ? null : plain.slice(0, 200);
}

// ---------------------------------------------------------------------------------------------
// Source shape: read each property, telling drift from emptiness
// ---------------------------------------------------------------------------------------------

type Parsed = string | boolean | number | null;

/** Values of the properties that read cleanly; drifted ones are absent and listed in `drift`. */
export interface SourceRecord {
  id: string;
  values: Map<string, Parsed>;
  drift: { spec: HubspotPropertySpec; reason: FieldDrift['reason'] }[];
}

/**
 * The read mapping of one connection: the property specs with its overrides applied (an overridden
 * canonical field reads the portal's own property under the default key, so the mapping functions
 * do not change), the deal-stage map with its value map, and the version with the overrides'
 * fingerprint (part of the cache namespace). DEFAULT_HUBSPOT_MAPPING is the code's mapping.
 */
export interface HubspotReadMapping {
  readonly version: string;
  readonly specs: readonly HubspotPropertySpec[];
  readonly byObject: Readonly<Record<HubspotObjectType, readonly HubspotPropertySpec[]>>;
  readonly stageMap: Readonly<Record<string, DealStage>>;
}

function byObjectOf(specs: readonly HubspotPropertySpec[]): HubspotReadMapping['byObject'] {
  return {
    contacts: specs.filter((s) => s.object === 'contacts'),
    deals: specs.filter((s) => s.object === 'deals'),
    calls: specs.filter((s) => s.object === 'calls'),
  };
}

export const DEFAULT_HUBSPOT_MAPPING: HubspotReadMapping = {
  version: HUBSPOT_MAPPING_VERSION,
  specs: HUBSPOT_PROPERTY_SPECS,
  byObject: byObjectOf(HUBSPOT_PROPERTY_SPECS),
  stageMap: DEAL_STAGE_MAP,
};

/**
 * The mapping of a connection with `overrides` (canonical path → portal property, validated when
 * saved; a malformed one throws MAPPING_OVERRIDE_INVALID here too).
 */
export function hubspotReadMapping(overrides: Readonly<Record<string, string>> = {}): HubspotReadMapping {
  if (Object.keys(overrides).length === 0) return DEFAULT_HUBSPOT_MAPPING;
  const parsed = parseMappingOverrides(overrides, HUBSPOT_OVERRIDABLE);
  const specs = HUBSPOT_PROPERTY_SPECS.map((s) => {
    const over = HUBSPOT_OVERRIDABLE.find((o) => o.object === s.object && o.defaultField === s.key);
    const property = over && parsed.fields.get(over.path);
    return property && over ? { ...s, property, types: over.types } : s;
  });
  return {
    version: mappingVersionWith(HUBSPOT_MAPPING_VERSION, overrides),
    specs,
    byObject: byObjectOf(specs),
    stageMap: { ...DEAL_STAGE_MAP, ...Object.fromEntries(parsed.stageValues) },
  };
}

export function readSource(
  object: HubspotObjectType,
  record: HubspotObject,
  mapping: HubspotReadMapping = DEFAULT_HUBSPOT_MAPPING,
): SourceRecord {
  const values = new Map<string, Parsed>();
  const drift: SourceRecord['drift'] = [];
  for (const s of mapping.byObject[object]) {
    if (!Object.hasOwn(record.properties, s.property)) {
      drift.push({ spec: s, reason: 'missing' });
      continue;
    }
    const parsed = s.parser.safeParse(record.properties[s.property]);
    if (parsed.success) values.set(s.key, parsed.data);
    else drift.push({ spec: s, reason: 'invalid' });
  }
  return { id: record.id, values, drift };
}

// ---------------------------------------------------------------------------------------------
// Canonical shape
// ---------------------------------------------------------------------------------------------

/** A contact as read, with the deals and calls associated with it. */
export interface HubspotContactBundle {
  contact: HubspotObject;
  deals: HubspotObject[];
  calls: HubspotObject[];
}

export function toCanonicalContact(
  bundle: HubspotContactBundle,
  mapping: HubspotReadMapping = DEFAULT_HUBSPOT_MAPPING,
): { contact: CanonicalContact; drift: FieldDrift[] } {
  const c = readSource('contacts', bundle.contact, mapping);
  const deals = bundle.deals.map((d) => readSource('deals', d, mapping));
  const calls = bundle.calls.map((d) => readSource('calls', d, mapping));

  const drift = new Map<string, FieldDrift>();
  for (const r of [c, ...deals, ...calls]) {
    for (const d of r.drift) {
      for (const field of d.spec.feeds) {
        const key = `${field}|${d.spec.object}.${d.spec.property}`;
        if (!drift.has(key))
          drift.set(key, { field, crmField: `${d.spec.object}.${d.spec.property}`, reason: d.reason });
      }
    }
  }
  const drifted = (path: string) => [...drift.values()].some((d) => d.field === path || d.field === path.split('.')[0]);
  const str = (r: SourceRecord, p: string) => (r.values.get(p) ?? null) as string | null;
  const flag = (r: SourceRecord, p: string) => (r.values.get(p) ?? null) as boolean | null;

  const first = str(c, 'firstname');
  const last = str(c, 'lastname');
  const country = normalizeCountry(str(c, 'country'));

  const phones = drifted('phones') ? null : phonesOf(str(c, 'mobilephone'), str(c, 'phone'), country);
  const contact: CanonicalContact = {
    id: globalId('hubspot', bundle.contact.id),
    source: 'hubspot',
    sourceId: bundle.contact.id,
    name: {
      first,
      last,
      full: drifted('name.full') ? null : [first, last].filter(Boolean).join(' ') || null,
    },
    email: str(c, 'email'),
    phones,
    primaryPhone: phones === null ? null : primaryPhoneOf(phones),
    timeZone: hubspotTimeZoneToIana(str(c, 'hs_timezone')),
    location: {
      country,
      state: normalizeState(str(c, 'state'), country),
      city: str(c, 'city'),
      postalCode: str(c, 'zip'),
    },
    crmIntentStage: null,
    openDeal: drifted('openDeal') ? null : openDealOf(deals, mapping.stageMap),
    crmLastActivity: drifted('crmLastActivity') ? null : lastActivityOf(calls),
    suppression: {
      // `false` for blank: HubSpot leaves an unticked checkbox empty. Null only when drifted.
      doNotCall: drifted('suppression.doNotCall') ? null : (flag(c, 'dialplane_do_not_call') ?? false),
      emailOptOut: drifted('suppression.emailOptOut') ? null : (flag(c, 'hs_email_optout') ?? false),
    },
  };
  if (!drifted('crmIntentStage')) {
    contact.crmIntentStage = refineWithDeal(
      intentStageOf(str(c, 'lifecyclestage'), str(c, 'hs_lead_status')),
      contact.openDeal,
    );
  }
  return { contact, drift: [...drift.values()] };
}

/**
 * HubSpot's lifecycle stage says "opportunity" for the whole life of a deal; the picked deal says
 * where it stands (negotiating, won, lost), as the Salesforce mapping reads it from the stage.
 */
export function refineWithDeal(stage: IntentStage, deal: CanonicalDeal | null): IntentStage {
  if (stage !== 'OPPORTUNITY' || !deal) return stage;
  if (deal.stage === 'NEGOTIATION') return 'NEGOTIATION';
  if (deal.stage === 'CLOSED_WON') return 'CUSTOMER';
  if (deal.stage === 'CLOSED_LOST') return 'LOST';
  return stage;
}

function phonesOf(mobile: string | null, work: string | null, country: string | null): CanonicalPhone[] {
  const region = country && /^[A-Z]{2}$/.test(country) ? (country as CountryCode) : undefined;
  const out: CanonicalPhone[] = [];
  for (const [raw, type] of [
    [mobile, 'MOBILE'],
    [work, 'WORK'],
  ] as [string | null, PhoneType][]) {
    if (raw === null) continue;
    const n = normalizePhone(raw, region);
    out.push({ e164: n?.e164 ?? null, raw, type, extension: n?.extension ?? null, valid: n?.valid ?? false });
  }
  return out;
}

function primaryPhoneOf(phones: CanonicalPhone[]): string | null {
  return (phones.find((p) => p.valid && p.type === 'MOBILE') ?? phones.find((p) => p.valid))?.e164 ?? null;
}

function openDealOf(deals: SourceRecord[], stageMap: Readonly<Record<string, DealStage>>): CanonicalDeal | null {
  if (deals.length === 0) return null;
  const view = deals.map((d) => {
    const closed = (d.values.get('hs_is_closed') ?? null) as boolean | null;
    const won = (d.values.get('hs_is_closed_won') ?? null) as boolean | null;
    const crmStage = (d.values.get('dealstage') ?? null) as string | null;
    const close = (d.values.get('closedate') ?? null) as string | null;
    const stage = d.values.has('dealstage') ? dealStageOf(crmStage, closed, won, stageMap) : null;
    return {
      deal: {
        id: globalId('hubspot', d.id),
        name: (d.values.get('dealname') ?? null) as string | null,
        stage,
        crmStage,
        closed: closed ?? (stage === 'CLOSED_WON' || stage === 'CLOSED_LOST'),
        won: won ?? stage === 'CLOSED_WON',
        amount: (d.values.get('amount') ?? null) as number | null,
        closeDate: close ? close.slice(0, 10) : null,
      } satisfies CanonicalDeal,
      closeMs: close ? Date.parse(close) : null,
    };
  });
  const open = view
    .filter((v) => !v.deal.closed)
    .sort((a, b) => (a.closeMs ?? Infinity) - (b.closeMs ?? Infinity) || a.deal.id.localeCompare(b.deal.id));
  if (open.length > 0) return open[0]!.deal;
  const closed = [...view].sort(
    (a, b) => (b.closeMs ?? -Infinity) - (a.closeMs ?? -Infinity) || a.deal.id.localeCompare(b.deal.id),
  );
  return closed[0]!.deal;
}

function lastActivityOf(calls: SourceRecord[]): CanonicalActivity | null {
  if (calls.length === 0) return null;
  const at = (r: SourceRecord) => (r.values.get('hs_timestamp') ?? null) as string | null;
  const latest = [...calls].sort(
    (a, b) => (Date.parse(at(b) ?? '') || 0) - (Date.parse(at(a) ?? '') || 0) || b.id.localeCompare(a.id),
  )[0]!;
  const type: ActivityType = 'CALL';
  return {
    at: at(latest),
    summary: plainSummary(
      (latest.values.get('hs_call_title') ?? null) as string | null,
      (latest.values.get('hs_call_body') ?? null) as string | null,
    ),
    disposition: dispositionOf((latest.values.get('hs_call_disposition') ?? null) as string | null),
    type,
  };
}

/** Canonical paths a change to `property` on a contact affects (webhooks); empty when none. */
export function canonicalFieldsOfContactProperty(
  property: string,
  mapping: HubspotReadMapping = DEFAULT_HUBSPOT_MAPPING,
): string[] {
  const s = mapping.byObject.contacts.find((p) => p.property === property);
  return s ? [...s.feeds] : [];
}

/** The default key a portal property is read under (its own name unless a connection's override maps it). */
export function keyOfProperty(
  object: HubspotObjectType,
  property: string,
  mapping: HubspotReadMapping = DEFAULT_HUBSPOT_MAPPING,
): string | undefined {
  return mapping.byObject[object].find((p) => p.property === property)?.key;
}

/** True when the mapping reads `property` of `object` (a change to it can change a canonical contact). */
export function readsProperty(
  object: HubspotObjectType,
  property: string,
  mapping: HubspotReadMapping = DEFAULT_HUBSPOT_MAPPING,
): boolean {
  return mapping.byObject[object].some((p) => p.property === property);
}
