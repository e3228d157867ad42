/**
 * The word lists and CRM picklists the generator draws from. Emails only use reserved example
 * domains (RFC 2606) so generated data can never reach a real inbox.
 */

/** [formal first name, common short form or null]. Accented names test encodings end to end. */
export const FIRST_NAMES: readonly (readonly [string, string | null])[] = [
  ['Robert', 'Bob'],
  ['William', 'Bill'],
  ['Elizabeth', 'Liz'],
  ['Katherine', 'Kate'],
  ['Michael', 'Mike'],
  ['James', 'Jim'],
  ['Jennifer', 'Jen'],
  ['Christopher', 'Chris'],
  ['Daniel', 'Dan'],
  ['Margaret', 'Peggy'],
  ['Richard', 'Rick'],
  ['Thomas', 'Tom'],
  ['Joseph', 'Joe'],
  ['Patricia', 'Pat'],
  ['Anthony', 'Tony'],
  ['Alexander', 'Alex'],
  ['Samantha', 'Sam'],
  ['Jonathan', 'Jon'],
  ['Nicholas', 'Nick'],
  ['Rebecca', 'Becky'],
  ['Maria', null],
  ['David', 'Dave'],
  ['Susan', 'Sue'],
  ['Linda', null],
  ['Barbara', 'Barb'],
  ['Charles', 'Chuck'],
  ['Jessica', 'Jess'],
  ['Sarah', null],
  ['Karen', null],
  ['Steven', 'Steve'],
  ['Olivia', 'Liv'],
  ['Emma', null],
  ['Noah', null],
  ['Liam', null],
  ['Sophia', 'Sophie'],
  ['Isabella', 'Bella'],
  ['Mia', null],
  ['Ethan', null],
  ['Lucas', 'Luke'],
  ['Ava', null],
  ['José', 'Pepe'],
  ['Zoë', null],
  ['Renée', null],
  ['Björn', null],
  ['Chloé', null],
  ['Wei', null],
  ['Priya', null],
  ['Mohammed', 'Mo'],
  ['Fatima', null],
  ['Hiroshi', null],
  ['Ngozi', null],
  ['Aaliyah', null],
  ['DeShawn', null],
  ['Keanu', null],
  ['Leilani', null],
  ['Siobhan', null],
  ['Mateo', null],
  ['Camila', 'Cami'],
  ['Ananya', null],
  ['Dmitri', 'Dima'],
];

export const LAST_NAMES: readonly string[] = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Perez',
  'Thompson',
  'White',
  'Harris',
  'Sanchez',
  'Clark',
  'Ramirez',
  'Lewis',
  'Robinson',
  'Walker',
  'Young',
  'Allen',
  'King',
  'Wright',
  'Scott',
  'Torres',
  'Nguyen',
  'Hill',
  'Flores',
  "O'Brien",
  "O'Connor",
  'McDonald',
  'MacKenzie',
  'García-López',
  'Smith-Jones',
  'van der Berg',
  'De La Cruz',
  'Nakamura',
  'Okafor',
  'Kowalski',
  'Müller',
  'Šimůnek',
  'Nováková',
  'Patel',
  'Chen',
  'Kim',
  'Singh',
  'Kealoha',
  'Tremblay',
  'Gagnon',
  'Roy',
  'Begay',
  'Yazzie',
  'Abernathy',
  'Fitzgerald',
  'Castillo',
  'Ivanova',
];

export const EMAIL_DOMAINS: readonly string[] = [
  'example.com',
  'example.org',
  'example.net',
  'mail.example.com',
  'corp.example.com',
  'inbox.example.org',
];

export const STREET_NAMES: readonly string[] = [
  'Main',
  'Oak',
  'Pine',
  'Maple',
  'Cedar',
  'Elm',
  'Washington',
  'Lake',
  'Hill',
  'Park',
  'Sunset',
  'Highland',
  'Market',
  'Mission',
  'Broadway',
  'Church',
  'Mill',
  'River',
  'Spring',
  'Ridge',
];
export const STREET_SUFFIXES: readonly string[] = [
  'St',
  'Street',
  'Ave',
  'Avenue',
  'Blvd',
  'Rd',
  'Dr',
  'Ln',
  'Way',
  'Ct',
];

