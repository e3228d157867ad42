import { AssociationMap } from './association-map.js';
import { ChildLayout } from './child-layout.js';
import { generatorContext, type DatasetOptions, type GeneratorContext } from './dataset-options.js';
import { DAY_MS, hubspotDate, hubspotDateTime } from './dates.js';
import { demoSpec } from './demo-contacts.js';
import { hubspotId, hubspotRowOf, type HubspotObjectType } from './hubspot-ids.js';
import { identityOf } from './identity.js';
import { personAt } from './person.js';
import { calculatedFromDigits, formatPhone, HUBSPOT_PHONE_STYLE_WEIGHTS, unusablePhone } from './phone-format.js';
import { cumulativeWeights, Rng, Stream } from './prng.js';
import { RecordTable } from './record-table.js';
import { recordEmail, recordNames, stateValue } from './record-style.js';
import type { ContactTruth } from './salesforce-dataset.js';
import {
  HS_CALL_DISPOSITION_WEIGHTS,
  HS_CALL_DISPOSITIONS,
  HS_DEAL_STAGE_WEIGHTS,
  HS_DEAL_STAGES,
  HS_LEAD_STATUSES,
  hubspotTimeZoneValue,
  PRODUCTS,
} from './vocabulary.js';

/** A HubSpot CRM object as the v3 API returns it (all property values are strings or null). */
export interface HubspotObject {
  readonly id: string;
  readonly properties: Readonly<Record<string, string | null>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly archived: false;
}

export interface HubspotDataset {
  readonly contacts: RecordTable<HubspotObject>;
  readonly deals: RecordTable<HubspotObject>;
  readonly calls: RecordTable<HubspotObject>;
  readonly associations: {
    /** contact id -> deal ids */
    readonly contactDeals: AssociationMap;
    /** contact id -> call ids */
    readonly contactCalls: AssociationMap;
  };
}

export const HubspotRates = {
  unusablePhone: 0.02,
  missingPhone: 0.015,
  /** dialplane_do_not_call = "true" */
  doNotCall: 0.04,
  /** dialplane_do_not_call unset (null): portals add custom properties after contacts exist. */
  doNotCallUnset: 0.3,
  emailOptOut: 0.06,
  timeZoneSet: 0.6,
} as const;

const STAGE_WEIGHTS = cumulativeWeights(HS_DEAL_STAGE_WEIGHTS);
const DISPOSITION_WEIGHTS = cumulativeWeights(HS_CALL_DISPOSITION_WEIGHTS);
const STYLE_WEIGHTS = cumulativeWeights(HUBSPOT_PHONE_STYLE_WEIGHTS);
const CALL_COUNT_WEIGHTS = cumulativeWeights([38, 25, 17, 11, 5, 2, 1, 1]);
const CALL_NOTES = [
  '<p>Discussed timeline for rollout.</p>',
  '<p>Asked for a callback next week.</p>',
  'Left a short message.',
  '<p>Interested in the annual plan.</p>',
  '',
  null,
] as const;

interface ContactPlan {
  readonly createdMs: number;
  readonly stages: readonly number[];
  readonly callTimes: readonly number[];
}

/**
 * A deterministic HubSpot portal: contacts (messy phones with HubSpot's calculated searchable
 * phone properties, custom `dialplane_do_not_call`, duplicates), deals in every default-pipeline
 * stage, calls with disposition GUIDs, and contact->deal / contact->call associations. Lazy like
 * the Salesforce dataset.
 */
export function generateHubspotDataset(options: DatasetOptions = {}): HubspotDataset {
  const ctx = generatorContext(options);
  const n = ctx.contacts;
  const [deals, calls] = ChildLayout.several(n, 2, (row) => {
    const plan = contactPlan(ctx, row);
    return [plan.stages.length, plan.callTimes.length];
  });
  const table = (type: HubspotObjectType, baseSize: number, generate: (row: number) => HubspotObject) =>
    new RecordTable<HubspotObject>({
      name: type,
      idKey: 'id',
      baseSize,
      idAt: (row) => hubspotId(type, row),
      rowOf: (id) => hubspotRowOf(type, id),
      generate,
    });
  const contactId = (row: number) => hubspotId('contacts', row);
  const contactRow = (id: string) => hubspotRowOf('contacts', id);
  return {
    contacts: table('contacts', n, (row) => buildContact(ctx, row).record),
    deals: table('deals', deals.total, (row) => buildDeal(ctx, deals, row)),
    calls: table('calls', calls.total, (row) => buildCall(ctx, calls, row)),
    associations: {
      contactDeals: new AssociationMap(deals, contactId, contactRow, (row) => hubspotId('deals', row)),
      contactCalls: new AssociationMap(calls, contactId, contactRow, (row) => hubspotId('calls', row)),
    },
  };
}

