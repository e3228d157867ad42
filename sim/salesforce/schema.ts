/**
 * The simulated org's sObject schema: Account, Contact, Opportunity, OpportunityContactRole and Task with the standard fields
 * dialplane reads and writes (plus the custom external id `Dialplane_Key__c` on Task). The same
 * definitions drive describe, SOQL field checks, write validation and record output, so a schema
 * drift rule changes all of them at once.
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'boolean'
  | 'double'
  | 'currency'
  | 'percent'
  | 'int'
  | 'date'
  | 'datetime'
  | 'phone'
  | 'email'
  | 'picklist'
  | 'reference';

export interface FieldDef {
  /** Internal (seed) name; the API name differs only after a rename drift. */
  name: string;
  label: string;
  type: FieldType;
  length?: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  custom: boolean;
  externalId: boolean;
  unique: boolean;
  /** Required on create (REQUIRED_FIELD_MISSING). */
  required?: boolean;
  picklist?: string[];
  referenceTo?: string[];
  relationshipName?: string;
  /** Derived by the sim (Name, IsClosed, IsWon…): never written by callers. */
  calculated?: boolean;
}

export interface ChildRelationship {
  relationshipName: string;
  childSObject: string;
  field: string;
}

export interface SObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldDef[];
  childRelationships: ChildRelationship[];
}

export type FieldOpts = Partial<Omit<FieldDef, 'name' | 'type'>>;

/** A field definition with Salesforce's defaults for its type (custom when the name ends in `__c`). */
export function f(name: string, type: FieldType, opts: FieldOpts = {}): FieldDef {
  const system = opts.calculated === true;
  return {
    name,
    label:
      opts.label ??
      name
        .replace(/__c$/, '')
        .replace(/_/g, ' ')
        .replace(/([a-z])([A-Z])/g, '$1 $2'),
    type,
    length:
      opts.length ??
      (type === 'string' || type === 'phone' || type === 'email' || type === 'picklist'
        ? 255
        : type === 'id' || type === 'reference'
          ? 18
          : type === 'textarea'
            ? 32000
            : 0),
    nillable: opts.nillable ?? (type !== 'boolean' && type !== 'id'),
    createable: opts.createable ?? !system,
    updateable: opts.updateable ?? !system,
    custom: opts.custom ?? name.endsWith('__c'),
    externalId: opts.externalId ?? false,
    unique: opts.unique ?? false,
    ...opts,
  };
}

/** Fields Salesforce maintains itself on every object (OwnerId only where the object has an owner). */
function systemFields(owned = true): FieldDef[] {
  const sys = { createable: false, updateable: false, calculated: true };
  return [
    ...(owned
      ? [f('OwnerId', 'reference', { referenceTo: ['User'], relationshipName: 'Owner', nillable: false })]
      : []),
    f('CreatedDate', 'datetime', { ...sys, nillable: false }),
    f('CreatedById', 'reference', { ...sys, referenceTo: ['User'], relationshipName: 'CreatedBy', nillable: false }),
    f('LastModifiedDate', 'datetime', { ...sys, nillable: false }),
    f('LastModifiedById', 'reference', {
      ...sys,
      referenceTo: ['User'],
      relationshipName: 'LastModifiedBy',
      nillable: false,
    }),
    f('SystemModstamp', 'datetime', { ...sys, label: 'System Modstamp', nillable: false }),
    f('IsDeleted', 'boolean', { ...sys, label: 'Deleted' }),
  ];
}

const idField = () => f('Id', 'id', { label: 'Contact ID', createable: false, updateable: false, calculated: true });

export const OPPORTUNITY_STAGES: {
  value: string;
  closed: boolean;
  won: boolean;
  probability: number;
  forecast: string;
}[] = [
  { value: 'Prospecting', closed: false, won: false, probability: 10, forecast: 'Pipeline' },
  { value: 'Qualification', closed: false, won: false, probability: 10, forecast: 'Pipeline' },
  { value: 'Needs Analysis', closed: false, won: false, probability: 20, forecast: 'Pipeline' },
  { value: 'Value Proposition', closed: false, won: false, probability: 50, forecast: 'Pipeline' },
  { value: 'Id. Decision Makers', closed: false, won: false, probability: 60, forecast: 'Pipeline' },
  { value: 'Perception Analysis', closed: false, won: false, probability: 70, forecast: 'Pipeline' },
  { value: 'Proposal/Price Quote', closed: false, won: false, probability: 75, forecast: 'Pipeline' },
  { value: 'Negotiation/Review', closed: false, won: false, probability: 90, forecast: 'Commit' },
  { value: 'Closed Won', closed: true, won: true, probability: 100, forecast: 'Closed' },
  { value: 'Closed Lost', closed: true, won: false, probability: 0, forecast: 'Omitted' },
];

export const TASK_STATUSES = ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'];

