import { AREA_CODES } from './area-codes.js';
import { ChildLayout } from './child-layout.js';
import { generatorContext, type DatasetOptions, type GeneratorContext } from './dataset-options.js';
import { DAY_MS, isoDate, salesforceDateTime } from './dates.js';
import { demoSpec } from './demo-contacts.js';
import { identityOf, type RecordIdentity } from './identity.js';
import { nationalNumber, personAt, type Person } from './person.js';
import { formatPhone, SALESFORCE_PHONE_STYLE_WEIGHTS, unusablePhone } from './phone-format.js';
import { cumulativeWeights, Rng, Stream } from './prng.js';
import { RecordTable } from './record-table.js';
import { KeyPrefix, salesforceId, salesforceRowOf } from './salesforce-ids.js';
import { recordNames, recordEmail, stateValue } from './record-style.js';
import {
  COMPANY_KINDS,
  COMPANY_WORDS,
  INDUSTRIES,
  PRODUCTS,
  SF_ACCOUNT_TYPES,
  SF_CALL_DISPOSITION_WEIGHTS,
  SF_CALL_DISPOSITIONS,
  SF_CALL_SUBJECTS,
  SF_LEAD_SOURCES,
  SF_OTHER_TASK_SUBJECTS,
  SF_SALUTATIONS,
  SF_STAGE_WEIGHTS,
  SF_STAGES,
} from './vocabulary.js';

export type SfValue = string | number | boolean | null;

/** A flat Salesforce record with API field names (as a REST query returns it, minus `attributes`). */
export interface SfRecord {
  readonly Id: string;
  readonly [field: string]: SfValue;
}

export interface SalesforceDataset {
  readonly Contact: RecordTable<SfRecord>;
  readonly Opportunity: RecordTable<SfRecord>;
  /** One primary contact role per generated opportunity (row for row), naming the same contact as its ContactId. */
  readonly OpportunityContactRole: RecordTable<SfRecord>;
  readonly Task: RecordTable<SfRecord>;
  readonly Account: RecordTable<SfRecord>;
}

/** Rates the tests hold the generator to. */
export const SalesforceRates = {
  unusablePhone: 0.02,
  missingPhone: 0.015,
  doNotCall: 0.04,
  emailOptOut: 0.07,
} as const;

/** Contacts per account (rows 3a..3a+2 belong to account a). */
const CONTACTS_PER_ACCOUNT = 3;
const OWNERS = 8;
const STAGE_WEIGHTS = cumulativeWeights(SF_STAGE_WEIGHTS);
const DISPOSITION_WEIGHTS = cumulativeWeights(SF_CALL_DISPOSITION_WEIGHTS);
const STYLE_WEIGHTS = cumulativeWeights(SALESFORCE_PHONE_STYLE_WEIGHTS);
const TASK_COUNT_WEIGHTS = cumulativeWeights([35, 25, 18, 12, 6, 2, 1, 1]);
const AREA_WEIGHTS = cumulativeWeights(AREA_CODES.map((a) => a.weight));
const TASK_NOTES = [
  'Discussed renewal timing.',
  'Asked to call back next quarter.',
  'Requested pricing sheet.',
  'Gatekeeper answered; decision maker out.',
  'Reviewed proposal options.',
  null,
  null,
] as const;

/** What a contact row has besides its own fields: when it appeared, its deals and its calls. */
interface ContactPlan {
  readonly createdMs: number;
  readonly stages: readonly number[];
  readonly taskTimes: readonly number[];
}

/** Ground truth about a generated contact, for tests and examples. */
export interface ContactTruth extends RecordIdentity {
  readonly row: number;
  /** Whether the Phone field holds a dialable number. */
  readonly phoneUsable: boolean;
  /** 10 national digits behind the Phone field (also for unusable values), null when empty. */
  readonly phoneDigits: string | null;
  /** IANA zone where the phone's area code rings for this person. */
  readonly phoneZone: string;
  readonly splitZoneAreaCode: boolean;
  readonly country: 'US' | 'CA' | 'PR';
  readonly addressDisagrees: boolean;
}

