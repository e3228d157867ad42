import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractMappingTable, renderMappingTable } from '../../shared/crm/mapping-table.js';
import type { HubspotObject } from '../../crm/hubspot/client.js';
import { compareProperties } from '../../crm/hubspot/connector.js';
import {
  CONTACT_PROPERTIES,
  HUBSPOT_MAPPING_TABLE,
  HUBSPOT_MAPPING_VERSION,
  HUBSPOT_PROPERTY_SPECS,
  dealStageOf,
  intentStageOf,
  plainSummary,
  toCanonicalContact,
} from '../../crm/hubspot/read-mapping.js';
import { normalizeCountry, normalizeState } from '../../shared/crm/location.js';
import { hubspotTimeZoneToIana } from '../../crm/hubspot/timezone.js';

/** A contact as HubSpot returns it when every requested property exists (null = empty). */
function contact(id: string, properties: Record<string, string | null>): HubspotObject {
  const all = Object.fromEntries(CONTACT_PROPERTIES.map((p) => [p, null])) as Record<string, string | null>;
  return { id, properties: { ...all, ...properties } };
}
const deal = (id: string, p: Record<string, string | null>): HubspotObject => ({
  id,
  properties: {
    dealname: null,
    dealstage: null,
    amount: null,
    closedate: null,
    hs_is_closed: null,
    hs_is_closed_won: null,
    ...p,
  },
});
const call = (id: string, p: Record<string, string | null>): HubspotObject => ({
  id,
  properties: { hs_timestamp: null, hs_call_title: null, hs_call_body: null, hs_call_disposition: null, ...p },
});
const without = (o: HubspotObject, ...names: string[]): HubspotObject => ({
  ...o,
  properties: Object.fromEntries(Object.entries(o.properties).filter(([k]) => !names.includes(k))),
});