export const COMPANY_WORDS: readonly string[] = [
  'Northwind',
  'Bluebird',
  'Summit',
  'Harbor',
  'Granite',
  'Evergreen',
  'Pioneer',
  'Cascade',
  'Redwood',
  'Lakeside',
  'Ironwood',
  'Silverline',
  'Keystone',
  'Brightpath',
  'Copperfield',
  'Meridian',
];
export const COMPANY_KINDS: readonly string[] = [
  'Dental',
  'Logistics',
  'Roofing',
  'Insurance',
  'Realty',
  'Solar',
  'Auto Group',
  'Health',
  'Legal',
  'Fitness',
  'Plumbing',
  'Capital',
  'Software',
  'Home Care',
  'Hospitality',
  'Landscaping',
];
export const INDUSTRIES: readonly string[] = [
  'Healthcare',
  'Transportation',
  'Construction',
  'Insurance',
  'Real Estate',
  'Energy',
  'Retail',
  'Legal',
  'Finance',
  'Technology',
  'Hospitality',
  'Consulting',
];
export const TITLES: readonly string[] = [
  'Owner',
  'Office Manager',
  'Operations Director',
  'VP Sales',
  'Practice Manager',
  'CEO',
  'Purchasing Manager',
  'IT Manager',
  'Homeowner',
  'Marketing Lead',
  'CFO',
  'Front Desk',
];
export const PRODUCTS: readonly string[] = [
  'Annual plan',
  'Renewal',
  'Upgrade',
  'New install',
  'Pilot',
  'Service contract',
  'Expansion',
  'Consultation',
];

// ---- Salesforce picklists ----

/**
 * Standard Opportunity stages with their default probability and forecast category (API value
 * `ForecastCategory` and its label `ForecastCategoryName`).
 */
export const SF_STAGES: readonly {
  stage: string;
  probability: number;
  forecast: string;
  forecastName: string;
  closed: boolean;
  won: boolean;
}[] = [
  { stage: 'Prospecting', probability: 10, forecast: 'Pipeline', forecastName: 'Pipeline', closed: false, won: false },
  {
    stage: 'Qualification',
    probability: 10,
    forecast: 'Pipeline',
    forecastName: 'Pipeline',
    closed: false,
    won: false,
  },
  {
    stage: 'Needs Analysis',
    probability: 20,
    forecast: 'Pipeline',
    forecastName: 'Pipeline',
    closed: false,
    won: false,
  },
  {
    stage: 'Value Proposition',
    probability: 50,
    forecast: 'Pipeline',
    forecastName: 'Pipeline',
    closed: false,
    won: false,
  },
  {
    stage: 'Id. Decision Makers',
    probability: 60,
    forecast: 'Pipeline',
    forecastName: 'Pipeline',
    closed: false,
    won: false,
  },
  {
    stage: 'Perception Analysis',
    probability: 70,
    forecast: 'BestCase',
    forecastName: 'Best Case',
    closed: false,
    won: false,
  },
  {
    stage: 'Proposal/Price Quote',
    probability: 75,
    forecast: 'BestCase',
    forecastName: 'Best Case',
    closed: false,
    won: false,
  },
  {
    stage: 'Negotiation/Review',
    probability: 90,
    forecast: 'Forecast',
    forecastName: 'Commit',
    closed: false,
    won: false,
  },
  { stage: 'Closed Won', probability: 100, forecast: 'Closed', forecastName: 'Closed', closed: true, won: true },
  { stage: 'Closed Lost', probability: 0, forecast: 'Omitted', forecastName: 'Omitted', closed: true, won: false },
];
/** Relative frequency of each SF_STAGES entry (closed deals pile up over the years). */
export const SF_STAGE_WEIGHTS: readonly number[] = [10, 8, 7, 6, 5, 5, 6, 5, 22, 26];

export const SF_SALUTATIONS: readonly string[] = ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'];
export const SF_LEAD_SOURCES: readonly string[] = [
  'Web',
  'Phone Inquiry',
  'Partner Referral',
  'Purchased List',
  'Other',
];
export const SF_ACCOUNT_TYPES: readonly string[] = ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Other'];

/**
 * Call dispositions as orgs type them into Task.CallDisposition (a free-text field: the same
 * outcome appears under several spellings, which is the point).
 */
export const SF_CALL_DISPOSITIONS: readonly { value: string; connected: boolean }[] = [
  { value: 'Connected', connected: true },
  { value: 'connected - interested', connected: true },
  { value: 'Not Interested', connected: true },
  { value: 'Callback Requested', connected: true },
  { value: 'Meeting Booked', connected: true },
  { value: 'Left Voicemail', connected: false },
  { value: 'Left VM', connected: false },
  { value: 'No Answer', connected: false },
  { value: 'Busy', connected: false },
  { value: 'Wrong Number', connected: false },
  { value: 'Do Not Call', connected: true },
];
export const SF_CALL_DISPOSITION_WEIGHTS: readonly number[] = [14, 5, 8, 6, 4, 18, 6, 20, 6, 3, 1];