/** Ground truth about HubSpot contact `row` of a dataset generated with `options`. */
export function describeHubspotContact(options: DatasetOptions, row: number): ContactTruth {
  return buildContact(generatorContext(options), row).truth;
}

function contactPlan(ctx: GeneratorContext, row: number): ContactPlan {
  const rng = Rng.for(ctx.seedHash, Stream.hsContactPlan, row);
  const createdMs = ctx.epochMs - rng.between(20, 1400) * DAY_MS - rng.int(DAY_MS);
  const demo = demoSpec('hubspot', row);
  let stages: number[];
  let callCount: number;
  if (demo) {
    stages = demo.stages.map((name) => HS_DEAL_STAGES.findIndex((s) => s.stage === name));
    callCount = demo.calls;
  } else {
    const r = rng.next();
    const dealCount = r < 0.6 ? 0 : r < 0.88 ? 1 : r < 0.98 ? 2 : 3;
    stages = [];
    for (let i = 0; i < dealCount; i++) stages.push(rng.weighted(STAGE_WEIGHTS));
    callCount = rng.weighted(CALL_COUNT_WEIGHTS);
  }
  const callTimes: number[] = [];
  for (let i = 0; i < callCount; i++) callTimes.push(createdMs + Math.floor(rng.next() * (ctx.epochMs - createdMs)));
  callTimes.sort((a, b) => a - b);
  return { createdMs, stages, callTimes };
}

/** Lifecycle stage and lead status follow the deals, as HubSpot's automation would set them. */
function lifecycle(stages: readonly number[], rng: Rng): { lifecyclestage: string; hs_lead_status: string | null } {
  const won = stages.some((s) => HS_DEAL_STAGES[s].won);
  const open = stages.some((s) => !HS_DEAL_STAGES[s].closed);
  if (won)
    return {
      lifecyclestage: rng.chance(0.1) ? 'evangelist' : 'customer',
      hs_lead_status: rng.chance(0.5) ? 'CONNECTED' : null,
    };
  if (open)
    return { lifecyclestage: rng.chance(0.7) ? 'opportunity' : 'salesqualifiedlead', hs_lead_status: 'OPEN_DEAL' };
  if (stages.length > 0)
    return {
      lifecyclestage: rng.pick(['lead', 'other', 'salesqualifiedlead']),
      hs_lead_status: rng.pick(['UNQUALIFIED', 'BAD_TIMING', null]),
    };
  return {
    lifecyclestage: rng.pick(['subscriber', 'lead', 'lead', 'marketingqualifiedlead', 'other']),
    hs_lead_status: rng.chance(0.3) ? null : rng.pick(HS_LEAD_STATUSES.filter((s) => s !== 'OPEN_DEAL')),
  };
}

