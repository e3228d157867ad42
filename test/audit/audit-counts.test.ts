import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toE164 } from '../../shared/phone.js';
import type { Database } from '../../shared/db.js';
import {
  AREA_CODES,
  describeHubspotContact,
  describeSalesforceContact,
  generateHubspotDataset,
  generateSalesforceDataset,
} from '../../sim/data/index.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import { currentPolicy } from '../../subgraphs/consent/policy/index.js';
import { openConsentDatabase } from '../../subgraphs/consent/store/open-consent-db.js';
import { applyBackfill } from '../../scripts/audit/backfill.js';
import { runAudit } from '../../scripts/audit/run-audit.js';
import { createHubspotAuditSource } from '../../scripts/audit/sources/hubspot-source.js';
import { createSalesforceAuditSource } from '../../scripts/audit/sources/salesforce-source.js';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';

/**
 * The audit against seeded simulator data: every count must equal what the generator planted
 * (sim/data: duplicates, unusable and missing phones, Canadian and Puerto Rican numbers, do-not-call
 * flags, closed-won deals), and what this test planted in the consent store (grants, registries).
 */

const SEED = 7;
const N = 600;
const NOW = new Date('2026-12-05T12:00:00Z');
const COUNTRY_OF_NPA = new Map(AREA_CODES.map((a) => [a.npa, a.country]));

const sfData = generateSalesforceDataset({ seed: SEED, contacts: N });
const hsData = generateHubspotDataset({ seed: SEED, contacts: N });
const sfRows = [...sfData.Contact.values()];
const hsRows = [...hsData.contacts.values()];
const sfTruth = sfRows.map((_, row) => describeSalesforceContact({ seed: SEED, contacts: N }, row));
const hsTruth = hsRows.map((_, row) => describeHubspotContact({ seed: SEED, contacts: N }, row));

