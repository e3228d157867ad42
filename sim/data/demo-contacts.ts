import { hubspotId } from './hubspot-ids.js';
import { DEMO_PEOPLE, demoPersonNumber } from './person.js';
import { KeyPrefix, salesforceId } from './salesforce-ids.js';

export type Crm = 'salesforce' | 'hubspot';

/** How one of the first records of a CRM looks, whatever the seed. */
export interface DemoRecordSpec {
  /** Index into DEMO_PEOPLE. */
  readonly person: number;
  /** Phone exactly as stored in the CRM (Phone / phone). */
  readonly phone: string;
  readonly mobile: string | null;
  /** Deal stages: Salesforce StageName values or HubSpot dealstage ids. */
  readonly stages: readonly string[];
  readonly calls: number;
  readonly doNotCall: boolean;
  readonly emailOptOut: boolean;
  /** What the record is good for in examples. */
  readonly note: string;
}

const spec = (s: Partial<DemoRecordSpec> & Pick<DemoRecordSpec, 'person' | 'phone' | 'note'>): DemoRecordSpec => ({
  mobile: null,
  stages: [],
  calls: 0,
  doNotCall: false,
  emailOptOut: false,
  ...s,
});

export const DEMO_RECORDS: Readonly<Record<Crm, readonly DemoRecordSpec[]>> = {
  salesforce: [
    spec({
      person: 0,
      phone: '(415) 555-0100',
      mobile: '+1 415.555.0101',
      stages: ['Proposal/Price Quote'],
      calls: 2,
      note: 'Pacific; open opportunity; also in HubSpot (cross-CRM duplicate)',
    }),
    spec({
      person: 1,
      phone: '602-555-0110',
      stages: ['Negotiation/Review'],
      calls: 1,
      doNotCall: true,
      note: 'Arizona (no DST); DoNotCall = true',
    }),
    spec({ person: 2, phone: '808.555.0120', stages: ['Closed Won'], calls: 3, note: 'Hawaii; closed-won customer' }),
    spec({ person: 3, phone: '+1 416 555 0130', note: 'Canadian number (Toronto)' }),
    spec({
      person: 4,
      phone: '850-555-0140',
      stages: ['Qualification', 'Closed Lost'],
      calls: 1,
      note: 'split-zone area code 850; address in the other zone',
    }),
    spec({ person: 5, phone: '555-0000', note: 'unusable phone (no area code), no mobile' }),
  ],
  hubspot: [
    spec({
      person: 0,
      phone: '+14155550100',
      stages: ['contractsent'],
      calls: 1,
      note: 'same person as the first Salesforce demo contact',
    }),
    spec({
      person: 6,
      phone: '(212) 555-0160',
      mobile: '+12125550161',
      calls: 2,
      doNotCall: true,
      note: 'Eastern; dialplane_do_not_call = "true"',
    }),
    spec({ person: 7, phone: '+1 907 555 0170', stages: ['closedwon'], calls: 1, note: 'Alaska; closed-won customer' }),
    spec({
      person: 8,
      phone: '915-555-0180',
      stages: ['decisionmakerboughtin'],
      calls: 2,
      note: 'split-zone area code 915 (El Paso, Mountain)',
    }),
    spec({
      person: 9,
      phone: '4155550190 x12',
      stages: ['closedlost'],
      emailOptOut: true,
      note: 'phone with extension; email opt-out',
    }),
    spec({ person: 10, phone: 'TBD', note: 'unusable phone (placeholder text)' }),
  ],
};

export function demoSpec(crm: Crm, row: number): DemoRecordSpec | undefined {
  return DEMO_RECORDS[crm][row];
}

export function demoPersonOf(crm: Crm, row: number): number | undefined {
  const s = DEMO_RECORDS[crm][row];
  return s ? demoPersonNumber(s.person) : undefined;
}

/** A well-known generated contact, identical for every seed, for READMEs and examples. */
export interface DemoContact {
  readonly crm: Crm;
  /** Row in the CRM's contact table (the demo contacts are rows 0..5). */
  readonly row: number;
  /** The CRM's own id (Salesforce 18-char Id / HubSpot numeric id). */
  readonly id: string;
  /** dialplane's global contact id: `salesforce:<Id>` / `hubspot:<id>`. */
  readonly globalId: string;
  readonly name: string;
  /** Phone as stored in the CRM (messy on purpose). */
  readonly phone: string;
  /** The phone in E.164, or null when it is unusable. */
  readonly e164: string | null;
  readonly note: string;
}

function toDemoContact(crm: Crm, row: number, s: DemoRecordSpec): DemoContact {
  const person = DEMO_PEOPLE[s.person];
  const id = crm === 'salesforce' ? salesforceId(KeyPrefix.Contact, row) : hubspotId('contacts', row);
  const digits = s.phone
    .replace(/x.*$/, '')
    .replace(/\D/g, '')
    .replace(/^1(?=\d{10}$)/, '');
  return {
    crm,
    row,
    id,
    globalId: `${crm}:${id}`,
    name: `${person.first} ${person.last}`,
    phone: s.phone,
    e164: digits.length === 10 ? `+1${digits}` : null,
    note: s.note,
  };
}

/**
 * The demo contacts of both CRMs. They exist in any dataset with at least 6 contacts per CRM and
 * do not depend on the seed (their opportunities/deals and calls do, except for stage and count).
 */
export const demoContacts: readonly DemoContact[] = (['salesforce', 'hubspot'] as const).flatMap((crm) =>
  DEMO_RECORDS[crm].map((s, row) => toDemoContact(crm, row, s)),
);
