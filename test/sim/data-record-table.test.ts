import { describe, expect, it } from 'vitest';
import {
  generateHubspotDataset,
  generateSalesforceDataset,
  phoneDigitsKey,
  RecordTable,
  resetDataset,
  salesforceRowOf,
  type SfRecord,
} from '../../sim/data/index.js';

const phoneKeys = (c: SfRecord) => [
  phoneDigitsKey(c.Phone as string | null),
  phoneDigitsKey(c.MobilePhone as string | null),
];

describe('sim data: RecordTable', () => {
  it('reads generated rows by 18- and 15-character ids and rejects foreign ones', () => {
    const { Contact } = generateSalesforceDataset({ seed: 1, contacts: 100 });
    const id = Contact.idAt(42);
    const record = Contact.get(id)!;
    expect(record.Id).toBe(id);
    expect(Contact.get(id.slice(0, 15))).toEqual(record);
    expect(Contact.get(id.slice(0, 15) + id.slice(15).toLowerCase())).toEqual(record); // suffix is case-insensitive
    expect(Contact.get(id.slice(0, 15) + 'ZZZ')).toBeUndefined(); // wrong checksum
    expect(Contact.get(Contact.idAt(100))).toBeUndefined(); // past the end
    expect(Contact.has('006Dp0000000000IAA')).toBe(false); // an Opportunity id
    expect(Contact.get('garbage')).toBeUndefined();
    expect(salesforceRowOf('003', id)).toBe(42);
  });

  it('returns frozen records, so writes must go through set/update', () => {
    const { Contact } = generateSalesforceDataset({ seed: 1, contacts: 10 });
    const record = Contact.get(Contact.idAt(7))!;
    expect(Object.isFrozen(record)).toBe(true);
    expect(() => {
      (record as Record<string, unknown>).Phone = 'x';
    }).toThrow(TypeError);
    const hs = generateHubspotDataset({ seed: 1, contacts: 10 });
    const contact = hs.contacts.get('1009')!;
    expect(Object.isFrozen(contact.properties)).toBe(true);
    const props = { ...contact.properties, phone: '+14155550999' };
    hs.contacts.set(contact.id, { ...contact, properties: props });
    props.phone = 'mutated later';
    expect(hs.contacts.get(contact.id)!.properties.phone).toBe('+14155550999'); // stored a copy
  });

  it('updates, inserts and deletes with size, iteration order and written() kept right', () => {
    const { Task } = generateSalesforceDataset({ seed: 2, contacts: 50 });
    const before = Task.size;
    const first = Task.idAt(0);
    const updated = Task.update(first, { CallDisposition: 'Connected', Subject: 'edited' })!;
    expect(updated.Subject).toBe('edited');
    expect(Task.get(first)!.Subject).toBe('edited');
    expect(Task.update('00TDp000000zzzzAAA', { Subject: 'x' })).toBeUndefined();

    const a = Task.insert({ Id: 'ignored', Subject: 'new call', WhoId: null });
    const b = Task.insert({ Subject: 'another' });
    expect(a).not.toBe(b);
    expect(Task.get(a)).toMatchObject({ Id: a, Subject: 'new call' });
    expect(Task.size).toBe(before + 2);
    // A plain create twice creates two records, as in the real CRMs.
    expect(Task.insert({ Subject: 'new call' })).not.toBe(a);
    expect(Task.size).toBe(before + 3);

    expect(Task.delete(Task.idAt(1))).toBe(true);
    expect(Task.delete(Task.idAt(1))).toBe(false);
    expect(Task.has(Task.idAt(1))).toBe(false);
    expect(Task.delete(b)).toBe(true);
    expect(Task.size).toBe(before + 1);

    const ids = [...Task.values()].map((t) => t.Id);
    expect(ids).toHaveLength(Task.size);
    expect(ids[0]).toBe(first);
    expect(ids.slice(-2)).toEqual([a, ids[ids.length - 1]]);
    expect(ids).not.toContain(Task.idAt(1));
    expect([...Task.written()].map((t) => t.Subject).sort()).toEqual(['edited', 'new call', 'new call']);

    // A deleted generated row can be written again.
    Task.set(Task.idAt(1), { Id: '', Subject: 'restored' });
    expect(Task.get(Task.idAt(1))!.Subject).toBe('restored');
    expect(Task.size).toBe(before + 2);
    expect(() => Task.set('not-an-id', { Id: '' })).toThrow(RangeError);
  });

  it('reset() returns to exactly the generated state', () => {
    const sf = generateSalesforceDataset({ seed: 3, contacts: 30 });
    const hs = generateHubspotDataset({ seed: 3, contacts: 30 });
    const original = [...sf.Contact.values()];
    const originalDeals = new Map(hs.associations.contactDeals);
    sf.Contact.update(sf.Contact.idAt(10), { DoNotCall: true });
    sf.Contact.delete(sf.Contact.idAt(11));
    sf.Contact.insert({ LastName: 'New' });
    hs.associations.contactDeals.set('1010', ['20000000001']);
    resetDataset(sf);
    resetDataset(hs);
    expect([...sf.Contact.values()]).toEqual(original);
    expect([...sf.Contact.written()]).toEqual([]);
    expect(new Map(hs.associations.contactDeals)).toEqual(originalDeals);
    // Ids handed out after a reset start again where generation ended.
    expect(sf.Contact.insert({ LastName: 'Again' })).toBe(sf.Contact.idAt(30));
  });
});