const contact: SObjectDef = {
  name: 'Contact',
  label: 'Contact',
  labelPlural: 'Contacts',
  keyPrefix: '003',
  fields: [
    { ...idField(), label: 'Contact ID' },
    f('AccountId', 'reference', { referenceTo: ['Account'], relationshipName: 'Account' }),
    f('Salutation', 'picklist', { picklist: ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'] }),
    f('FirstName', 'string', { length: 40 }),
    f('LastName', 'string', { length: 80, nillable: false, required: true }),
    f('Name', 'string', { label: 'Full Name', length: 121, calculated: true, createable: false, updateable: false }),
    f('Title', 'string', { length: 128 }),
    f('Email', 'email', { length: 80 }),
    f('Phone', 'phone', { label: 'Business Phone', length: 40 }),
    f('MobilePhone', 'phone', { label: 'Mobile Phone', length: 40 }),
    f('HomePhone', 'phone', { label: 'Home Phone', length: 40 }),
    f('OtherPhone', 'phone', { label: 'Other Phone', length: 40 }),
    f('MailingStreet', 'textarea', { length: 255 }),
    f('MailingCity', 'string', { length: 40 }),
    f('MailingState', 'string', { label: 'Mailing State/Province', length: 80 }),
    f('MailingPostalCode', 'string', { label: 'Mailing Zip/Postal Code', length: 20 }),
    f('MailingCountry', 'string', { length: 80 }),
    f('LeadSource', 'picklist', { picklist: ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'] }),
    f('DoNotCall', 'boolean', { label: 'Do Not Call' }),
    f('HasOptedOutOfEmail', 'boolean', { label: 'Email Opt Out' }),
    f('LastActivityDate', 'date', { createable: false, updateable: false, calculated: true }),
    ...systemFields(),
  ],
  childRelationships: [
    { relationshipName: 'Opportunities', childSObject: 'Opportunity', field: 'ContactId' },
    { relationshipName: 'OpportunityContactRoles', childSObject: 'OpportunityContactRole', field: 'ContactId' },
    { relationshipName: 'Tasks', childSObject: 'Task', field: 'WhoId' },
  ],
};

const opportunity: SObjectDef = {
  name: 'Opportunity',
  label: 'Opportunity',
  labelPlural: 'Opportunities',
  keyPrefix: '006',
  fields: [
    { ...idField(), label: 'Opportunity ID' },
    f('AccountId', 'reference', { referenceTo: ['Account'], relationshipName: 'Account' }),
    f('ContactId', 'reference', { referenceTo: ['Contact'], relationshipName: 'Contact' }),
    f('Name', 'string', { length: 120, nillable: false, required: true }),
    f('Description', 'textarea'),
    f('StageName', 'picklist', {
      label: 'Stage',
      picklist: OPPORTUNITY_STAGES.map((s) => s.value),
      nillable: false,
      required: true,
    }),
    f('Amount', 'currency'),
    f('Probability', 'percent'),
    f('CloseDate', 'date', { nillable: false, required: true }),
    f('Type', 'picklist', {
      picklist: [
        'Existing Customer - Upgrade',
        'Existing Customer - Replacement',
        'Existing Customer - Downgrade',
        'New Customer',
      ],
    }),
    f('LeadSource', 'picklist', { picklist: ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'] }),
    f('IsClosed', 'boolean', { label: 'Closed', createable: false, updateable: false, calculated: true }),
    f('IsWon', 'boolean', { label: 'Won', createable: false, updateable: false, calculated: true }),
    f('ForecastCategory', 'picklist', {
      picklist: ['Omitted', 'Pipeline', 'BestCase', 'Forecast', 'Closed'],
      createable: false,
      updateable: false,
      calculated: true,
    }),
    f('ForecastCategoryName', 'picklist', { picklist: ['Omitted', 'Pipeline', 'Best Case', 'Commit', 'Closed'] }),
    f('LastActivityDate', 'date', { createable: false, updateable: false, calculated: true }),
    ...systemFields(),
  ],
  childRelationships: [
    { relationshipName: 'OpportunityContactRoles', childSObject: 'OpportunityContactRole', field: 'OpportunityId' },
    { relationshipName: 'Tasks', childSObject: 'Task', field: 'WhatId' },
  ],
};

/** Standard Role picklist values of a new org (admins add their own). */
export const OPPORTUNITY_CONTACT_ROLES = [
  'Business User',
  'Decision Maker',
  'Economic Buyer',
  'Economic Decision Maker',
  'Evaluator',
  'Executive Sponsor',
  'Influencer',
  'Technical Buyer',
  'Other',
];

/**
 * The role a contact plays on an opportunity: the junction orgs use to link several contacts to one
 * deal (Opportunity.ContactId names the primary one only, where the org uses it). Fields as the
 * object reference lists them; OpportunityId is set on create only; no owner (the opportunity's
 * sharing applies).
 */
const opportunityContactRole: SObjectDef = {
  name: 'OpportunityContactRole',
  label: 'Opportunity Contact Role',
  labelPlural: 'Opportunity Contact Role',
  keyPrefix: '00K',
  fields: [
    { ...idField(), label: 'Contact Role ID' },
    f('OpportunityId', 'reference', {
      label: 'Opportunity ID',
      referenceTo: ['Opportunity'],
      relationshipName: 'Opportunity',
      nillable: false,
      required: true,
      updateable: false,
    }),
    f('ContactId', 'reference', {
      label: 'Contact ID',
      referenceTo: ['Contact'],
      relationshipName: 'Contact',
      required: true,
    }),
    f('Role', 'picklist', { picklist: OPPORTUNITY_CONTACT_ROLES }),
    f('IsPrimary', 'boolean', { label: 'Primary' }),
    ...systemFields(false),
  ],
  childRelationships: [],
};

const task: SObjectDef = {
  name: 'Task',
  label: 'Task',
  labelPlural: 'Tasks',
  keyPrefix: '00T',
  fields: [
    { ...idField(), label: 'Activity ID' },
    f('WhoId', 'reference', { label: 'Name ID', referenceTo: ['Contact', 'Lead'], relationshipName: 'Who' }),
    f('WhatId', 'reference', {
      label: 'Related To ID',
      referenceTo: ['Opportunity', 'Account'],
      relationshipName: 'What',
    }),
    f('Subject', 'string', { length: 255 }),
    f('ActivityDate', 'date', { label: 'Due Date Only' }),
    f('Status', 'picklist', { picklist: TASK_STATUSES, nillable: false }),
    f('Priority', 'picklist', { picklist: ['High', 'Normal', 'Low'], nillable: false }),
    f('IsClosed', 'boolean', { label: 'Closed', createable: false, updateable: false, calculated: true }),
    f('Description', 'textarea', { label: 'Comments', length: 32000 }),
    f('CallType', 'picklist', { picklist: ['Internal', 'Inbound', 'Outbound'] }),
    f('CallDisposition', 'string', { label: 'Call Result', length: 255 }),
    f('CallDurationInSeconds', 'int', { label: 'Call Duration' }),
    f('CallObject', 'string', { label: 'Call Object Identifier', length: 255 }),
    // Real orgs let you set TaskSubtype on create only.
    f('TaskSubtype', 'picklist', {
      picklist: ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'],
      updateable: false,
    }),
    f('Dialplane_Key__c', 'string', {
      label: 'Dialplane Key',
      length: 255,
      externalId: true,
      unique: true,
      custom: true,
    }),
    ...systemFields(),
  ],
  childRelationships: [],
};

const account: SObjectDef = {
  name: 'Account',
  label: 'Account',
  labelPlural: 'Accounts',
  keyPrefix: '001',
  fields: [
    { ...idField(), label: 'Account ID' },
    f('Name', 'string', { label: 'Account Name', length: 255, nillable: false, required: true }),
    f('Type', 'picklist', {
      picklist: [
        'Prospect',
        'Customer - Direct',
        'Customer - Channel',
        'Channel Partner / Reseller',
        'Installation Partner',
        'Technology Partner',
        'Other',
      ],
    }),
    f('Industry', 'picklist', {
      picklist: [
        'Agriculture',
        'Banking',
        'Construction',
        'Education',
        'Healthcare',
        'Insurance',
        'Manufacturing',
        'Retail',
        'Technology',
        'Other',
      ],
    }),
    f('Phone', 'phone', { label: 'Account Phone', length: 40 }),
    f('BillingStreet', 'textarea', { length: 255 }),
    f('BillingCity', 'string', { length: 40 }),
    f('BillingState', 'string', { label: 'Billing State/Province', length: 80 }),
    f('BillingPostalCode', 'string', { length: 20 }),
    f('BillingCountry', 'string', { length: 80 }),
    ...systemFields(),
  ],
  childRelationships: [
    { relationshipName: 'Contacts', childSObject: 'Contact', field: 'AccountId' },
    { relationshipName: 'Opportunities', childSObject: 'Opportunity', field: 'AccountId' },
  ],
};

export const SOBJECTS: Record<string, SObjectDef> = {
  Account: account,
  Contact: contact,
  Opportunity: opportunity,
  OpportunityContactRole: opportunityContactRole,
  Task: task,
};

/** Case-insensitive object lookup, as Salesforce resolves names. */
export function findSObject(name: string): SObjectDef | undefined {
  const direct = SOBJECTS[name];
  if (direct) return direct;
  const lower = name.toLowerCase();
  return Object.values(SOBJECTS).find((o) => o.name.toLowerCase() === lower);
}

export function sobjectForId(id: string): SObjectDef | undefined {
  const prefix = id.slice(0, 3);
  return Object.values(SOBJECTS).find((o) => o.keyPrefix === prefix);
}

export function soapType(type: FieldType): string {
  switch (type) {
    case 'id':
    case 'reference':
      return 'tns:ID';
    case 'boolean':
      return 'xsd:boolean';
    case 'double':
    case 'currency':
    case 'percent':
      return 'xsd:double';
    case 'int':
      return 'xsd:int';
    case 'date':
      return 'xsd:date';
    case 'datetime':
      return 'xsd:dateTime';
    default:
      return 'xsd:string';
  }
}
