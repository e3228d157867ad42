import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AREA_CODES,
  describeHubspotContact,
  describeSalesforceContact,
  generateHubspotDataset,
  generateSalesforceDataset,
  HS_CALL_DISPOSITIONS,
  HS_DEAL_STAGES,
  HS_LEAD_STATUSES,
  HS_LIFECYCLE_STAGES,
  hubspotCalculatedPhoneProperties,
  phoneDigitsKey,
  salesforceChecksum,
  SF_STAGES,
  type HubspotDataset,
  type SalesforceDataset,
  type SfRecord,
} from '../../sim/data/index.js';
import { unusablePhone } from '../../sim/data/phone-format.js';
import { Rng } from '../../sim/data/prng.js';

const SEED = 11;
const N = 10_000;
let sf: SalesforceDataset;
let hs: HubspotDataset;
let sfContacts: SfRecord[];

const share = (count: number, total: number) => count / total;
const dialable = (raw: string | null | undefined) => {
  if (!raw) return false;
  const parsed = parsePhoneNumberFromString(raw, 'US');
  return parsed !== undefined && parsed.isValid();
};

beforeAll(() => {
  sf = generateSalesforceDataset({ seed: SEED, contacts: N });
  hs = generateHubspotDataset({ seed: SEED, contacts: N });
  sfContacts = [...sf.Contact.values()];
});