/**
 * A deterministic Salesforce org: Contacts (with messy phones, DoNotCall, duplicates), their
 * Accounts, Opportunities in every stage and call Tasks with dispositions. Rows are generated on
 * demand, so this returns at once even for a million contacts (it only lays out child counts).
 */
export function generateSalesforceDataset(options: DatasetOptions = {}): SalesforceDataset {
  const ctx = generatorContext(options);
  const n = ctx.contacts;
  const [opportunities, tasks] = ChildLayout.several(n, 2, (row) => {
    const plan = contactPlan(ctx, row);
    return [plan.stages.length, plan.taskTimes.length];
  });
  const accounts = Math.ceil(n / CONTACTS_PER_ACCOUNT);
  const table = (name: string, prefix: string, baseSize: number, generate: (row: number) => SfRecord) =>
    new RecordTable<SfRecord>({
      name,
      idKey: 'Id',
      baseSize,
      idAt: (row) => salesforceId(prefix, row),
      rowOf: (id) => salesforceRowOf(prefix, id),
      generate,
    });
  return {
    Contact: table('Contact', KeyPrefix.Contact, n, (row) => buildContact(ctx, row).record),
    Opportunity: table('Opportunity', KeyPrefix.Opportunity, opportunities.total, (row) =>
      buildOpportunity(ctx, opportunities, row),
    ),
    OpportunityContactRole: table(
      'OpportunityContactRole',
      KeyPrefix.OpportunityContactRole,
      opportunities.total,
      (row) => buildContactRole(ctx, opportunities, row),
    ),
    Task: table('Task', KeyPrefix.Task, tasks.total, (row) => buildTask(ctx, tasks, opportunities, row)),
    Account: table('Account', KeyPrefix.Account, accounts, (row) => buildAccount(ctx, row)),
  };
}

/** Ground truth about Salesforce contact `row` of a dataset generated with `options`. */
export function describeSalesforceContact(options: DatasetOptions, row: number): ContactTruth {
  return buildContact(generatorContext(options), row).truth;
}

function contactPlan(ctx: GeneratorContext, row: number): ContactPlan {
  const rng = Rng.for(ctx.seedHash, Stream.sfContactPlan, row);
  const createdMs = ctx.epochMs - rng.between(20, 1400) * DAY_MS - rng.int(DAY_MS);
  const demo = demoSpec('salesforce', row);
  let stages: number[];
  let taskCount: number;
  if (demo) {
    stages = demo.stages.map((name) => SF_STAGES.findIndex((s) => s.stage === name));
    taskCount = demo.calls;
  } else {
    const r = rng.next();
    const oppCount = r < 0.55 ? 0 : r < 0.85 ? 1 : r < 0.97 ? 2 : 3;
    stages = [];
    for (let i = 0; i < oppCount; i++) stages.push(rng.weighted(STAGE_WEIGHTS));
    taskCount = rng.weighted(TASK_COUNT_WEIGHTS);
  }
  const taskTimes: number[] = [];
  for (let i = 0; i < taskCount; i++) taskTimes.push(createdMs + Math.floor(rng.next() * (ctx.epochMs - createdMs)));
  taskTimes.sort((a, b) => a - b);
  return { createdMs, stages, taskTimes };
}

const OWNER_IDS: readonly string[] = Array.from({ length: OWNERS }, (_, i) => salesforceId(KeyPrefix.User, i));

function owner(rng: Rng): string {
  return OWNER_IDS[rng.int(OWNERS)];
}

/**
 * CreatedDate, LastModifiedDate, SystemModstamp (modified some time after creation, before
 * `latestMs`), CreatedById, LastModifiedById.
 */
function stamps(createdMs: number, latestMs: number, rng: Rng): [string, string, string, string, string] {
  const modified = createdMs + Math.floor(rng.next() * Math.max(0, latestMs - createdMs));
  return [
    salesforceDateTime(createdMs),
    salesforceDateTime(modified),
    salesforceDateTime(Math.min(latestMs, modified + rng.int(5_000))),
    owner(rng),
    owner(rng),
  ];
}