export const SF_CALL_SUBJECTS: readonly string[] = [
  'Call',
  'Call: follow up',
  'Outbound call',
  'Call - discovery',
  'Inbound call',
];
export const SF_OTHER_TASK_SUBJECTS: readonly string[] = [
  'Email: proposal sent',
  'Send brochure',
  'Email: intro',
  'Prepare quote',
];

// ---- HubSpot ----

/** Default sales pipeline stages in order; the two closed ones last. */
export const HS_DEAL_STAGES: readonly { stage: string; probability: string; closed: boolean; won: boolean }[] = [
  { stage: 'appointmentscheduled', probability: '0.2', closed: false, won: false },
  { stage: 'qualifiedtobuy', probability: '0.4', closed: false, won: false },
  { stage: 'presentationscheduled', probability: '0.6', closed: false, won: false },
  { stage: 'decisionmakerboughtin', probability: '0.8', closed: false, won: false },
  { stage: 'contractsent', probability: '0.9', closed: false, won: false },
  { stage: 'closedwon', probability: '1.0', closed: true, won: true },
  { stage: 'closedlost', probability: '0.0', closed: true, won: false },
];
export const HS_DEAL_STAGE_WEIGHTS: readonly number[] = [12, 10, 9, 7, 6, 25, 31];

export const HS_LIFECYCLE_STAGES: readonly string[] = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];
export const HS_LEAD_STATUSES: readonly string[] = [
  'NEW',
  'OPEN',
  'IN_PROGRESS',
  'OPEN_DEAL',
  'UNQUALIFIED',
  'ATTEMPTED_TO_CONTACT',
  'CONNECTED',
  'BAD_TIMING',
];

/**
 * HubSpot's default call dispositions (hs_call_disposition holds the GUID). GUIDs as seen in
 * third-party integration code (reference/crm-apis.md), not from a HubSpot-published list.
 */
export const HS_CALL_DISPOSITIONS: readonly { label: string; guid: string; connected: boolean }[] = [
  { label: 'Busy', guid: '9d9162e7-6cf3-4944-bf63-4dff82258764', connected: false },
  { label: 'Connected', guid: 'f240bbac-87c9-4f6e-bf70-924b57d47db7', connected: true },
  { label: 'Left live message', guid: 'a4c4c377-d246-4b32-a13b-75a56a4cd0ff', connected: false },
  { label: 'Left voicemail', guid: 'b2cf5968-551e-4856-9783-52b3da59a7d0', connected: false },
  { label: 'No answer', guid: '73a0d17f-1163-4015-bdd5-ec830791da20', connected: false },
  { label: 'Wrong number', guid: '17b47fee-58de-441e-a44c-c6300d46f273', connected: false },
];
export const HS_CALL_DISPOSITION_WEIGHTS: readonly number[] = [7, 30, 5, 25, 28, 5];
export const HS_CALL_STATUSES: readonly string[] = ['COMPLETED', 'BUSY', 'NO_ANSWER', 'FAILED', 'CANCELED'];

/**
 * hs_timezone values: HubSpot's enumeration spells tz names in lower case with "/" written
 * "_slash_" and "-" written "_minus_" (`america_slash_new_york`); portals also hold the legacy
 * link spellings (`us_slash_eastern`, seen in portal data) and, after imports, plain IANA names.
 * The full HubSpot option list is not in our reference, so the legacy spellings beyond
 * us_slash_{eastern,central,mountain,pacific,alaska} and canada_slash_atlantic are by analogy.
 */
export type HubspotTimeZoneStyle = 'slug' | 'legacy' | 'iana';

export function hubspotTimeZoneValue(ianaZone: string, style: HubspotTimeZoneStyle): string {
  if (style === 'iana') return ianaZone;
  const zone = style === 'legacy' ? (LEGACY_US_ZONES[ianaZone] ?? ianaZone) : ianaZone;
  return zone.toLowerCase().replace(/\//g, '_slash_').replace(/-/g, '_minus_');
}

/** tz database backward-compatibility links for the zones the generator uses. */
const LEGACY_US_ZONES: Readonly<Record<string, string>> = {
  'America/New_York': 'US/Eastern',
  'America/Detroit': 'US/Michigan',
  'America/Chicago': 'US/Central',
  'America/Denver': 'US/Mountain',
  'America/Phoenix': 'US/Arizona',
  'America/Los_Angeles': 'US/Pacific',
  'America/Anchorage': 'US/Alaska',
  'Pacific/Honolulu': 'US/Hawaii',
  'America/Indiana/Indianapolis': 'US/East-Indiana',
  'America/Halifax': 'Canada/Atlantic',
  'America/Toronto': 'Canada/Eastern',
  'America/Vancouver': 'Canada/Pacific',
  'America/Edmonton': 'Canada/Mountain',
};