function buildContact(ctx: GeneratorContext, row: number): { record: HubspotObject; truth: ContactTruth } {
  const identity = identityOf(ctx.seedHash, 'hubspot', row);
  const person = personAt(ctx.seedHash, identity.person);
  const plan = contactPlan(ctx, row);
  const demo = demoSpec('hubspot', row);
  const rng = Rng.for(ctx.seedHash, Stream.hsContact, row);
  const duplicate = identity.duplicateOf !== null;
  // Demo records stay tidy so examples read well; everyone else gets typed by people.
  const names = demo ? { first: person.first, last: person.last } : recordNames(person, duplicate, rng);

  let mainDigits = person.phone;
  let mobileDigits = person.mobile;
  if (duplicate && person.mobile && rng.chance(0.3)) [mainDigits, mobileDigits] = [person.mobile, person.phone];
  const phoneRoll = rng.next();
  let phone: string | null;
  let phoneDigits: string | null = mainDigits;
  if (demo) {
    phone = demo.phone;
    phoneDigits =
      demo.phone
        .replace(/x.*$/, '')
        .replace(/\D/g, '')
        .replace(/^1(?=\d{10}$)/, '').length === 10
        ? person.phone
        : null;
  } else if (phoneRoll < HubspotRates.unusablePhone) {
    phone = unusablePhone(mainDigits, rng);
    phoneDigits = null;
  } else if (phoneRoll < HubspotRates.unusablePhone + HubspotRates.missingPhone) {
    phone = null;
    phoneDigits = null;
  } else {
    phone = formatPhone(mainDigits, rng.weighted(STYLE_WEIGHTS), rng);
  }
  let mobile: string | null = null;
  let mobileKnown: string | null = null;
  if (demo) {
    mobile = demo.mobile;
    mobileKnown = demo.mobile ? person.mobile : null;
  } else if (mobileDigits && rng.chance(0.55)) {
    mobile = formatPhone(mobileDigits, rng.weighted(STYLE_WEIGHTS), rng);
    mobileKnown = mobileDigits;
  }

  const hasAddress = demo !== undefined || rng.chance(0.8);
  const area = person.addressArea;
  const dncRoll = rng.next();
  const dnc = demo
    ? String(demo.doNotCall)
    : dncRoll < HubspotRates.doNotCall
      ? 'true'
      : dncRoll < HubspotRates.doNotCall + HubspotRates.doNotCallUnset
        ? null
        : 'false';
  const optRoll = rng.next();
  const optOut = demo
    ? String(demo.emailOptOut)
    : optRoll < HubspotRates.emailOptOut
      ? 'true'
      : optRoll < 0.7
        ? 'false'
        : null;
  // HubSpot sets hs_timezone from the address/IP, so it follows the address, not the area code.
  const tzRoll = rng.next();
  const timeZone =
    demo || rng.chance(HubspotRates.timeZoneSet)
      ? hubspotTimeZoneValue(
          person.addressPlace.zone,
          demo ? 'slug' : tzRoll < 0.65 ? 'slug' : tzRoll < 0.95 ? 'legacy' : 'iana',
        )
      : null;
  const { lifecyclestage, hs_lead_status } = lifecycle(plan.stages, rng);
  const lastCall = plan.callTimes.length > 0 ? plan.callTimes[plan.callTimes.length - 1] : null;
  const createdAt = hubspotDateTime(plan.createdMs);
  const updatedMs = Math.max(lastCall ?? 0, plan.createdMs + Math.floor(rng.next() * (ctx.epochMs - plan.createdMs)));
  const updatedAt = hubspotDateTime(updatedMs);
  const id = hubspotId('contacts', row);

  const properties: Record<string, string | null> = {
    hs_object_id: id,
    firstname: names.first,
    lastname: !demo && rng.chance(0.03) ? null : names.last,
    email: demo ? `${person.emailLocal}@${person.emailDomain}` : recordEmail(person, duplicate, rng),
    phone,
    mobilephone: mobile,
    ...calculatedFromDigits(phoneDigits, mobileKnown),
    company: rng.chance(0.75) ? person.company : null,
    jobtitle: rng.chance(0.6) ? person.title : null,
    address: hasAddress ? person.street : null,
    city: hasAddress ? person.addressPlace.city : null,
    state: hasAddress ? (demo ? area.state : stateValue(area.state, rng)) : null,
    zip: hasAddress ? person.postalCode : null,
    country: hasAddress
      ? demo
        ? area.country === 'CA'
          ? 'Canada'
          : 'United States'
        : hubspotCountry(area.country, rng)
      : null,
    hs_timezone: timeZone,
    lifecyclestage,
    hs_lead_status,
    hs_email_optout: optOut,
    dialplane_do_not_call: dnc,
    notes_last_contacted: lastCall === null ? null : hubspotDateTime(lastCall),
    createdate: createdAt,
    lastmodifieddate: updatedAt,
  };
  const record: HubspotObject = Object.freeze({
    id,
    properties: Object.freeze(properties),
    createdAt,
    updatedAt,
    archived: false as const,
  });
  const truth: ContactTruth = {
    person: identity.person,
    duplicateOf: identity.duplicateOf,
    row,
    phoneUsable: phoneDigits !== null,
    phoneDigits: phone === null ? null : demo ? person.phone : mainDigits,
    phoneZone: person.phonePlace.zone,
    splitZoneAreaCode: person.phoneArea.splitZone,
    country: person.phoneArea.country,
    addressDisagrees: person.addressDisagrees,
  };
  return { record, truth };
}

