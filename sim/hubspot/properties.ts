/**
 * The property definitions the simulated portal has, per object type, in the full Property shape
 * `GET /crm/v3/properties/{objectType}` returns. They also drive validation of writes (unknown,
 * read-only, bad option/boolean/number/date) and how search filters compare values.
 */

export const OBJECT_TYPES = ['contacts', 'deals', 'calls'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** Accepts the spellings HubSpot accepts in paths: `contacts`, `contact`, `0-1`… */
export function objectTypeOf(name: string): ObjectType | null {
  switch (name.toLowerCase()) {
    case 'contacts':
    case 'contact':
    case '0-1':
      return 'contacts';
    case 'deals':
    case 'deal':
    case '0-3':
      return 'deals';
    case 'calls':
    case 'call':
    case '0-48':
      return 'calls';
    default:
      return null;
  }
}

export type PropertyType = 'string' | 'number' | 'bool' | 'enumeration' | 'datetime' | 'date' | 'phone_number';

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hidden: boolean;
  hasUniqueValue: boolean;
  hubspotDefined: boolean;
  calculated: boolean;
  externalOptions: boolean;
  formField: boolean;
  /** Not part of HubSpot's shape: whether API writes are refused (calculated and system values). */
  readOnly: boolean;
}

/** HubSpot's Property JSON (what the properties API answers). */
export interface PropertyJson {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hidden: boolean;
  hasUniqueValue: boolean;
  hubspotDefined: boolean;
  calculated: boolean;
  externalOptions: boolean;
  formField: boolean;
  modificationMetadata: {
    archivable: boolean;
    readOnlyDefinition: boolean;
    readOnlyValue: boolean;
    readOnlyOptions?: boolean;
  };
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface PropSpec {
  label: string;
  type: PropertyType;
  fieldType?: string;
  group?: string;
  description?: string;
  options?: Array<string | [value: string, label: string]>;
  unique?: boolean;
  custom?: boolean;
  calculated?: boolean;
  readOnly?: boolean;
  hidden?: boolean;
}

const DEFAULT_FIELD_TYPE: Record<PropertyType, string> = {
  string: 'text',
  number: 'number',
  bool: 'booleancheckbox',
  enumeration: 'select',
  datetime: 'date',
  date: 'date',
  phone_number: 'phonenumber',
};

/** Property definitions in HubSpot's full shape from compact specs (also a portal's custom ones). */
export function define(specs: Record<string, PropSpec>, defaultGroup: string): PropertyDefinition[] {
  return Object.entries(specs).map(([name, s], index) => {
    const options: PropertyOption[] =
      s.type === 'bool'
        ? [
            { label: 'True', value: 'true', displayOrder: 0, hidden: false },
            { label: 'False', value: 'false', displayOrder: 1, hidden: false },
          ]
        : (s.options ?? []).map((o, i) => {
            const [value, label] = typeof o === 'string' ? [o, o] : o;
            return { label, value, displayOrder: i, hidden: false };
          });
    const calculated = s.calculated ?? false;
    return {
      name,
      label: s.label,
      type: s.type,
      fieldType: s.fieldType ?? DEFAULT_FIELD_TYPE[s.type],
      groupName: s.group ?? defaultGroup,
      description: s.description ?? '',
      options,
      displayOrder: index,
      hidden: s.hidden ?? false,
      hasUniqueValue: s.unique ?? false,
      hubspotDefined: !(s.custom ?? false),
      calculated,
      externalOptions: false,
      formField: !calculated && !(s.readOnly ?? false),
      readOnly: calculated || (s.readOnly ?? false),
    };
  });
}

const SEARCHABLE = {
  type: 'string' as const,
  calculated: true,
  hidden: true,
  group: 'contact_activity',
};

const CONTACT_PROPERTIES = define(
  {
    firstname: { label: 'First Name', type: 'string' },
    lastname: { label: 'Last Name', type: 'string' },
    email: { label: 'Email', type: 'string' },
    phone: { label: 'Phone Number', type: 'string', fieldType: 'phonenumber' },
    mobilephone: { label: 'Mobile Phone Number', type: 'string', fieldType: 'phonenumber' },
    company: { label: 'Company Name', type: 'string' },
    jobtitle: { label: 'Job Title', type: 'string' },
    address: { label: 'Street Address', type: 'string' },
    city: { label: 'City', type: 'string' },
    state: { label: 'State/Region', type: 'string' },
    zip: { label: 'Postal Code', type: 'string' },
    country: { label: 'Country/Region', type: 'string' },
    hs_timezone: {
      label: 'Time Zone',
      type: 'enumeration',
      // HubSpot spells IANA zones with `_slash_` in option values; older portals hold the legacy
      // `us_slash_eastern` family too.
      options: [
        ...[
          'America/New_York',
          'America/Detroit',
          'America/Indiana/Indianapolis',
          'America/Kentucky/Louisville',
          'America/Chicago',
          'America/Menominee',
          'America/Denver',
          'America/Boise',
          'America/Edmonton',
          'America/Phoenix',
          'America/Los_Angeles',
          'America/Vancouver',
          'America/Anchorage',
          'Pacific/Honolulu',
          'America/Toronto',
          'America/Halifax',
          'America/Puerto_Rico',
        ].map((zone) => zone.toLowerCase().replace(/\//g, '_slash_')),
        'us_slash_eastern',
        'us_slash_michigan',
        'us_slash_central',
        'us_slash_mountain',
        'us_slash_arizona',
        'us_slash_pacific',
        'us_slash_alaska',
        'us_slash_hawaii',
        'us_slash_east_minus_indiana',
        'canada_slash_atlantic',
        'canada_slash_eastern',
        'canada_slash_pacific',
        'canada_slash_mountain',
      ],
    },
    hs_lead_status: {
      label: 'Lead Status',
      type: 'enumeration',
      fieldType: 'radio',
      options: [
        'NEW',
        'OPEN',
        'IN_PROGRESS',
        'OPEN_DEAL',
        'UNQUALIFIED',
        'ATTEMPTED_TO_CONTACT',
        'CONNECTED',
        'BAD_TIMING',
      ],
    },
    lifecyclestage: {
      label: 'Lifecycle Stage',
      type: 'enumeration',
      fieldType: 'radio',
      options: [
        ['subscriber', 'Subscriber'],
        ['lead', 'Lead'],
        ['marketingqualifiedlead', 'Marketing Qualified Lead'],
        ['salesqualifiedlead', 'Sales Qualified Lead'],
        ['opportunity', 'Opportunity'],
        ['customer', 'Customer'],
        ['evangelist', 'Evangelist'],
        ['other', 'Other'],
      ],
    },
    hs_email_optout: { label: 'Unsubscribed from all email', type: 'bool', readOnly: true },
    dialplane_do_not_call: {
      label: 'Do not call',
      type: 'bool',
      custom: true,
      description: 'Custom portal property: the contact asked not to be called.',
    },
    notes_last_contacted: { label: 'Last Contacted', type: 'datetime', calculated: true, group: 'sales_properties' },
    num_associated_deals: {
      label: 'Number of Associated Deals',
      type: 'number',
      calculated: true,
      group: 'deal_information',
    },
    hs_calculated_phone_number: { label: 'Calculated Phone Number', ...SEARCHABLE, hidden: false },
    hs_calculated_mobile_number: { label: 'Calculated Mobile Number', ...SEARCHABLE, hidden: false },
    hs_searchable_calculated_phone_number: { label: 'Searchable Phone Number', ...SEARCHABLE },
    hs_searchable_calculated_mobile_number: { label: 'Searchable Mobile Number', ...SEARCHABLE },
    hs_searchable_calculated_international_phone_number: {
      label: 'Searchable International Phone Number',
      ...SEARCHABLE,
    },
    hs_searchable_calculated_international_mobile_number: {
      label: 'Searchable International Mobile Number',
      ...SEARCHABLE,
    },
    createdate: { label: 'Create Date', type: 'datetime', readOnly: true },
    lastmodifieddate: { label: 'Last Modified Date', type: 'datetime', readOnly: true },
    hs_object_id: { label: 'Record ID', type: 'number', readOnly: true },
  },
  'contactinformation',
);

/** Stages of the default sales pipeline; `closedwon`/`closedlost` close a deal. */
export const DEAL_STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
  'closedwon',
  'closedlost',
] as const;

const DEAL_PROPERTIES = define(
  {
    dealname: { label: 'Deal Name', type: 'string' },
    dealstage: {
      label: 'Deal Stage',
      type: 'enumeration',
      fieldType: 'radio',
      options: [
        ['appointmentscheduled', 'Appointment Scheduled'],
        ['qualifiedtobuy', 'Qualified To Buy'],
        ['presentationscheduled', 'Presentation Scheduled'],
        ['decisionmakerboughtin', 'Decision Maker Bought-In'],
        ['contractsent', 'Contract Sent'],
        ['closedwon', 'Closed Won'],
        ['closedlost', 'Closed Lost'],
      ],
    },
    pipeline: { label: 'Pipeline', type: 'enumeration', options: [['default', 'Sales Pipeline']] },
    amount: { label: 'Amount', type: 'number' },
    hs_deal_stage_probability: { label: 'Deal Stage Probability', type: 'number', calculated: true },
    closedate: { label: 'Close Date', type: 'datetime' },
    hs_is_closed: { label: 'Is Deal Closed?', type: 'bool', calculated: true },
    hs_is_closed_won: { label: 'Is Closed Won', type: 'bool', calculated: true },
    createdate: { label: 'Create Date', type: 'datetime', readOnly: true },
    hs_lastmodifieddate: { label: 'Last Modified Date', type: 'datetime', readOnly: true },
    hs_object_id: { label: 'Record ID', type: 'number', readOnly: true },
  },
  'dealinformation',
);

/** Call outcome GUIDs as HubSpot portals ship them (reference: crm-apis.md). */
export const CALL_DISPOSITIONS = {
  busy: '9d9162e7-6cf3-4944-bf63-4dff82258764',
  connected: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
  leftLiveMessage: 'a4c4c377-d246-4b32-a13b-75a56a4cd0ff',
  leftVoicemail: 'b2cf5968-551e-4856-9783-52b3da59a7d0',
  noAnswer: '73a0d17f-1163-4015-bdd5-ec830791da20',
  wrongNumber: '17b47fee-58de-441e-a44c-c6300d46f273',
} as const;

const CALL_PROPERTIES = define(
  {
    hs_timestamp: { label: 'Activity date', type: 'datetime' },
    hs_call_title: { label: 'Call Title', type: 'string' },
    hs_call_body: { label: 'Call notes', type: 'string', fieldType: 'html' },
    hs_call_direction: {
      label: 'Call direction',
      type: 'enumeration',
      options: [
        ['INBOUND', 'Inbound'],
        ['OUTBOUND', 'Outbound'],
      ],
    },
    hs_call_disposition: {
      label: 'Call outcome',
      type: 'enumeration',
      options: [
        [CALL_DISPOSITIONS.busy, 'Busy'],
        [CALL_DISPOSITIONS.connected, 'Connected'],
        [CALL_DISPOSITIONS.leftLiveMessage, 'Left live message'],
        [CALL_DISPOSITIONS.leftVoicemail, 'Left voicemail'],
        [CALL_DISPOSITIONS.noAnswer, 'No answer'],
        [CALL_DISPOSITIONS.wrongNumber, 'Wrong number'],
      ],
    },
    hs_call_status: {
      label: 'Call status',
      type: 'enumeration',
      options: [
        'BUSY',
        'CALLING_CRM_USER',
        'CANCELED',
        'COMPLETED',
        'CONNECTING',
        'FAILED',
        'IN_PROGRESS',
        'MISSED',
        'NO_ANSWER',
        'QUEUED',
        'RINGING',
      ],
    },
    hs_call_duration: { label: 'Call duration (ms)', type: 'number' },
    hs_call_to_number: { label: 'To number', type: 'string' },
    hs_call_from_number: { label: 'From number', type: 'string' },
    dialplane_key: {
      label: 'Dialplane key',
      type: 'string',
      unique: true,
      custom: true,
      description: 'Custom unique property: the idempotency key of a dialplane write-back.',
    },
    hs_createdate: { label: 'Create Date', type: 'datetime', readOnly: true },
    hs_lastmodifieddate: { label: 'Last Modified Date', type: 'datetime', readOnly: true },
    hs_object_id: { label: 'Record ID', type: 'number', readOnly: true },
  },
  'call',
);

export const PROPERTY_DEFINITIONS: Record<ObjectType, readonly PropertyDefinition[]> = {
  contacts: CONTACT_PROPERTIES,
  deals: DEAL_PROPERTIES,
  calls: CALL_PROPERTIES,
};

/** Names every read includes whether asked for or not (as the real API does). */
export const ALWAYS_RETURNED: Record<ObjectType, readonly string[]> = {
  contacts: ['createdate', 'lastmodifieddate', 'hs_object_id'],
  deals: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  calls: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** Names returned when a read asks for no properties (HubSpot's documented defaults). */
export const DEFAULT_RETURNED: Record<ObjectType, readonly string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'createdate', 'lastmodifieddate', 'hs_object_id'],
  deals: [
    'dealname',
    'amount',
    'closedate',
    'pipeline',
    'dealstage',
    'createdate',
    'hs_lastmodifieddate',
    'hs_object_id',
  ],
  calls: ['hs_timestamp', 'hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** The system timestamps each type exposes as properties (derived from the record, not stored). */
export const SYSTEM_DATES: Record<ObjectType, { created: string; modified: string }> = {
  contacts: { created: 'createdate', modified: 'lastmodifieddate' },
  deals: { created: 'createdate', modified: 'hs_lastmodifieddate' },
  calls: { created: 'hs_createdate', modified: 'hs_lastmodifieddate' },
};

/** Properties HubSpot derives from the record itself (id, dates); never kept among stored values. */
export const SYSTEM_PROPERTY_NAMES: ReadonlySet<string> = new Set([
  'hs_object_id',
  'createdate',
  'lastmodifieddate',
  'hs_createdate',
  'hs_lastmodifieddate',
]);

/** A fixed creation date for the portal's property definitions, so answers are deterministic. */
const PORTAL_CREATED_AT = '2019-08-06T02:43:14.491Z';

export function propertyJson(def: PropertyDefinition, name = def.name): PropertyJson {
  return {
    name,
    label: def.label,
    type: def.type,
    fieldType: def.fieldType,
    groupName: def.groupName,
    description: def.description,
    options: def.options,
    displayOrder: def.displayOrder,
    hidden: def.hidden,
    hasUniqueValue: def.hasUniqueValue,
    hubspotDefined: def.hubspotDefined,
    calculated: def.calculated,
    externalOptions: def.externalOptions,
    formField: def.formField,
    modificationMetadata: {
      archivable: !def.hubspotDefined,
      readOnlyDefinition: def.hubspotDefined,
      readOnlyValue: def.readOnly,
      ...(def.type === 'enumeration' ? { readOnlyOptions: def.hubspotDefined } : {}),
    },
    createdAt: PORTAL_CREATED_AT,
    updatedAt: PORTAL_CREATED_AT,
    archived: false,
  };
}