describe('sim data: messiness like real CRMs', () => {
  it('has about 3% duplicate people per CRM, some of them across CRMs', () => {
    let sfDup = 0;
    let hsDup = 0;
    let cross = 0;
    for (let row = 0; row < N; row++) {
      const s = describeSalesforceContact({ seed: SEED, contacts: N }, row).duplicateOf;
      const h = describeHubspotContact({ seed: SEED, contacts: N }, row).duplicateOf;
      if (s) sfDup++;
      if (h) hsDup++;
      if (s?.crm === 'hubspot' || h?.crm === 'salesforce') cross++;
    }
    expect(share(sfDup, N)).toBeGreaterThan(0.022);
    expect(share(sfDup, N)).toBeLessThan(0.038);
    expect(share(hsDup, N)).toBeGreaterThan(0.022);
    expect(share(hsDup, N)).toBeLessThan(0.038);
    expect(cross).toBeGreaterThan(0.2 * (sfDup + hsDup));

    // The duplicates are visible in the data: a later record reuses an earlier record's number.
    const seen = new Set<string>();
    let reused = 0;
    for (const c of sfContacts) {
      const keys = [c.Phone, c.MobilePhone]
        .map((p) => (dialable(p as string) ? phoneDigitsKey(p as string) : null))
        .filter(Boolean) as string[];
      if (keys.some((k) => seen.has(k))) reused++;
      for (const k of keys) seen.add(k);
    }
    expect(share(reused, N)).toBeGreaterThan(0.01);
    expect(share(reused, N)).toBeLessThan(0.04);

    // And across CRMs: some HubSpot records carry a Salesforce contact's number.
    const sfNumbers = new Set(sfContacts.map((c) => phoneDigitsKey(c.Phone as string)).filter(Boolean));
    let inBoth = 0;
    for (const c of hs.contacts.values())
      if (sfNumbers.has(c.properties.hs_searchable_calculated_phone_number ?? '')) inBoth++;
    expect(inBoth).toBeGreaterThan(30);
  });

  it('has about 2% unusable phone numbers, and every other stored number is dialable', () => {
    for (const [crm, phones] of [
      ['salesforce', sfContacts.map((c) => c.Phone as string | null)],
      ['hubspot', [...hs.contacts.values()].map((c) => c.properties.phone)],
    ] as const) {
      const present = phones.filter((p) => p !== null);
      const unusable = present.filter((p) => !dialable(p));
      expect(share(unusable.length, N), crm).toBeGreaterThan(0.013);
      expect(share(unusable.length, N), crm).toBeLessThan(0.028);
      expect(share(phones.length - present.length, N), crm).toBeGreaterThan(0.005); // some have none at all
    }
    // The generator's own verdict agrees with libphonenumber's, row by row, in both CRMs.
    const disagreements: string[] = [];
    const hsContacts = [...hs.contacts.values()];
    for (let row = 0; row < N; row += 3) {
      if (
        describeSalesforceContact({ seed: SEED, contacts: N }, row).phoneUsable !==
        dialable(sfContacts[row].Phone as string | null)
      )
        disagreements.push(`sf ${row}`);
      if (
        describeHubspotContact({ seed: SEED, contacts: N }, row).phoneUsable !==
        dialable(hsContacts[row].properties.phone)
      )
        disagreements.push(`hs ${row}`);
    }
    expect(disagreements).toEqual([]);
    // Every area code the generator uses is a valid NANP code in its country.
    for (const area of AREA_CODES) {
      const parsed = parsePhoneNumberFromString(`+1${area.npa}2345678`);
      expect(parsed?.isValid(), area.npa).toBe(true);
      expect(parsed?.country, area.npa).toBe(area.country);
    }
  });

  it('makes unusable phone values that libphonenumber always rejects', () => {
    const rng = new Rng(123);
    const accepted: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const digits = `${rng.between(200, 999)}${rng.between(200, 999)}${String(rng.int(10_000)).padStart(4, '0')}`;
      const value = unusablePhone(digits, rng);
      if (dialable(value)) accepted.push(value);
    }
    expect(accepted).toEqual([]);
  });

  it('mixes phone formats, including extensions and E.164', () => {
    const phones = sfContacts.map((c) => c.Phone as string | null).filter((p): p is string => p !== null);
    const count = (re: RegExp) => phones.filter((p) => re.test(p)).length;
    expect(count(/^\(\d{3}\) \d{3}-\d{4}$/)).toBeGreaterThan(500);
    expect(count(/^\+1 \d{3}\.\d{3}\.\d{4}$/)).toBeGreaterThan(100);
    expect(count(/^\d{10} x\d+$/)).toBeGreaterThan(50);
    expect(count(/^\d{3}-\d{3}-\d{4}$/)).toBeGreaterThan(500);
    expect(count(/^\+1\d{10}$/)).toBeGreaterThan(200);
    expect(count(/ext\. \d+$/)).toBeGreaterThan(20);
  });

  it('covers every US time zone, split-zone area codes and a few Canadian numbers', () => {
    const zones = new Set<string>();
    const npas = new Set<string>();
    let canadian = 0;
    let disagree = 0;
    for (let row = 0; row < N; row++) {
      const t = describeSalesforceContact({ seed: SEED, contacts: N }, row);
      zones.add(t.phoneZone);
      if (t.phoneDigits) npas.add(t.phoneDigits.slice(0, 3));
      if (t.country === 'CA') canadian++;
      if (t.addressDisagrees) disagree++;
    }
    for (const zone of [
      'America/New_York',
      'America/Chicago',
      'America/Denver',
      'America/Phoenix',
      'America/Los_Angeles',
      'America/Anchorage',
      'Pacific/Honolulu',
      'America/Boise',
      'America/Indiana/Indianapolis',
    ]) {
      expect(zones, zone).toContain(zone);
    }
    for (const npa of [
      '602',
      '520',
      '480',
      '808',
      '907',
      '850',
      '208',
      '541',
      '605',
      '915',
      '906',
      '270',
      '423',
      '308',
      '701',
      '620',
      '812',
      '219',
      '416',
      '604',
      '514',
    ]) {
      expect(npas, npa).toContain(npa);
    }
    expect(share(canadian, N)).toBeGreaterThan(0.005);
    expect(share(canadian, N)).toBeLessThan(0.05);
    expect(share(disagree, N)).toBeGreaterThan(0.04);
    expect(share(disagree, N)).toBeLessThan(0.12);
    // An address that disagrees with the area code is visible in the record itself.
    const states = new Map(AREA_CODES.map((a) => [a.npa, a.state]));
    const mismatched = sfContacts.filter((c) => {
      const key = phoneDigitsKey(c.Phone as string);
      const state = (c.MailingState as string | null)?.trim();
      return (
        key &&
        state &&
        state.length === 2 &&
        states.get(key.slice(0, 3)) &&
        states.get(key.slice(0, 3)) !== state.toUpperCase()
      );
    });
    expect(mismatched.length).toBeGreaterThan(200);
  });

  it('flags about 4% do-not-call in each CRM, plus email opt-outs', () => {
    const sfDnc = sfContacts.filter((c) => c.DoNotCall === true).length;
    expect(share(sfDnc, N)).toBeGreaterThan(0.03);
    expect(share(sfDnc, N)).toBeLessThan(0.05);
    expect(sfContacts.filter((c) => c.HasOptedOutOfEmail === true).length).toBeGreaterThan(400);
    const hsValues = [...hs.contacts.values()].map((c) => c.properties.dialplane_do_not_call);
    const hsDnc = hsValues.filter((v) => v === 'true').length;
    expect(share(hsDnc, N)).toBeGreaterThan(0.03);
    expect(share(hsDnc, N)).toBeLessThan(0.05);
    expect(new Set(hsValues)).toEqual(new Set(['true', 'false', null]));
    expect([...hs.contacts.values()].filter((c) => c.properties.hs_email_optout === 'true').length).toBeGreaterThan(
      300,
    );
  });

  it('has opportunities and deals in every stage, consistent with their flags', () => {
    const sfStages = new Map<string, number>();
    const inconsistent: string[] = [];
    for (const o of sf.Opportunity.values()) {
      sfStages.set(o.StageName as string, (sfStages.get(o.StageName as string) ?? 0) + 1);
      const stage = SF_STAGES.find((s) => s.stage === o.StageName)!;
      if (o.IsClosed !== stage.closed || o.IsWon !== stage.won) inconsistent.push(o.Id);
      if (!sf.Contact.has(o.ContactId as string) || !sf.Account.has(o.AccountId as string)) inconsistent.push(o.Id);
    }
    expect(inconsistent).toEqual([]);
    for (const s of SF_STAGES) expect(sfStages.get(s.stage), s.stage).toBeGreaterThan(20);

    const hsStages = new Set<string>();
    for (const d of hs.deals.values()) {
      hsStages.add(d.properties.dealstage!);
      const stage = HS_DEAL_STAGES.find((s) => s.stage === d.properties.dealstage)!;
      if (d.properties.hs_is_closed !== String(stage.closed) || d.properties.hs_is_closed_won !== String(stage.won))
        inconsistent.push(d.id);
    }
    expect(inconsistent).toEqual([]);
    expect([...hsStages].sort()).toEqual(HS_DEAL_STAGES.map((s) => s.stage).sort());
    const lifecycle = new Set([...hs.contacts.values()].map((c) => c.properties.lifecyclestage));
    for (const stage of HS_LIFECYCLE_STAGES) expect(lifecycle, stage).toContain(stage);
    const leadStatuses = new Set([...hs.contacts.values()].map((c) => c.properties.hs_lead_status));
    for (const status of [...HS_LEAD_STATUSES, null]) expect(leadStatuses, String(status)).toContain(status);
  });

  it('has prior call activity with dispositions in both CRMs', () => {
    const calls = [...sf.Task.values()].filter((t) => t.TaskSubtype === 'Call');
    expect(calls.length).toBeGreaterThan(N * 0.8);
    expect(new Set(calls.map((t) => t.CallDisposition)).size).toBeGreaterThan(8);
    expect(calls.every((t) => sf.Contact.has(t.WhoId as string) && typeof t.CallDurationInSeconds === 'number')).toBe(
      true,
    );
    expect([...sf.Task.values()].some((t) => t.TaskSubtype !== 'Call' && t.CallDisposition === null)).toBe(true);

    const guids = new Set<string | null>();
    for (const c of hs.calls.values()) guids.add(c.properties.hs_call_disposition);
    expect([...guids].sort()).toEqual(HS_CALL_DISPOSITIONS.map((d) => d.guid).sort());
    // Every call is associated with exactly one contact, and the map agrees with the tables.
    let associated = 0;
    const dangling: string[] = [];
    for (const [contactId, callIds] of hs.associations.contactCalls) {
      if (!hs.contacts.has(contactId)) dangling.push(contactId);
      for (const id of callIds) if (!hs.calls.has(id)) dangling.push(id);
      associated += callIds.length;
    }
    expect(dangling).toEqual([]);
    expect(associated).toBe(hs.calls.size);
    let dealLinks = 0;
    for (const ids of hs.associations.contactDeals.values()) dealLinks += ids.length;
    expect(dealLinks).toBe(hs.deals.size);
  });

  it("computes HubSpot's calculated phone properties the way HubSpot would from the stored phones", () => {
    let checked = 0;
    for (const c of hs.contacts.values()) {
      const expected = hubspotCalculatedPhoneProperties(c.properties.phone, c.properties.mobilephone);
      const actual = Object.fromEntries(Object.keys(expected).map((key) => [key, c.properties[key]]));
      expect(actual, c.id).toEqual(expected);
      if (++checked === 3_000) break;
    }
    const zones = new Set([...hs.contacts.values()].map((c) => c.properties.hs_timezone));
    expect(zones).toContain('america_slash_phoenix');
    expect(zones).toContain('pacific_slash_honolulu');
    expect(zones).toContain('us_slash_eastern');
    expect(zones).toContain(null);
    expect([...zones].some((z) => z?.includes('/'))).toBe(true); // plain IANA after an import
    // Every value names a real zone once HubSpot's spelling is undone.
    const unknown = [...zones].filter((z) => {
      if (z === null) return false;
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: z.replace(/_slash_/g, '/').replace(/_minus_/g, '-') });
        return false;
      } catch {
        return true;
      }
    });
    expect(unknown).toEqual([]);
  });

  it('gives unique, well-formed ids', () => {
    for (const [table, prefix] of [
      [sf.Contact, '003'],
      [sf.Opportunity, '006'],
      [sf.Task, '00T'],
      [sf.Account, '001'],
    ] as const) {
      const ids = new Set<string>();
      const malformed: string[] = [];
      for (const r of table.values()) {
        if (!r.Id.startsWith(prefix) || r.Id.length !== 18 || r.Id.slice(15) !== salesforceChecksum(r.Id.slice(0, 15)))
          malformed.push(r.Id);
        ids.add(r.Id);
      }
      expect(malformed).toEqual([]);
      expect(ids.size).toBe(table.size);
    }
    const hsIds = new Set<string>();
    const malformed: string[] = [];
    for (const table of [hs.contacts, hs.deals, hs.calls]) {
      for (const r of table.values()) {
        if (!/^\d+$/.test(r.id) || r.properties.hs_object_id !== r.id) malformed.push(r.id);
        hsIds.add(r.id);
      }
    }
    expect(malformed).toEqual([]);
    expect(hsIds.size).toBe(hs.contacts.size + hs.deals.size + hs.calls.size);
  });
});