function buildContact(ctx: GeneratorContext, row: number): { record: SfRecord; truth: ContactTruth } {
  const identity = identityOf(ctx.seedHash, 'salesforce', row);
  const person: Person = personAt(ctx.seedHash, identity.person);
  const plan = contactPlan(ctx, row);
  const demo = demoSpec('salesforce', row);
  const rng = Rng.for(ctx.seedHash, Stream.sfContact, row);
  const duplicate = identity.duplicateOf !== null;
  // Demo records stay tidy so examples read well; everyone else gets typed by people.
  const names = demo ? { first: person.first, last: person.last } : recordNames(person, duplicate, rng);

  // A duplicate often carries the person's mobile as its main phone.
  let mainDigits = person.phone;
  let mobileDigits = person.mobile;
  if (duplicate && person.mobile && rng.chance(0.3)) [mainDigits, mobileDigits] = [person.mobile, person.phone];
  const phoneRoll = rng.next();
  let phone: string | null;
  let phoneUsable = true;
  if (demo) {
    phone = demo.phone;
    phoneUsable = demo.phone.replace(/x.*$/, '').replace(/\D/g, '').length >= 10;
  } else if (phoneRoll < SalesforceRates.unusablePhone) {
    phone = unusablePhone(mainDigits, rng);
    phoneUsable = false;
  } else if (phoneRoll < SalesforceRates.unusablePhone + SalesforceRates.missingPhone) {
    phone = null;
    phoneUsable = false;
  } else {
    phone = formatPhone(mainDigits, rng.weighted(STYLE_WEIGHTS), rng);
  }
  const mobile = demo
    ? demo.mobile
    : mobileDigits && rng.chance(0.6)
      ? formatPhone(mobileDigits, rng.weighted(STYLE_WEIGHTS), rng)
      : null;
  const home =
    !demo && person.home && rng.chance(0.7) ? formatPhone(person.home, rng.weighted(STYLE_WEIGHTS), rng) : null;
  // Now and then an office switchboard typed into OtherPhone: dialable, but not this person's line.
  const other =
    !demo && rng.chance(0.03)
      ? formatPhone(nationalNumber(person.phoneArea.npa, rng), rng.weighted(STYLE_WEIGHTS), rng)
      : null;

  const hasAddress = demo !== undefined || rng.chance(0.88);
  const area = person.addressArea;
  const doNotCall = demo ? demo.doNotCall : rng.chance(SalesforceRates.doNotCall);
  const emailOptOut = demo ? demo.emailOptOut : rng.chance(SalesforceRates.emailOptOut);
  const lastTask = plan.taskTimes.length > 0 ? plan.taskTimes[plan.taskTimes.length - 1] : null;

  const st = stamps(plan.createdMs, ctx.epochMs, rng);
  const record: SfRecord = Object.freeze({
    Id: salesforceId(KeyPrefix.Contact, row),
    IsDeleted: false,
    AccountId: salesforceId(KeyPrefix.Account, Math.floor(row / CONTACTS_PER_ACCOUNT)),
    Salutation: !demo && rng.chance(0.35) ? rng.pick(SF_SALUTATIONS) : null,
    FirstName: names.first,
    LastName: names.last,
    Name: names.first ? `${names.first} ${names.last}` : names.last,
    Title: rng.chance(0.7) ? person.title : null,
    Email: demo ? `${person.emailLocal}@${person.emailDomain}` : recordEmail(person, duplicate, rng),
    Phone: phone,
    MobilePhone: mobile,
    HomePhone: home,
    OtherPhone: other,
    MailingStreet: hasAddress ? person.street : null,
    MailingCity: hasAddress ? person.addressPlace.city : null,
    MailingState: hasAddress ? (demo ? area.state : stateValue(area.state, rng)) : null,
    MailingPostalCode: hasAddress ? person.postalCode : null,
    MailingCountry: hasAddress
      ? demo
        ? area.country === 'CA'
          ? 'Canada'
          : 'United States'
        : countryValue(area.country, rng)
      : null,
    DoNotCall: doNotCall,
    HasOptedOutOfEmail: emailOptOut,
    LeadSource: rng.pick(SF_LEAD_SOURCES),
    OwnerId: owner(rng),
    LastActivityDate: lastTask === null ? null : isoDate(lastTask),
    CreatedDate: st[0],
    LastModifiedDate: st[1],
    SystemModstamp: st[2],
    CreatedById: st[3],
    LastModifiedById: st[4],
  });
  const truth: ContactTruth = {
    person: identity.person,
    duplicateOf: identity.duplicateOf,
    row,
    phoneUsable,
    phoneDigits: phone === null ? null : demo ? person.phone : mainDigits,
    phoneZone: person.phonePlace.zone,
    splitZoneAreaCode: person.phoneArea.splitZone,
    country: person.phoneArea.country,
    addressDisagrees: person.addressDisagrees,
  };
  return { record, truth };
}

