import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  datasetEpochMs,
  demoContacts,
  generateHubspotDataset,
  generateSalesforceDataset,
  type HubspotDataset,
  type SalesforceDataset,
} from '../../sim/data/index.js';

function digest(tables: Record<string, Iterable<unknown>>): string {
  const hash = createHash('sha256');
  for (const [name, table] of Object.entries(tables)) {
    hash.update(name);
    for (const record of table) hash.update(JSON.stringify(record));
  }
  return hash.digest('hex');
}

const sfDigest = (ds: SalesforceDataset) => digest({ ...ds });
const hsDigest = (ds: HubspotDataset) =>
  digest({
    contacts: ds.contacts.values(),
    deals: ds.deals.values(),
    calls: ds.calls.values(),
    contactDeals: ds.associations.contactDeals.entries(),
    contactCalls: ds.associations.contactCalls.entries(),
  });

describe('sim data: determinism', () => {
  it('generates identical Salesforce data for the same seed, in any access order', () => {
    const a = generateSalesforceDataset({ seed: 42, contacts: 3_000 });
    const b = generateSalesforceDataset({ seed: 42, contacts: 3_000 });
    // Random access first on b: a row must not depend on which rows were generated before it.
    const id = b.Contact.idAt(2_345);
    expect(b.Contact.get(id)).toEqual(a.Contact.get(id));
    expect(sfDigest(a)).toBe(sfDigest(b));
    expect(a.Opportunity.size).toBe(b.Opportunity.size);
    expect(a.Task.size).toBe(b.Task.size);
  });

  it('generates identical HubSpot data (objects and associations) for the same seed', () => {
    const a = generateHubspotDataset({ seed: 'demo', contacts: 3_000 });
    const b = generateHubspotDataset({ seed: 'demo', contacts: 3_000 });
    expect(b.calls.get(b.calls.idAt(999))).toEqual(a.calls.get(a.calls.idAt(999)));
    expect(hsDigest(a)).toBe(hsDigest(b));
  });

  it('generates different data for a different seed', () => {
    const a = generateSalesforceDataset({ seed: 1, contacts: 500 });
    const b = generateSalesforceDataset({ seed: 2, contacts: 500 });
    expect(sfDigest(a)).not.toBe(sfDigest(b));
    let samePhone = 0;
    for (let row = 10; row < 500; row++) {
      if (a.Contact.get(a.Contact.idAt(row))!.Phone === b.Contact.get(b.Contact.idAt(row))!.Phone) samePhone++;
    }
    expect(samePhone).toBeLessThan(10);
    expect(hsDigest(generateHubspotDataset({ seed: 1, contacts: 500 }))).not.toBe(
      hsDigest(generateHubspotDataset({ seed: 2, contacts: 500 })),
    );
  });

  it('a smaller dataset is a prefix of a larger one with the same seed', () => {
    const small = generateSalesforceDataset({ seed: 9, contacts: 200 });
    const large = generateSalesforceDataset({ seed: 9, contacts: 2_000 });
    for (const record of small.Contact.values()) expect(large.Contact.get(record.Id)).toEqual(record);
    for (const record of small.Task.values()) expect(large.Task.get(record.Id)).toEqual(record);
  });

  it('dates every record at or before the seed-derived epoch, never from the clock', () => {
    const seed = 5;
    const epoch = datasetEpochMs(seed);
    expect(datasetEpochMs(seed)).toBe(epoch);
    expect(epoch).toBeGreaterThanOrEqual(Date.UTC(2024, 4, 1, 12));
    const sf = generateSalesforceDataset({ seed, contacts: 1_000 });
    for (const table of [sf.Contact, sf.Task, sf.Account, sf.Opportunity]) {
      for (const record of table.values()) {
        expect(record.SystemModstamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
        expect(Date.parse((record.SystemModstamp as string).replace('+0000', 'Z'))).toBeLessThanOrEqual(epoch);
        expect(Date.parse((record.CreatedDate as string).replace('+0000', 'Z'))).toBeLessThanOrEqual(
          Date.parse((record.LastModifiedDate as string).replace('+0000', 'Z')),
        );
      }
    }
    const hs = generateHubspotDataset({ seed, contacts: 1_000 });
    for (const record of hs.contacts.values()) {
      expect(Date.parse(record.updatedAt)).toBeLessThanOrEqual(epoch);
      expect(record.properties.lastmodifieddate).toBe(record.updatedAt);
    }
  });

  it('keeps the demo contacts identical for every seed', () => {
    for (const seed of [1, 77, 'x']) {
      const sf = generateSalesforceDataset({ seed, contacts: 50 });
      const hs = generateHubspotDataset({ seed, contacts: 50 });
      for (const demo of demoContacts) {
        if (demo.crm === 'salesforce') {
          const c = sf.Contact.get(demo.id)!;
          expect(`${c.FirstName} ${c.LastName}`).toBe(demo.name);
          expect(c.Phone).toBe(demo.phone);
        } else {
          const c = hs.contacts.get(demo.id)!;
          expect(`${c.properties.firstname} ${c.properties.lastname}`).toBe(demo.name);
          expect(c.properties.phone).toBe(demo.phone);
        }
      }
      expect(sf.Contact.get(demoContacts[1].id)!.DoNotCall).toBe(true);
      expect(hs.contacts.get('1002')!.properties.dialplane_do_not_call).toBe('true');
      expect(sf.Opportunity.get(sf.Opportunity.idAt(0))!.StageName).toBe('Proposal/Price Quote');
    }
  });

  it('rejects invalid options at the boundary', () => {
    expect(() => generateSalesforceDataset({ seed: 1, contacts: -1 })).toThrow();
    expect(() => generateHubspotDataset({ seed: 1.5 })).toThrow();
    expect(generateSalesforceDataset().Contact.size).toBe(10_000);
  });

  it('generates and reads 10,000 contacts per CRM with all children quickly (logged, not asserted)', () => {
    const started = performance.now();
    const sf = generateSalesforceDataset({ seed: 3 });
    const hs = generateHubspotDataset({ seed: 3 });
    let records = 0;
    for (const table of [sf.Contact, sf.Opportunity, sf.Task, sf.Account, hs.contacts, hs.deals, hs.calls]) {
      for (const _ of table.values()) records++;
    }
    const ms = performance.now() - started;
    console.info(`generated and read ${records} records (10k contacts per CRM) in ${ms.toFixed(0)} ms`);
    expect(records).toBeGreaterThan(50_000);
  });
});
