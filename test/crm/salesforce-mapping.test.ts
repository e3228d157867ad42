import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractMappingTable, renderMappingTable } from '../../shared/crm/mapping-table.js';
import {
  checkRecord,
  mapContact,
  MAPPING_TABLE,
  SALESFORCE_MAPPING_VERSION,
  type SalesforceBundle,
} from '../../crm/salesforce/read-mapping.js';

const contactRecord = (over: Record<string, unknown> = {}) => ({
  Id: '003Dp0000000001AAA',
  FirstName: ' Ana ',
  LastName: 'Smith',
  Name: 'Ana Smith',
  Email: 'ana@example.com',
  Phone: '(415) 555-0100',
  MobilePhone: '+1 415.555.0101 x12',
  HomePhone: null,
  OtherPhone: '555-CALL-NOW',
  MailingCountry: 'United States',
  MailingState: 'California',
  MailingCity: 'San Francisco',
  MailingPostalCode: '94103',
  DoNotCall: false,
  HasOptedOutOfEmail: true,
  ...over,
});
const deal = (over: Record<string, unknown>) => ({
  Id: '006Dp0000000001AAA',
  ContactId: '003Dp0000000001AAA',
  Name: 'Deal',
  StageName: 'Prospecting',
  IsClosed: false,
  IsWon: false,
  Amount: 1000,
  CloseDate: '2026-12-01',
  ...over,
});
const task = (over: Record<string, unknown> = {}) => ({
  Id: '00TDp0000000001AAA',
  WhoId: '003Dp0000000001AAA',
  Subject: 'Call',
  CallDisposition: 'Connected',
  TaskSubtype: 'Call',
  CreatedDate: '2026-05-01T10:00:00.000+0000',
  ...over,
});

const bundle = (
  c: Record<string, unknown>,
  deals: Record<string, unknown>[] = [],
  tasks: Record<string, unknown>[] = [],
  missing: Record<string, string[]> = {},
): SalesforceBundle => ({
  contact: checkRecord('Contact', c, new Set(missing.Contact ?? [])),
  deals: deals.map((d) => checkRecord('Opportunity', d, new Set(missing.Opportunity ?? []))),
  tasks: tasks.map((t) => checkRecord('Task', t, new Set(missing.Task ?? []))),
  objectDrift: [],
});

describe('Salesforce mapping', () => {
  it('maps a contact to the canonical shape, normalizing messy phones and places', () => {
    const { contact, drift } = mapContact(bundle(contactRecord()));
    expect(drift).toEqual([]);
    expect(contact).toMatchObject({
      id: 'salesforce:003Dp0000000001AAA',
      source: 'salesforce',
      sourceId: '003Dp0000000001AAA',
      name: { first: 'Ana', last: 'Smith', full: 'Ana Smith' },
      email: 'ana@example.com',
      primaryPhone: '+14155550101',
      timeZone: null,
      location: { country: 'US', state: 'CA', city: 'San Francisco', postalCode: '94103' },
      crmIntentStage: 'NEW',
      openDeal: null,
      crmLastActivity: null,
      suppression: { doNotCall: false, emailOptOut: true },
    });
    expect(contact.phones).toEqual([
      { e164: '+14155550101', raw: '+1 415.555.0101 x12', type: 'MOBILE', extension: '12', valid: true },
      { e164: '+14155550100', raw: '(415) 555-0100', type: 'WORK', extension: null, valid: true },
      { e164: null, raw: '555-CALL-NOW', type: 'OTHER', extension: null, valid: false },
    ]);
  });

  it('picks the open deal closing soonest and maps its stage to intent', () => {
    const { contact } = mapContact(
      bundle(contactRecord(), [
        deal({
          Id: '006Dp0000000001AAA',
          StageName: 'Closed Won',
          IsClosed: true,
          IsWon: true,
          CloseDate: '2025-01-01',
        }),
        deal({ Id: '006Dp0000000002AAA', StageName: 'Negotiation/Review', CloseDate: '2026-08-01' }),
        deal({ Id: '006Dp0000000003AAA', StageName: 'Needs Analysis', CloseDate: '2026-09-01' }),
      ]),
    );
    expect(contact.openDeal).toMatchObject({
      id: 'salesforce:006Dp0000000002AAA',
      stage: 'NEGOTIATION',
      crmStage: 'Negotiation/Review',
      closed: false,
      won: false,
    });
    expect(contact.crmIntentStage).toBe('NEGOTIATION');
    const won = mapContact(
      bundle(contactRecord(), [deal({ StageName: 'Closed Won', IsClosed: true, IsWon: true })]),
    ).contact;
    expect(won.crmIntentStage).toBe('CUSTOMER');
    const custom = mapContact(bundle(contactRecord(), [deal({ StageName: 'Legal Review' })])).contact;
    expect(custom.openDeal?.stage).toBe('OTHER');
    expect(custom.crmIntentStage).toBe('UNKNOWN');
  });

  it('maps the latest task to crmLastActivity and intent without deals', () => {
    const { contact } = mapContact(bundle(contactRecord(), [], [task()]));
    expect(contact.crmLastActivity).toEqual({
      at: '2026-05-01T10:00:00.000Z',
      summary: 'Call',
      disposition: 'Connected',
      type: 'CALL',
    });
    expect(contact.crmIntentStage).toBe('ENGAGED');
    expect(
      mapContact(bundle(contactRecord(), [], [task({ CallDisposition: 'No answer' })])).contact.crmIntentStage,
    ).toBe('ATTEMPTING');
  });

  it('reports drift per canonical field for a missing or mistyped CRM field', () => {
    const { DoNotCall: _removed, ...withoutDnc } = contactRecord();
    const missing = mapContact(bundle(withoutDnc));
    expect(missing.drift).toEqual([
      { field: 'suppression.doNotCall', crmField: 'Contact.DoNotCall', reason: 'missing' },
    ]);
    expect(missing.contact.suppression).toEqual({ doNotCall: null, emailOptOut: true });
    const mistyped = mapContact(bundle(contactRecord({ MobilePhone: 4155550101 })));
    expect(mistyped.drift.map((d) => d.field).sort()).toEqual(['phones', 'primaryPhone']);
    expect(mistyped.drift[0]).toMatchObject({ crmField: 'Contact.MobilePhone', reason: 'invalid' });
    const stage = mapContact(bundle(contactRecord(), [deal({})], [], { Opportunity: ['StageName'] }));
    expect(stage.drift.map((d) => d.field).sort()).toEqual(['crmIntentStage', 'openDeal.crmStage', 'openDeal.stage']);
  });

  it('docs/mapping-salesforce.md holds exactly the table generated from the mapping code', () => {
    const docs = readFileSync(new URL('../../docs/mapping-salesforce.md', import.meta.url), 'utf8');
    expect(extractMappingTable(docs)).toBe(renderMappingTable(SALESFORCE_MAPPING_VERSION, MAPPING_TABLE));
  });
});