function countryValue(country: 'US' | 'CA' | 'PR', rng: Rng): string | null {
  if (country === 'CA') return rng.chance(0.85) ? 'Canada' : 'CAN';
  if (country === 'PR') return rng.chance(0.5) ? 'Puerto Rico' : 'US';
  const r = rng.next();
  return r < 0.3 ? 'US' : r < 0.55 ? 'USA' : r < 0.9 ? 'United States' : null;
}

/** An account's name: the first draws of its stream, so opportunities can name it cheaply. */
function accountName(ctx: GeneratorContext, row: number): string {
  return accountNameFrom(Rng.for(ctx.seedHash, Stream.sfAccount, row));
}

function accountNameFrom(rng: Rng): string {
  return `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_KINDS)}${rng.pick(['', '', ' Inc.', ' LLC', ', Inc.'])}`;
}

function buildAccount(ctx: GeneratorContext, row: number): SfRecord {
  const rng = Rng.for(ctx.seedHash, Stream.sfAccount, row);
  const name = accountNameFrom(rng);
  const area = AREA_CODES[rng.weighted(AREA_WEIGHTS)];
  const createdMs = ctx.epochMs - rng.between(400, 2000) * DAY_MS - rng.int(DAY_MS);
  const st = stamps(createdMs, ctx.epochMs, rng);
  return Object.freeze({
    Id: salesforceId(KeyPrefix.Account, row),
    IsDeleted: false,
    Name: name,
    Type: rng.pick(SF_ACCOUNT_TYPES),
    Industry: rng.pick(INDUSTRIES),
    Phone: formatPhone(nationalNumber(area.npa, rng), rng.weighted(STYLE_WEIGHTS), rng),
    BillingStreet: `${rng.between(1, 9899)} ${rng.pick(['Commerce', 'Industrial', 'Harbor', 'Main', 'Park'])} ${rng.pick(['Blvd', 'Pkwy', 'St', 'Ave'])}`,
    BillingCity: area.places[0].city,
    BillingState: area.state,
    BillingPostalCode:
      area.country === 'CA'
        ? `${area.places[0].postal} ${rng.int(10)}A${rng.int(10)}`
        : `${area.places[0].postal}${String(rng.int(100)).padStart(2, '0')}`,
    BillingCountry: area.country === 'CA' ? 'Canada' : 'United States',
    OwnerId: owner(rng),
    CreatedDate: st[0],
    LastModifiedDate: st[1],
    SystemModstamp: st[2],
    CreatedById: st[3],
    LastModifiedById: st[4],
  });
}