const SF_PHONE_FIELDS = ['Phone', 'MobilePhone', 'HomePhone', 'OtherPhone'] as const;
const sfPhones = (r: Record<string, unknown>) =>
  SF_PHONE_FIELDS.map((f) => r[f]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
const hsPhones = (r: { properties: Record<string, string | null> }) =>
  [r.properties.phone, r.properties.mobilephone].filter((v): v is string => typeof v === 'string' && v.trim() !== '');
/** The generator writes unusable values only into the main phone field: all others are dialable. */
const usableNumbers = (phones: string[], mainUnusable: boolean, main: string | null) =>
  phones.filter((p) => !(mainUnusable && p === main));
const mainUnusable = (t: (typeof sfTruth)[number]) => t.phoneDigits !== null && !t.phoneUsable;
const digitsOf = (raw: string) =>
  raw
    .replace(/\s*(x|ext\.?).*$/i, '')
    .replace(/\D/g, '')
    .replace(/^1(?=\d{10}$)/, '');

let sf: SalesforceSim;
let hs: HubspotSim;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;
let outDir: string;

// Planted in the consent store, on numbers of Salesforce contacts.
const planted = {
  granted: [] as string[],
  noEvidence: '',
  tooOld: '',
  revoked: '',
  national: [] as string[],
  state: '',
  internalOnDnc: '',
  internalOnCallable: '',
  reassigned: '',
};

const sources = () => [
  createSalesforceAuditSource({
    loginUrl: sf.url,
    instanceUrl: sf.url,
    clientId: 'dialplane-dev',
    clientSecret: 'dev-salesforce-secret',
    apiVersion: '62.0',
    rate: { limit: 1_000, windowMs: 1_000 },
  }),
  createHubspotAuditSource({
    baseUrl: hs.url,
    accessToken: 'dev-hubspot-token',
    clientSecret: 'dev-hubspot-client-secret',
    rate: { limit: 1_000, windowMs: 1_000 },
  }),
];

describeWithPostgres('npm run audit on seeded simulator data', () => {
  beforeAll(async () => {
    const latency = { medianMs: 0, jitterMs: 0 };
    [sf, hs] = await Promise.all([
      startSalesforceSim({ port: 0, seed: SEED, contacts: N, latency, queryBatchSize: 200 }),
      startHubspotSim({ port: 0, seed: SEED, contacts: N, latency }),
    ]);
    database = await createTestDatabase('audit_counts');
    db = await openConsentDatabase({ url: database.url });
    outDir = await mkdtemp(path.join(tmpdir(), 'dialplane-audit-'));

    // Contacts with a clean main phone and nothing else, so one number stands for one contact.
    const single = sfRows
      .map((r, row) => ({ r, t: sfTruth[row]! }))
      .filter(({ r, t }) => t.phoneUsable && sfPhones(r).length === 1 && t.duplicateOf === null && t.row >= 6)
      .map(({ r }) => ({ id: String(r.Id), dnc: r.DoNotCall === true, e164: toE164(r.Phone as string)! }));
    const callable = single.filter((s) => !s.dnc);
    const dnc = single.filter((s) => s.dnc);
    planted.granted = callable.slice(0, 5).map((s) => s.e164);
    [planted.noEvidence, planted.tooOld, planted.revoked] = [
      planted.granted[1]!,
      planted.granted[2]!,
      planted.granted[3]!,
    ];
    planted.national = callable.slice(5, 7).map((s) => s.e164);
    planted.state = callable[7]!.e164;
    planted.internalOnCallable = callable[8]!.e164;
    planted.reassigned = callable[9]!.e164;
    planted.internalOnDnc = dnc[0]!.e164;

    let n = 0;
    const grant = (e164: string, occurredAt: string, evidence: object | null) =>
      db.query(
        `INSERT INTO consent_ledger (event_id, e164, kind, occurred_at, source, consent_type, purposes, sellers, evidence)
         VALUES ($1, $2, 'GRANT', $3, 'web-form', 'WRITTEN', ARRAY['MARKETING'], ARRAY['acme'], $4)`,
        [`g${n++}`, e164, occurredAt, evidence === null ? null : JSON.stringify(evidence)],
      );
    for (const e164 of planted.granted) {
      await grant(
        e164,
        e164 === planted.tooOld ? '2024-01-10T00:00:00Z' : '2026-06-01T00:00:00Z',
        e164 === planted.noEvidence ? null : { formUrl: 'https://example.com/form', ip: '192.0.2.1' },
      );
    }
    await db.query(
      `INSERT INTO consent_ledger (event_id, e164, kind, occurred_at, source, revocation_channel, scope) VALUES ('r1', $1, 'REVOCATION', '2026-07-01T00:00:00Z', 'ivr', 'IVR', 'ALL_SELLERS')`,
      [planted.revoked],
    );
    for (const e164 of planted.national)
      await db.query(`INSERT INTO dnc_registry (list, e164, area_code) VALUES ('national', $1, $2)`, [
        e164,
        e164.slice(2, 5),
      ]);
    for (const ac of new Set(planted.national.map((e) => e.slice(2, 5))))
      await db.query(
        `INSERT INTO dnc_sync (list, area_code, downloaded_at, kind) VALUES ('national', $1, '2026-11-20T00:00:00Z', 'full')`,
        [ac],
      );
    await db.query(`INSERT INTO dnc_registry (list, e164, area_code) VALUES ('state:TX', $1, $2)`, [
      planted.state,
      planted.state.slice(2, 5),
    ]);
    for (const [e164, id] of [
      [planted.internalOnDnc, 'i1'],
      [planted.internalOnCallable, 'i2'],
    ] as const) {
      await db.query(
        `INSERT INTO internal_dnc (event_id, e164, scope, source, added_at, retain_until) VALUES ($1, $2, 'ALL', 'manual', '2026-10-01T00:00:00Z', '2031-10-01T00:00:00Z')`,
        [id, e164],
      );
    }
    await db.query(
      `INSERT INTO reassigned_checks (e164, consent_date, result, version, checked_at) VALUES ($1, '2026-06-01T00:00:00Z', 'YES', 'v1', '2026-11-30T00:00:00Z')`,
      [planted.reassigned],
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all([sf?.close(), hs?.close()]);
    await db?.close();
    await database?.drop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('counts every planted defect, category by category, per CRM and across CRMs', async () => {
    const run = await runAudit({
      sources: sources(),
      consentDb: db,
      outDir,
      policy: { consentMaxAgeDays: 540 },
      now: () => NOW,
    });
    expect(run.complete).toBe(true);
    const { perCrm, total } = run.result;
    const sfc = perCrm.salesforce!;
    const hsc = perCrm.hubspot!;
    expect([sfc.contacts, hsc.contacts]).toEqual([N, N]);

    // Duplicates. Planted: records of a person already present. Findable: those sharing evidence
    // with another record of the person (a dialable number's digits or the street address) and a
    // second signal to be sure it is the same person (both carry a surname, or both an email). A
    // planted duplicate without such evidence (no shared number, no address) is reported apart.
    const records = [
      ...sfRows.map((r, i) => ({
        crm: 'salesforce',
        t: sfTruth[i]!,
        numbers: usableNumbers(sfPhones(r), mainUnusable(sfTruth[i]!), r.Phone as string | null).map(digitsOf),
        street: r.MailingStreet ? `${r.MailingStreet}|${r.MailingPostalCode}` : null,
        last: !!String(r.LastName ?? '').trim(),
        email: !!r.Email,
      })),
      ...hsRows.map((r, i) => ({
        crm: 'hubspot',
        t: hsTruth[i]!,
        numbers: usableNumbers(hsPhones(r), mainUnusable(hsTruth[i]!), r.properties.phone).map(digitsOf),
        street: r.properties.address ? `${r.properties.address}|${r.properties.zip}` : null,
        last: !!r.properties.lastname?.trim(),
        email: !!r.properties.email,
      })),
    ];
    const parent = records.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
    const byPerson = new Map<number, number[]>();
    records.forEach((r, i) => byPerson.set(r.t.person, [...(byPerson.get(r.t.person) ?? []), i]));
    for (const idx of byPerson.values()) {
      for (const a of idx)
        for (const b of idx) {
          if (a >= b) continue;
          const ra = records[a]!;
          const rb = records[b]!;
          const evidence =
            ra.numbers.some((n) => rb.numbers.includes(n)) || (ra.street !== null && ra.street === rb.street);
          const second = (ra.last && rb.last) || (ra.email && rb.email);
          if (evidence && second) parent[Math.max(find(a), find(b))] = Math.min(find(a), find(b));
        }
    }
    const components = new Map<number, string[]>();
    records.forEach((r, i) => components.set(find(i), [...(components.get(find(i)) ?? []), r.crm]));
    const groups = [...components.values()].filter((c) => c.length > 1);
    const withinOf = (crm: string) =>
      groups.reduce((n, g) => n + Math.max(0, g.filter((c) => c === crm).length - 1), 0);
    expect({
      sf: sfc.duplicatesWithinCrm,
      hs: hsc.duplicatesWithinCrm,
      cross: total.crossCrmPeople,
      all: total.duplicateRecords,
    }).toEqual({
      sf: withinOf('salesforce'),
      hs: withinOf('hubspot'),
      cross: groups.filter((g) => new Set(g).size > 1).length,
      all: groups.reduce((n, g) => n + g.length - 1, 0),
    });
    const plantedDuplicates = 2 * N - byPerson.size;
    const unfindable = plantedDuplicates - total.duplicateRecords;
    console.info(
      `duplicates: planted ${plantedDuplicates}, found ${total.duplicateRecords}, without shared number or address ${unfindable}`,
    );
    expect(unfindable).toBeLessThanOrEqual(Math.ceil(plantedDuplicates * 0.05));
    // Every group the audit formed is one person (no false merges).
    const personOf = (member: string) => {
      const [crm, id] = member.split(':') as ['salesforce' | 'hubspot', string];
      return crm === 'salesforce'
        ? sfTruth[sfRows.findIndex((r) => r.Id === id)]!.person
        : hsTruth[hsRows.findIndex((r) => r.id === id)]!.person;
    };
    for (const g of run.result.duplicates.groups) expect(new Set(g.members.map(personOf)).size).toBe(1);

    // Phones: the generator's unusable main phones, empty records, non-US area codes, no toll-free.
    expect(sfc.byCategory['phone.unreadable']).toBe(sfTruth.filter(mainUnusable).length);
    expect(hsc.byCategory['phone.unreadable']).toBe(hsTruth.filter(mainUnusable).length);
    expect(sfc.byCategory['phone.missing']).toBe(sfRows.filter((r) => sfPhones(r).length === 0).length);
    expect(hsc.byCategory['phone.missing']).toBe(hsRows.filter((r) => hsPhones(r).length === 0).length);
    const nonUs = (phones: string[]) => phones.some((p) => COUNTRY_OF_NPA.get(digitsOf(p).slice(0, 3)) !== 'US');
    expect(sfc.byCategory['phone.nonUs']).toBe(
      sfRows.filter((r, i) => nonUs(usableNumbers(sfPhones(r), mainUnusable(sfTruth[i]!), r.Phone as string | null)))
        .length,
    );
    expect(hsc.byCategory['phone.nonUs']).toBe(
      hsRows.filter((r, i) => nonUs(usableNumbers(hsPhones(r), mainUnusable(hsTruth[i]!), r.properties.phone))).length,
    );
    expect(total.byCategory['phone.tollFree']).toBe(0);
    expect(total.phones.unreadable).toBe(sfTruth.filter(mainUnusable).length + hsTruth.filter(mainUnusable).length);

    // Do-not-call flags: every flagged contact with a number is a backfill row but the one already in the ledger.
    const hasNumber = (phones: string[], t: (typeof sfTruth)[number], main: string | null) =>
      usableNumbers(phones, mainUnusable(t), main).length > 0;
    const sfDnc = sfRows.filter(
      (r, i) => r.DoNotCall === true && hasNumber(sfPhones(r), sfTruth[i]!, r.Phone as string | null),
    ).length;
    const hsDnc = hsRows.filter(
      (r, i) =>
        r.properties.dialplane_do_not_call === 'true' && hasNumber(hsPhones(r), hsTruth[i]!, r.properties.phone),
    ).length;
    expect(sfc.byCategory['dnc.crmFlagNotInLedger']).toBe(sfDnc - 1);
    expect(hsc.byCategory['dnc.crmFlagNotInLedger']).toBe(hsDnc);
    expect(sfc.byCategory['dnc.crmFlagUnset']).toBe(0);
    expect(hsc.byCategory['dnc.crmFlagUnset']).toBe(
      hsRows.filter((r) => r.properties.dialplane_do_not_call === null).length,
    );
    expect(sfc.byCategory['dnc.ledgerButCrmCallable']).toBe(1);

    // Closed-won deals on contacts still callable (flag not set, number present, not in the ledger).
    const sfWon = new Set(
      [...sfData.Opportunity.values()].filter((o) => o.IsWon === true).map((o) => o.ContactId as string),
    );
    const hsWonDeals = new Set(
      [...hsData.deals.values()].filter((d) => d.properties.hs_is_closed_won === 'true').map((d) => d.id),
    );
    const hsWon = new Set(
      hsRows
        .filter((r) => (hsData.associations.contactDeals.get(r.id) ?? []).some((d) => hsWonDeals.has(d)))
        .map((r) => r.id),
    );
    const ledgerDnc = new Set([planted.internalOnCallable]);
    expect(sfc.byCategory['deal.closedWonStillCallable']).toBe(
      sfRows.filter(
        (r, i) =>
          sfWon.has(r.Id as string) &&
          r.DoNotCall !== true &&
          hasNumber(sfPhones(r), sfTruth[i]!, r.Phone as string | null) &&
          !sfPhones(r).some((p) => ledgerDnc.has(toE164(p) ?? '')),
      ).length,
    );
    expect(hsc.byCategory['deal.closedWonStillCallable']).toBe(
      hsRows.filter(
        (r, i) =>
          hsWon.has(r.id) &&
          r.properties.dialplane_do_not_call !== 'true' &&
          hasNumber(hsPhones(r), hsTruth[i]!, r.properties.phone),
      ).length,
    );

    // Consent and registries: what this test planted.
    const withNumber = (crmRows: number) => crmRows;
    expect(sfc.byCategory['consent.noMarketing']).toBe(
      withNumber(sfRows.filter((r, i) => hasNumber(sfPhones(r), sfTruth[i]!, r.Phone as string | null)).length) - 4,
    );
    expect(hsc.byCategory['consent.noMarketing']).toBe(
      hsRows.filter((r, i) => hasNumber(hsPhones(r), hsTruth[i]!, r.properties.phone)).length,
    );
    expect(total.byCategory['consent.noEvidence']).toBe(1);
    expect(total.byCategory['consent.tooOld']).toBe(1);
    expect(total.byCategory['consent.noSource']).toBe(0);
    expect(total.byCategory['registry.national']).toBe(2);
    expect(total.byCategory['registry.state']).toBe(1);
    expect(total.byCategory['registry.internal']).toBe(2);
    expect(total.byCategory['registry.reassigned']).toBe(1);
    expect(run.result.lists['registry.national'].map((f) => f.detail)).toEqual([
      'national 2026-11-20',
      'national 2026-11-20',
    ]);
    expect(run.result.lists['registry.state'][0]).toMatchObject({
      e164: planted.state,
      detail: 'state:TX date unknown',
    });

    // Time zones: no dialable number, no address, no zone stated: the generator's phoneless, addressless records.
    const noZone = (usable: boolean, state: string | null, country: string | null, tz: string | null) =>
      !usable && tz === null && (state === null || ['Canada', 'CAN', 'Puerto Rico'].includes(country ?? ''));
    expect(sfc.byCategory['timezone.unresolvable']).toBe(
      sfRows.filter((r, i) =>
        noZone(
          hasNumber(sfPhones(r), sfTruth[i]!, r.Phone as string | null),
          r.MailingState as string | null,
          r.MailingCountry as string | null,
          null,
        ),
      ).length,
    );
    expect(hsc.byCategory['timezone.unresolvable']).toBe(
      hsRows.filter((r, i) =>
        noZone(
          hasNumber(hsPhones(r), hsTruth[i]!, r.properties.phone),
          r.properties.state,
          r.properties.country,
          r.properties.hs_timezone,
        ),
      ).length,
    );

    // Mapping: the simulators serve exactly what the mappings read.
    expect(run.result.mapping.salesforce!.differences).toEqual([]);
    expect(run.result.mapping.hubspot!.differences).toEqual([]);

    // Files: JSON result, HTML report, complete CSV lists (header + one line per finding).
    const json = JSON.parse(await readFile(run.files.json, 'utf8')) as { total: { contacts: number } };
    expect(json.total.contacts).toBe(2 * N);
    const csv = (await readFile(run.files.csv['consent.noMarketing'], 'utf8')).trim().split('\r\n');
    expect(csv.length - 1).toBe(total.byCategory['consent.noMarketing']);
    expect(await readFile(run.files.html, 'utf8')).toContain('<svg class="chart"');
  }, 120_000);

  it('resumes an interrupted audit from its checkpoint without reading pages twice, to the same result', async () => {
    const resumeDir = await mkdtemp(path.join(tmpdir(), 'dialplane-audit-resume-'));
    try {
      const full = await runAudit({
        sources: sources(),
        consentDb: db,
        outDir: path.join(resumeDir, 'full'),
        policy: { consentMaxAgeDays: 540 },
        now: () => NOW,
      });
      await sf.admin.reset('stats');
      await hs.admin.reset('stats');
      const dir = path.join(resumeDir, 'interrupted');
      const first = await runAudit({
        sources: sources(),
        consentDb: db,
        outDir: dir,
        policy: { consentMaxAgeDays: 540 },
        now: () => NOW,
        maxPagesPerCrm: 1,
      });
      expect(first.complete).toBe(false);
      expect(first.result.perCrm.salesforce!.contacts).toBe(200);
      const checkpoint = JSON.parse(await readFile(path.join(dir, 'checkpoint.json'), 'utf8')) as {
        crms: Record<string, { contacts: number; done: boolean }>;
      };
      expect(checkpoint.crms.salesforce).toMatchObject({ contacts: 200, done: false });
      const pagesBefore = (await sf.admin.count('query')) + (await sf.admin.count('query.more'));

      const resumed = await runAudit({
        sources: sources(),
        consentDb: db,
        outDir: dir,
        policy: { consentMaxAgeDays: 540 },
        now: () => NOW,
      });
      expect(resumed.complete).toBe(true);
      expect(resumed.result.total).toEqual(full.result.total);
      expect(resumed.result.perCrm).toEqual(full.result.perCrm);
      // The resumed run asked Salesforce only for the 400 contacts after the checkpoint (2 pages of
      // 200) plus its closed-won and count queries, never the first page again.
      const contactPages =
        (await sf.admin.requests({ endpoint: 'query' })).length +
        (await sf.admin.requests({ endpoint: 'query.more' })).length -
        pagesBefore;
      expect(contactPages).toBe(2 + 2);
      await expect(readFile(path.join(dir, 'checkpoint.json'), 'utf8')).rejects.toThrow(); // removed once complete, with the spools
      await expect(readFile(path.join(dir, 'spool-salesforce.ndjson'), 'utf8')).rejects.toThrow();
    } finally {
      await rm(resumeDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('backfills the CRM do-not-call flags the dry run listed, once, however often it is applied', async () => {
    const dry = await runAudit({
      sources: sources(),
      consentDb: db,
      outDir: path.join(outDir, 'dry'),
      policy: { consentMaxAgeDays: 540 },
      now: () => NOW,
    });
    const rows = dry.result.backfill;
    expect(rows.length).toBe(dry.result.total.backfillNumbers);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).not.toContainEqual(expect.objectContaining({ e164: planted.internalOnDnc }));

    const applied = await runAudit({
      sources: sources(),
      consentDb: db,
      outDir: path.join(outDir, 'apply'),
      policy: { consentMaxAgeDays: 540 },
      now: () => NOW,
      applyBackfill: { db, policy: currentPolicy },
    });
    expect(applied.backfill).toEqual({ rows: rows.length, inserted: rows.length, alreadyPresent: 0 });
    const count = async () =>
      Number(
        (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM internal_dnc WHERE event_id LIKE 'backfill:%'`))
          .rows[0]!.n,
      );
    const revocations = async () =>
      Number(
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM consent_ledger WHERE event_id LIKE 'dnc:backfill:%' AND revocation_channel = 'CRM_FLAG'`,
          )
        ).rows[0]!.n,
      );
    expect([await count(), await revocations()]).toEqual([rows.length, rows.length]);

    // Afterwards the audit finds nothing left to backfill, and applying the old dry run again adds nothing.
    const after = await runAudit({
      sources: sources(),
      consentDb: db,
      outDir: path.join(outDir, 'after'),
      policy: { consentMaxAgeDays: 540 },
      now: () => NOW,
    });
    expect(after.result.total.byCategory['dnc.crmFlagNotInLedger']).toBe(0);
    expect(await applyBackfill(db, rows, currentPolicy, NOW)).toEqual({
      rows: rows.length,
      inserted: 0,
      alreadyPresent: rows.length,
    });
    expect([await count(), await revocations()]).toEqual([rows.length, rows.length]);
  }, 120_000);
});
