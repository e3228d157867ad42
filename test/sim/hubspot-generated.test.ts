import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@hubspot/api-client';
import { generateHubspotDataset } from '../../sim/data/hubspot-dataset.js';
import { OBJECT_TYPES, PROPERTY_DEFINITIONS } from '../../sim/hubspot/properties.js';
import { normalizeWrite } from '../../sim/hubspot/property-values.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';

/**
 * The simulator serving a generated portal (sim/data): records come from the lazy generator,
 * writes go to the simulator's overlay, and the same seed serves the same answers.
 */

const CONTACTS = 2_000;
const FIRST_CONTACT_ID = 1001;

let sim: HubspotSim;
let hubspot: Client;

beforeAll(async () => {
  sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 }, seed: 7, contacts: CONTACTS });
  hubspot = new Client({ accessToken: 'dev-hubspot-token', basePath: sim.url });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  await sim.admin.reset();
});

const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: String(from + i) }));
const PROPS = [
  'firstname',
  'lastname',
  'email',
  'phone',
  'mobilephone',
  'hs_timezone',
  'state',
  'dialplane_do_not_call',
  'hs_email_optout',
  'lifecyclestage',
];

describe('generated portal', () => {
  it('defines every property the generator writes, and every generated value is one HubSpot would accept', () => {
    const data = generateHubspotDataset({ seed: 'schema-check', contacts: 500 });
    const problems: string[] = [];
    for (const type of OBJECT_TYPES) {
      const defs = new Map(PROPERTY_DEFINITIONS[type].map((d) => [d.name, d]));
      for (const record of data[type].values()) {
        for (const [name, value] of Object.entries(record.properties)) {
          const def = defs.get(name);
          if (!def) problems.push(`${type}.${name}: not defined (reads would drop it)`);
          // Imported portals hold plain IANA zones in hs_timezone, which the API would not accept
          // as an option on write; reading them is the point (the mapping handles both spellings).
          else if (
            value !== null &&
            !(name === 'hs_timezone' && value.includes('/')) &&
            'issue' in normalizeWrite(def, name, value)
          ) {
            problems.push(`${type}.${name}: ${JSON.stringify(value)} not valid`);
          }
        }
      }
    }
    expect([...new Set(problems)].slice(0, 20)).toEqual([]);
  });

  it('batch-reads 100 generated contacts with their properties', async () => {
    const res = await hubspot.crm.contacts.batchApi.read({
      inputs: ids(FIRST_CONTACT_ID, 100),
      properties: PROPS,
      propertiesWithHistory: [],
    });
    expect(res.results).toHaveLength(100);
    for (const r of res.results) {
      expect(Object.keys(r.properties).sort()).toEqual(
        [...PROPS, 'createdate', 'hs_object_id', 'lastmodifieddate'].sort(),
      );
      expect(r.properties.hs_object_id).toBe(r.id);
    }
    expect(res.results.some((r) => r.properties.dialplane_do_not_call === 'true')).toBe(true);
  });

  it('serves the same data for the same seed, and different data for another seed', async () => {
    const other = await startHubspotSim({
      port: 0,
      latency: { medianMs: 0, jitterMs: 0 },
      seed: 7,
      contacts: CONTACTS,
    });
    const third = await startHubspotSim({
      port: 0,
      latency: { medianMs: 0, jitterMs: 0 },
      seed: 8,
      contacts: CONTACTS,
    });
    try {
      const read = (url: string) =>
        new Client({ accessToken: 'dev-hubspot-token', basePath: url }).crm.contacts.batchApi
          .read({ inputs: ids(FIRST_CONTACT_ID + 500, 50), properties: PROPS, propertiesWithHistory: [] })
          .then((r) => r.results.map((o) => [o.id, o.properties, o.updatedAt.toISOString()]));
      const [a, b, c] = await Promise.all([read(sim.url), read(other.url), read(third.url)]);
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
    } finally {
      await Promise.all([other.close(), third.close()]);
    }
  });

  it('finds generated contacts by the digits of their messy phone numbers', async () => {
    const res = await hubspot.crm.contacts.batchApi.read({
      inputs: ids(FIRST_CONTACT_ID + 100, 100),
      properties: ['phone', 'hs_searchable_calculated_phone_number'],
      propertiesWithHistory: [],
    });
    const withPhone = res.results.filter((r) => r.properties.hs_searchable_calculated_phone_number);
    expect(withPhone.length).toBeGreaterThan(50);
    for (const contact of withPhone.slice(0, 10)) {
      const found = await hubspot.crm.contacts.searchApi.doSearch({
        filterGroups: [
          {
            filters: [
              {
                propertyName: 'hs_searchable_calculated_phone_number',
                operator: 'EQ' as never,
                value: contact.properties.hs_searchable_calculated_phone_number!,
              },
            ],
          },
        ],
        properties: ['phone'],
        limit: 10,
        after: '0',
        sorts: [],
      });
      expect(found.results.map((r) => r.id)).toContain(contact.id);
    }
  });

  it('writes to generated records are visible, indexed and searchable by modification date, and reset drops them', async () => {
    const id = String(FIRST_CONTACT_ID + 42);
    await hubspot.crm.contacts.basicApi.update(id, {
      properties: { phone: '+1 (907) 555-0142', dialplane_do_not_call: 'true' },
    });
    const read = await hubspot.crm.contacts.basicApi.getById(id, ['phone', 'dialplane_do_not_call']);
    expect(read.properties).toMatchObject({ phone: '+1 (907) 555-0142', dialplane_do_not_call: 'true' });
    const byPhone = await hubspot.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_searchable_calculated_phone_number', operator: 'EQ' as never, value: '9075550142' },
          ],
        },
      ],
      properties: [],
      limit: 10,
      after: '0',
      sorts: [],
    });
    expect(byPhone.results.map((r) => r.id)).toEqual([id]);
    const recent = await hubspot.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE' as never, value: String(Date.now() - 60_000) }],
        },
      ],
      properties: [],
      limit: 10,
      after: '0',
      sorts: [],
    });
    expect(recent.results.map((r) => r.id)).toEqual([id]);

    const original = (
      await hubspot.crm.contacts.batchApi.read({
        inputs: [{ id: String(FIRST_CONTACT_ID + 43) }],
        properties: ['hs_searchable_calculated_phone_number'],
        propertiesWithHistory: [],
      })
    ).results[0];
    await sim.admin.reset();
    const after = await hubspot.crm.contacts.basicApi.getById(id, ['phone', 'dialplane_do_not_call']);
    expect(after.properties.phone).not.toBe('+1 (907) 555-0142');
    const gone = await hubspot.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_searchable_calculated_phone_number', operator: 'EQ' as never, value: '9075550142' },
          ],
        },
      ],
      properties: [],
      limit: 10,
      after: '0',
      sorts: [],
    });
    expect(gone.results).toEqual([]);
    // The generated index still answers after the reset.
    const digits = original.properties.hs_searchable_calculated_phone_number;
    if (digits) {
      const again = await hubspot.crm.contacts.searchApi.doSearch({
        filterGroups: [
          {
            filters: [
              { propertyName: 'hs_searchable_calculated_phone_number', operator: 'EQ' as never, value: digits },
            ],
          },
        ],
        properties: [],
        limit: 10,
        after: '0',
        sorts: [],
      });
      expect(again.results.map((r) => r.id)).toContain(original.id);
    }
  });

  it('pages through every generated contact with getPage', async () => {
    let after: string | undefined;
    let count = 0;
    let last = 0;
    for (;;) {
      const page = await hubspot.crm.contacts.basicApi.getPage(100, after, ['firstname']);
      for (const r of page.results) {
        expect(Number(r.id)).toBeGreaterThan(last);
        last = Number(r.id);
      }
      count += page.results.length;
      after = page.paging?.next?.after;
      if (!after) break;
    }
    expect(count).toBe(CONTACTS);
  });

  it('logs a call on a generated contact next to its generated calls', async () => {
    const contactId = String(FIRST_CONTACT_ID + 7);
    const before = await hubspot.crm.associations.v4.batchApi.getPage('contacts', 'calls', {
      inputs: [{ id: contactId }],
    });
    const existing = before.results[0]?.to.length ?? 0;
    const call = await hubspot.crm.objects.calls.basicApi.create({
      properties: { hs_timestamp: new Date().toISOString(), hs_call_title: 'Dialplane call', dialplane_key: 'gen-1' },
      associations: [
        { to: { id: contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 194 }] },
      ],
    });
    const after = await hubspot.crm.associations.v4.batchApi.getPage('contacts', 'calls', {
      inputs: [{ id: contactId }],
    });
    expect(after.results[0].to).toHaveLength(existing + 1);
    expect(after.results[0].to.map((t) => String(t.toObjectId))).toContain(call.id);
    expect(Number(call.id)).toBeGreaterThan(Number(before.results[0]?.to.at(-1)?.toObjectId ?? 0));
  });

  it('closing a generated deal as won makes its contact a customer', async () => {
    const deals = await hubspot.crm.associations.v4.batchApi.getPage('contacts', 'deals', {
      inputs: ids(FIRST_CONTACT_ID, 50),
    });
    const open = deals.results.find((r) => r.to.length === 1);
    expect(open).toBeDefined();
    const dealId = String(open!.to[0].toObjectId);
    const contactId = open!._from.id;
    await sim.admin.edit({ kind: 'closeDeal', dealId, won: true });
    const contact = await hubspot.crm.contacts.basicApi.getById(contactId, ['lifecyclestage']);
    expect(contact.properties.lifecyclestage).toBe('customer');
  });
});