function buildOpportunity(ctx: GeneratorContext, layout: ChildLayout, row: number): SfRecord {
  const contact = layout.parentOf(row);
  const plan = contactPlan(ctx, contact);
  const stage = SF_STAGES[plan.stages[row - layout.start(contact)]];
  const rng = Rng.for(ctx.seedHash, Stream.sfOpportunity, row);
  const account = Math.floor(contact / CONTACTS_PER_ACCOUNT);
  const createdMs = plan.createdMs + Math.floor(rng.next() * (ctx.epochMs - plan.createdMs));
  // Closed deals closed in the past; open ones expect to close within four months.
  const closeMs = stage.closed
    ? createdMs + Math.floor(rng.next() * (ctx.epochMs - createdMs))
    : ctx.epochMs + rng.between(7, 120) * DAY_MS;
  const st = stamps(createdMs, ctx.epochMs, rng);
  return Object.freeze({
    Id: salesforceId(KeyPrefix.Opportunity, row),
    IsDeleted: false,
    Name: `${accountName(ctx, account)} - ${rng.pick(PRODUCTS)}`,
    AccountId: salesforceId(KeyPrefix.Account, account),
    ContactId: salesforceId(KeyPrefix.Contact, contact),
    StageName: stage.stage,
    IsClosed: stage.closed,
    IsWon: stage.won,
    Probability: stage.probability,
    ForecastCategory: stage.forecast,
    ForecastCategoryName: stage.forecastName,
    Amount: rng.between(5, 800) * 250,
    CloseDate: isoDate(closeMs),
    Type: rng.pick(['New Customer', 'Existing Customer - Upgrade', 'Existing Customer - Replacement']),
    Description: null,
    LeadSource: rng.pick(SF_LEAD_SOURCES),
    OwnerId: owner(rng),
    CreatedDate: st[0],
    LastModifiedDate: st[1],
    SystemModstamp: st[2],
    CreatedById: st[3],
    LastModifiedById: st[4],
  });
}

/**
 * The primary contact role of opportunity `row`: Salesforce creates it with the opportunity when
 * ContactId is given, so generated orgs carry both links to the same contact.
 */
function buildContactRole(ctx: GeneratorContext, layout: ChildLayout, row: number): SfRecord {
  const opportunity = buildOpportunity(ctx, layout, row);
  return Object.freeze({
    Id: salesforceId(KeyPrefix.OpportunityContactRole, row),
    IsDeleted: false,
    OpportunityId: opportunity.Id,
    ContactId: opportunity.ContactId,
    Role: 'Decision Maker',
    IsPrimary: true,
    CreatedDate: opportunity.CreatedDate,
    LastModifiedDate: opportunity.CreatedDate,
    SystemModstamp: opportunity.CreatedDate,
    CreatedById: opportunity.CreatedById,
    LastModifiedById: opportunity.CreatedById,
  });
}

function buildTask(ctx: GeneratorContext, layout: ChildLayout, opportunities: ChildLayout, row: number): SfRecord {
  const contact = layout.parentOf(row);
  const plan = contactPlan(ctx, contact);
  const atMs = plan.taskTimes[row - layout.start(contact)];
  const rng = Rng.for(ctx.seedHash, Stream.sfTask, row);
  const isCall = demoSpec('salesforce', contact) !== undefined || rng.chance(0.85);
  const disposition = SF_CALL_DISPOSITIONS[rng.weighted(DISPOSITION_WEIGHTS)];
  const inbound = rng.chance(0.12);
  const seconds = disposition.connected ? rng.between(45, 1200) : rng.between(0, 40);
  const relatedOpp =
    opportunities.count(contact) > 0 && rng.chance(0.3)
      ? salesforceId(KeyPrefix.Opportunity, opportunities.start(contact))
      : null;
  const subject = isCall ? (inbound ? 'Inbound call' : rng.pick(SF_CALL_SUBJECTS)) : rng.pick(SF_OTHER_TASK_SUBJECTS);
  return Object.freeze({
    Id: salesforceId(KeyPrefix.Task, row),
    IsDeleted: false,
    WhoId: salesforceId(KeyPrefix.Contact, contact),
    WhatId: relatedOpp,
    Subject: subject,
    Status: 'Completed',
    Priority: 'Normal',
    ActivityDate: isoDate(atMs),
    Description: rng.pick(TASK_NOTES),
    TaskSubtype: isCall ? 'Call' : rng.pick(['Email', 'Task']),
    CallType: isCall ? (inbound ? 'Inbound' : 'Outbound') : null,
    CallDisposition: isCall ? disposition.value : null,
    CallDurationInSeconds: isCall ? seconds : null,
    CallObject: null,
    IsClosed: true,
    OwnerId: owner(rng),
    Dialplane_Key__c: null,
    CreatedDate: salesforceDateTime(atMs),
    LastModifiedDate: salesforceDateTime(atMs + seconds * 1000),
    SystemModstamp: salesforceDateTime(atMs + seconds * 1000 + rng.int(2_000)),
    CreatedById: owner(rng),
    LastModifiedById: owner(rng),
  });
}