function hubspotCountry(country: 'US' | 'CA' | 'PR', rng: Rng): string | null {
  if (country === 'CA') return 'Canada';
  if (country === 'PR') return rng.chance(0.5) ? 'Puerto Rico' : 'United States';
  const r = rng.next();
  return r < 0.7 ? 'United States' : r < 0.9 ? 'US' : null;
}

function buildDeal(ctx: GeneratorContext, layout: ChildLayout, row: number): HubspotObject {
  const contact = layout.parentOf(row);
  const plan = contactPlan(ctx, contact);
  const stage = HS_DEAL_STAGES[plan.stages[row - layout.start(contact)]];
  const rng = Rng.for(ctx.seedHash, Stream.hsDeal, row);
  const createdMs = plan.createdMs + Math.floor(rng.next() * (ctx.epochMs - plan.createdMs));
  const closeMs = stage.closed
    ? createdMs + Math.floor(rng.next() * (ctx.epochMs - createdMs))
    : ctx.epochMs + rng.between(7, 120) * DAY_MS;
  const updatedMs = Math.min(
    ctx.epochMs,
    Math.max(createdMs, stage.closed ? closeMs : createdMs + Math.floor(rng.next() * (ctx.epochMs - createdMs))),
  );
  const id = hubspotId('deals', row);
  const createdAt = hubspotDateTime(createdMs);
  const updatedAt = hubspotDateTime(updatedMs);
  const properties: Record<string, string | null> = {
    hs_object_id: id,
    dealname: `${rng.pick(PRODUCTS)} #${row + 1}`,
    pipeline: 'default',
    dealstage: stage.stage,
    hs_deal_stage_probability: stage.probability,
    amount: String(rng.between(4, 600) * 250),
    closedate: hubspotDate(closeMs),
    hs_is_closed: String(stage.closed),
    hs_is_closed_won: String(stage.won),
    createdate: createdAt,
    hs_lastmodifieddate: updatedAt,
  };
  return Object.freeze({ id, properties: Object.freeze(properties), createdAt, updatedAt, archived: false as const });
}

function buildCall(ctx: GeneratorContext, layout: ChildLayout, row: number): HubspotObject {
  const contact = layout.parentOf(row);
  const plan = contactPlan(ctx, contact);
  const atMs = plan.callTimes[row - layout.start(contact)];
  const rng = Rng.for(ctx.seedHash, Stream.hsCall, row);
  const disposition = HS_CALL_DISPOSITIONS[rng.weighted(DISPOSITION_WEIGHTS)];
  const inbound = rng.chance(0.1);
  const durationMs = disposition.connected ? rng.between(45, 1200) * 1000 : rng.between(0, 40) * 1000;
  const status =
    disposition.label === 'Busy'
      ? 'BUSY'
      : disposition.label === 'No answer'
        ? rng.pick(['COMPLETED', 'NO_ANSWER'])
        : rng.chance(0.03)
          ? 'FAILED'
          : 'COMPLETED';
  const id = hubspotId('calls', row);
  const createdAt = hubspotDateTime(atMs);
  const updatedAt = hubspotDateTime(atMs + durationMs + rng.int(60_000));
  const properties: Record<string, string | null> = {
    hs_object_id: id,
    hs_timestamp: createdAt,
    hs_call_title: inbound ? 'Inbound call' : rng.pick(['Outbound call', 'Follow-up call', 'Discovery call', null]),
    hs_call_body: rng.pick(CALL_NOTES),
    hs_call_direction: inbound ? 'INBOUND' : 'OUTBOUND',
    hs_call_disposition: disposition.guid,
    hs_call_status: status,
    hs_call_duration: String(durationMs),
    dialplane_key: null,
    hs_createdate: createdAt,
    hs_lastmodifieddate: updatedAt,
  };
  return Object.freeze({ id, properties: Object.freeze(properties), createdAt, updatedAt, archived: false as const });
}