describe(`HubSpot mapping ${HUBSPOT_MAPPING_VERSION}`, () => {
  it('maps a clean contact with deals and calls', () => {
    const { contact: c, drift } = toCanonicalContact({
      contact: contact('51', {
        firstname: ' Ada ',
        lastname: 'Lovelace',
        email: 'ada@example.com',
        phone: '(415) 555-0100 ext. 204',
        mobilephone: '+1 415 555 0199',
        hs_timezone: 'america_slash_los_angeles',
        country: 'United States',
        state: 'California',
        city: 'San Francisco',
        zip: '94105',
        lifecyclestage: 'salesqualifiedlead',
        hs_lead_status: 'CONNECTED',
        dialplane_do_not_call: 'false',
        hs_email_optout: 'true',
      }),
      deals: [
        deal('9001', {
          dealname: 'Old',
          dealstage: 'closedlost',
          hs_is_closed: 'true',
          hs_is_closed_won: 'false',
          closedate: '2025-01-10T00:00:00Z',
        }),
        deal('9002', {
          dealname: 'Later',
          dealstage: 'contractsent',
          hs_is_closed: 'false',
          hs_is_closed_won: 'false',
          closedate: '2026-12-01T00:00:00Z',
          amount: '1200.50',
        }),
        deal('9003', {
          dealname: 'Sooner',
          dealstage: 'qualifiedtobuy',
          hs_is_closed: 'false',
          hs_is_closed_won: 'false',
          closedate: '2026-06-01T00:00:00Z',
        }),
      ],
      calls: [
        call('7001', {
          hs_timestamp: '2026-11-01T10:00:00Z',
          hs_call_title: 'Intro',
          hs_call_disposition: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
        }),
        call('7002', {
          hs_timestamp: '1800000000000',
          hs_call_body: '<p>Left a&nbsp;message</p>',
          hs_call_disposition: 'b2cf5968-551e-4856-9783-52b3da59a7d0',
        }),
      ],
    });
    expect(drift).toEqual([]);
    expect(c).toMatchObject({
      id: 'hubspot:51',
      source: 'hubspot',
      sourceId: '51',
      name: { first: 'Ada', last: 'Lovelace', full: 'Ada Lovelace' },
      email: 'ada@example.com',
      primaryPhone: '+14155550199',
      timeZone: 'America/Los_Angeles',
      location: { country: 'US', state: 'CA', city: 'San Francisco', postalCode: '94105' },
      crmIntentStage: 'QUALIFIED',
      suppression: { doNotCall: false, emailOptOut: true },
    });
    expect(c.phones).toEqual([
      { e164: '+14155550199', raw: '+1 415 555 0199', type: 'MOBILE', extension: null, valid: true },
      { e164: '+14155550100', raw: '(415) 555-0100 ext. 204', type: 'WORK', extension: '204', valid: true },
    ]);
    expect(c.openDeal).toEqual({
      id: 'hubspot:9003',
      name: 'Sooner',
      stage: 'DISCOVERY',
      crmStage: 'qualifiedtobuy',
      closed: false,
      won: false,
      amount: null,
      closeDate: '2026-06-01',
    });
    expect(c.crmLastActivity).toEqual({
      at: new Date(1800000000000).toISOString(),
      summary: 'Left a message',
      disposition: 'Left voicemail',
      type: 'CALL',
    });
  });

  it('copes with messy values without inventing data', () => {
    const { contact: c, drift } = toCanonicalContact({
      contact: contact('52', {
        firstname: '   ',
        lastname: 'Ng',
        phone: 'call me maybe',
        mobilephone: '020 7946 0958',
        country: 'uk',
        state: 'London',
        hs_timezone: 'mars_slash_olympus_mons',
        lifecyclestage: 'customer',
        hs_lead_status: 'UNQUALIFIED',
        dialplane_do_not_call: '',
        hs_email_optout: null,
      }),
      deals: [],
      calls: [],
    });
    expect(drift).toEqual([]);
    expect(c.name).toEqual({ first: null, last: 'Ng', full: 'Ng' });
    // Country GB makes the national UK number readable; the junk value is kept raw, invalid.
    expect(c.phones).toEqual([
      { e164: '+442079460958', raw: '020 7946 0958', type: 'MOBILE', extension: null, valid: true },
      { e164: null, raw: 'call me maybe', type: 'WORK', extension: null, valid: false },
    ]);
    expect(c.primaryPhone).toBe('+442079460958');
    expect(c.location).toEqual({ country: 'GB', state: 'London', city: null, postalCode: null });
    expect(c.timeZone).toBeNull();
    expect(c.crmIntentStage).toBe('CUSTOMER');
    expect(c.suppression).toEqual({ doNotCall: false, emailOptOut: false });
    expect(c.openDeal).toBeNull();
    expect(c.crmLastActivity).toBeNull();
  });

  it('a property HubSpot omitted (renamed/removed) is drift on exactly the fields it feeds', () => {
    const base = contact('53', {
      firstname: 'Kim',
      lastname: 'Lee',
      phone: '4155550100',
      dialplane_do_not_call: 'true',
      hs_email_optout: 'false',
    });
    const { contact: c, drift } = toCanonicalContact({
      contact: without(base, 'dialplane_do_not_call'),
      deals: [],
      calls: [],
    });
    expect(drift).toEqual([
      { field: 'suppression.doNotCall', crmField: 'contacts.dialplane_do_not_call', reason: 'missing' },
    ]);
    // Not a silent false: null, and the runtime answers CRM_SCHEMA_DRIFT for that field alone.
    expect(c.suppression).toEqual({ doNotCall: null, emailOptOut: false });
    expect(c.phones?.[0]?.e164).toBe('+14155550100');
    expect(c.name?.full).toBe('Kim Lee');
  });

  it('present-but-null is not drift', () => {
    const { drift, contact: c } = toCanonicalContact({ contact: contact('54', {}), deals: [], calls: [] });
    expect(drift).toEqual([]);
    expect(c.suppression).toEqual({ doNotCall: false, emailOptOut: false });
    expect(c.phones).toEqual([]);
    expect(c.crmIntentStage).toBe('NEW');
  });

  it('drift of a phone property withholds the whole phone list and the primary phone', () => {
    const { contact: c, drift } = toCanonicalContact({
      contact: without(contact('55', { phone: '4155550100' }), 'mobilephone'),
      deals: [],
      calls: [],
    });
    expect(drift.map((d) => d.field).sort()).toEqual(['phones', 'primaryPhone']);
    expect(c.phones).toBeNull();
    expect(c.primaryPhone).toBeNull();
  });

  it('a value of the wrong type is drift (reason invalid), e.g. a boolean property turned into text', () => {
    const { contact: c, drift } = toCanonicalContact({
      contact: contact('56', { dialplane_do_not_call: 'sometimes' }),
      deals: [],
      calls: [],
    });
    expect(drift).toEqual([
      { field: 'suppression.doNotCall', crmField: 'contacts.dialplane_do_not_call', reason: 'invalid' },
    ]);
    expect(c.suppression?.doNotCall).toBeNull();
  });

  it('deal and call property drift affects only openDeal / crmLastActivity parts', () => {
    const { contact: c, drift } = toCanonicalContact({
      contact: contact('57', {}),
      deals: [
        without(
          deal('9101', {
            dealname: 'X',
            dealstage: 'appointmentscheduled',
            hs_is_closed: 'false',
            closedate: '2026-01-01',
          }),
          'amount',
        ),
      ],
      calls: [
        without(call('7101', { hs_timestamp: '2026-01-01T00:00:00Z', hs_call_title: 'Hi' }), 'hs_call_disposition'),
      ],
    });
    expect(drift).toEqual([
      { field: 'openDeal.amount', crmField: 'deals.amount', reason: 'missing' },
      { field: 'crmLastActivity.disposition', crmField: 'calls.hs_call_disposition', reason: 'missing' },
    ]);
    expect(c.openDeal).toMatchObject({ id: 'hubspot:9101', stage: 'QUALIFICATION', amount: null });
    expect(c.crmLastActivity).toMatchObject({ summary: 'Hi', disposition: null });
    const closedMissing = toCanonicalContact({
      contact: contact('58', {}),
      deals: [without(deal('9102', {}), 'hs_is_closed')],
      calls: [],
    });
    expect(closedMissing.contact.openDeal).toBeNull();
    expect(closedMissing.drift).toEqual([{ field: 'openDeal', crmField: 'deals.hs_is_closed', reason: 'missing' }]);
  });

  it('picks the most recently closed deal when none is open; custom stages use the closed flags', () => {
    const { contact: c } = toCanonicalContact({
      contact: contact('59', {}),
      deals: [
        deal('1', {
          dealstage: '12345678',
          hs_is_closed: 'true',
          hs_is_closed_won: 'true',
          closedate: '2025-03-01T00:00:00Z',
        }),
        deal('2', {
          dealstage: 'closedlost',
          hs_is_closed: 'true',
          hs_is_closed_won: 'false',
          closedate: '2025-01-01T00:00:00Z',
        }),
      ],
      calls: [],
    });
    expect(c.openDeal).toMatchObject({
      id: 'hubspot:1',
      stage: 'CLOSED_WON',
      crmStage: '12345678',
      closed: true,
      won: true,
    });
    expect(dealStageOf('12345678', false, false)).toBe('OTHER');
  });

  it('intent stage: strongest signal first', () => {
    expect(intentStageOf(null, null)).toBe('NEW');
    expect(intentStageOf('lead', 'ATTEMPTED_TO_CONTACT')).toBe('ATTEMPTING');
    expect(intentStageOf('lead', 'IN_PROGRESS')).toBe('ENGAGED');
    expect(intentStageOf('marketingqualifiedlead', 'CONNECTED')).toBe('QUALIFIED');
    expect(intentStageOf('salesqualifiedlead', 'OPEN_DEAL')).toBe('OPPORTUNITY');
    expect(intentStageOf('opportunity', 'BAD_TIMING')).toBe('UNQUALIFIED');
    expect(intentStageOf('evangelist', 'UNQUALIFIED')).toBe('CUSTOMER');
    expect(intentStageOf('other', null)).toBe('UNKNOWN');
    expect(intentStageOf('someCustomStage', 'NEW')).toBe('NEW');
    expect(intentStageOf('LEAD', 'new')).toBe('NEW');
  });

  it('summaries are plain text and bounded', () => {
    expect(plainSummary(null, `<p>${'a'.repeat(500)}</p>`)).toHaveLength(200);
    expect(plainSummary(null, '<br/>')).toBeNull();
  });

  it('time zones: HubSpot option values and IANA names read as IANA; unknown -> null', () => {
    expect(hubspotTimeZoneToIana('america_slash_new_york')).toBe('America/New_York');
    expect(hubspotTimeZoneToIana('america_slash_indiana_slash_indianapolis')).toBe('America/Indiana/Indianapolis');
    expect(hubspotTimeZoneToIana('america_slash_port_of_spain')).toBe('America/Port_of_Spain');
    expect(hubspotTimeZoneToIana('Europe/Berlin')).toBe('Europe/Berlin');
    expect(hubspotTimeZoneToIana('US/Eastern')).toBe('US/Eastern');
    expect(hubspotTimeZoneToIana('us_slash_east_minus_indiana')).toBe('US/East-Indiana');
    expect(hubspotTimeZoneToIana('canada_slash_atlantic')).toBe('Canada/Atlantic');
    expect(hubspotTimeZoneToIana('etc_slash_gmt_plus_5')).toBe('Etc/GMT+5');
    expect(hubspotTimeZoneToIana('Eastern Time')).toBeNull();
    expect(hubspotTimeZoneToIana('mars_slash_olympus')).toBeNull();
    expect(hubspotTimeZoneToIana('')).toBeNull();
  });

  it('location reads names and codes, keeps the rest raw', () => {
    expect(normalizeCountry('USA')).toBe('US');
    expect(normalizeCountry('Germany')).toBe('DE');
    expect(normalizeCountry('ca')).toBe('CA');
    expect(normalizeCountry('Atlantis')).toBe('Atlantis');
    expect(normalizeState('new york', 'US')).toBe('NY');
    expect(normalizeState('tx', null)).toBe('TX');
    expect(normalizeState('Bavaria', 'DE')).toBe('Bavaria');
  });

  it('mapping check reports missing, retyped and unmapped options', () => {
    const live = new Map(
      HUBSPOT_PROPERTY_SPECS.map((s) => [
        `${s.object}.${s.property}`,
        { name: s.property, type: s.types[0]!, options: [] as { value: string }[] },
      ]),
    );
    expect(compareProperties(live)).toEqual([]);
    live.delete('contacts.dialplane_do_not_call');
    live.set('deals.amount', { name: 'amount', type: 'string', options: [] });
    live.set('contacts.lifecyclestage', {
      name: 'lifecyclestage',
      type: 'enumeration',
      options: [{ value: 'lead' }, { value: 'partner' }],
    });
    expect(compareProperties(live)).toEqual([
      {
        crmField: 'contacts.lifecyclestage',
        problem: 'picklist_value_unmapped',
        expected: 'a mapped option value',
        actual: 'partner',
      },
      { crmField: 'contacts.dialplane_do_not_call', problem: 'missing', expected: 'bool' },
      { crmField: 'deals.amount', problem: 'type_changed', expected: 'number', actual: 'string' },
    ]);
  });

  it('docs/mapping-hubspot.md holds exactly the table generated from the mapping code', () => {
    const docs = readFileSync(new URL('../../docs/mapping-hubspot.md', import.meta.url), 'utf8');
    expect(extractMappingTable(docs)).toBe(renderMappingTable(HUBSPOT_MAPPING_VERSION, HUBSPOT_MAPPING_TABLE));
  });

  it('every property the mapping reads feeds at least one canonical field and has a documented row', () => {
    for (const s of HUBSPOT_PROPERTY_SPECS) {
      expect(s.feeds.length, `${s.object}.${s.property}`).toBeGreaterThan(0);
      expect(HUBSPOT_MAPPING_TABLE.some((r) => r.crmField === `${s.object}.${s.property}`)).toBe(true);
    }
  });
});