describe('sim data: equality index', () => {
  it('finds generated records by a normalised key without scanning, in row order', () => {
    const { Contact } = generateSalesforceDataset({ seed: 4, contacts: 5_000 });
    const byPhone = Contact.createIndex(phoneKeys);
    expect(byPhone.build()).toBeGreaterThan(5_000); // Phone + MobilePhone keys
    expect(byPhone.lookup('4155550100').map((c) => c.LastName)).toEqual(['Whitaker']); // demo: (415) 555-0100
    expect(byPhone.lookup('4155550101').map((c) => c.LastName)).toEqual(['Whitaker']); // its mobile
    expect(byPhone.lookup('0000000001')).toEqual([]);
    // Agrees with a full scan for a sample of keys.
    const scan = new Map<string, string[]>();
    for (const c of Contact.values())
      for (const k of new Set(phoneKeys(c))) if (k) scan.set(k, [...(scan.get(k) ?? []), c.Id]);
    let checked = 0;
    for (const [key, ids] of scan) {
      if (checked++ > 800) break;
      expect(byPhone.lookup(key).map((c) => c.Id)).toEqual(ids);
    }
  });

  it('follows writes: changed keys move, deleted rows vanish, inserted rows appear', () => {
    const { Contact } = generateSalesforceDataset({ seed: 4, contacts: 1_000 });
    const byPhone = Contact.createIndex(phoneKeys);
    const dana = Contact.idAt(0);
    Contact.update(dana, { Phone: '+1 (415) 555-0999', MobilePhone: null });
    expect(byPhone.lookup('4155550100')).toEqual([]);
    expect(byPhone.lookup('4155550101')).toEqual([]);
    expect(byPhone.lookup('4155550999').map((c) => c.Id)).toEqual([dana]);

    const newId = Contact.insert({ LastName: 'Shared', Phone: '415-555-0999' });
    expect(byPhone.lookup('4155550999').map((c) => c.Id)).toEqual([dana, newId]);
    Contact.delete(dana);
    expect(byPhone.lookup('4155550999').map((c) => c.Id)).toEqual([newId]);

    // An index created after writes sees them too.
    const late = Contact.createIndex(phoneKeys);
    expect(late.lookup('4155550999').map((c) => c.Id)).toEqual([newId]);
    Contact.reset();
    expect(byPhone.lookup('4155550999')).toEqual([]);
    expect(late.lookup('4155550100').map((c) => c.Id)).toEqual([dana]);
  });

  it('works as a child index (opportunities by ContactId)', () => {
    const sf = generateSalesforceDataset({ seed: 5, contacts: 2_000 });
    const byContact = sf.Opportunity.createIndex((o) => o.ContactId as string);
    let total = 0;
    for (const c of sf.Contact.values()) total += byContact.lookupRows(c.Id).length;
    expect(total).toBe(sf.Opportunity.size);
    expect(byContact.lookup(sf.Contact.idAt(0)).map((o) => o.StageName)).toEqual(['Proposal/Price Quote']);
  });
});

describe('sim data: association maps', () => {
  it('behave like a Map over the generated associations plus writes', () => {
    const hs = generateHubspotDataset({ seed: 6, contacts: 500 });
    const calls = hs.associations.contactCalls;
    expect(Object.prototype.toString.call(calls)).toBe('[object Map]');
    const withCalls = [...calls.keys()];
    expect(calls.size).toBe(withCalls.length);
    const contact = withCalls[3];
    const before = calls.get(contact)!;
    const newCall = hs.calls.insert({
      id: '',
      properties: { hs_timestamp: '2024-06-01T00:00:00.000Z' },
      createdAt: '',
      updatedAt: '',
      archived: false,
    });
    calls.set(contact, [...before, newCall]);
    expect(calls.get(contact)).toEqual([...before, newCall]);
    calls.get(contact)!.push('mutating a copy');
    expect(calls.get(contact)).toHaveLength(before.length + 1);

    const noCalls = [...hs.contacts.values()].find((c) => !calls.has(c.id))!.id;
    calls.set(noCalls, [newCall]);
    expect(calls.size).toBe(withCalls.length + 1);
    expect(calls.delete(noCalls)).toBe(true);
    expect(calls.has(noCalls)).toBe(false);
    expect(calls.size).toBe(withCalls.length);

    calls.set('999999', [newCall]); // a contact the generator never made
    expect([...calls.keys()].at(-1)).toBe('999999');
    calls.clear();
    expect(calls.size).toBe(0);
    expect([...calls.entries()]).toEqual([]);
    calls.reset();
    expect(calls.size).toBe(withCalls.length);
  });
});

describe('sim data: RecordTable over a custom source', () => {
  it('works for any lazily generated rows', () => {
    const table = new RecordTable<{ key: string; n: number }>({
      name: 'Thing',
      idKey: 'key',
      baseSize: 3,
      idAt: (row) => `t${row}`,
      rowOf: (id) => (/^t\d+$/.test(id) ? Number(id.slice(1)) : undefined),
      generate: (row) => Object.freeze({ key: `t${row}`, n: row * 10 }),
    });
    expect([...table.values()].map((t) => t.n)).toEqual([0, 10, 20]);
    expect(table.insert({ n: 99 } as { key: string; n: number })).toBe('t3');
    expect(table.get('t3')).toEqual({ key: 't3', n: 99 });
  });
});
