import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { appendGrant, appendRevocation, ledgerFor, revocationsAfter } from '../../subgraphs/consent/store/ledger.js';
import { addInternalDnc, addRelationship } from '../../subgraphs/consent/store/suppression.js';
import { importRegistry, registryListName } from '../../subgraphs/consent/store/dnc-registry.js';
import { appendAudit, auditTrail } from '../../subgraphs/consent/store/audit.js';
import { insertAttempt } from '../../subgraphs/consent/store/attempts.js';
import { insertReassignedCheck, loadStoredFacts } from '../../subgraphs/consent/store/facts.js';
import { migrate } from '../../shared/db.js';
import { CONSENT_MIGRATIONS } from '../../subgraphs/consent/migrations/index.js';
import { currentPolicy } from '../../subgraphs/consent/policy/index.js';
import { onEachDatabase } from './support/databases.js';

const grantRecord = (e164: string, over = {}) => ({
  eventId: randomUUID(),
  e164,
  occurredAt: new Date('2026-01-10T15:00:00Z'),
  source: 'web-form',
  actor: 'agent-1',
  consentType: 'WRITTEN' as const,
  purposes: ['MARKETING' as const],
  sellers: ['acme'],
  channels: ['VOICE' as const],
  coversArtificialVoice: true,
  disclosure: { version: 'v3', hash: 'h', notConditionOfPurchase: true },
  evidence: { source: 'web-form', signatureMethod: 'esign', ipAddress: '203.0.113.1' },
  ...over,
});

onEachDatabase('consent store', (get) => {
  it('re-running the migrations applies nothing', async () => {
    expect(await migrate(get().db, 'consent', CONSENT_MIGRATIONS)).toEqual([]);
  });

  it('appends grants and revocations and reads them back in order, idempotently by event id', async () => {
    const { db } = get();
    const e164 = '+12125550111';
    const g = grantRecord(e164);
    const a = await db.transaction((tx) => appendGrant(tx, g));
    const again = await db.transaction((tx) => appendGrant(tx, g));
    expect(again).toMatchObject({ seq: a.seq, inserted: false });
    const r = await db.transaction((tx) =>
      appendRevocation(tx, {
        eventId: randomUUID(),
        e164,
        occurredAt: new Date('2026-02-01T00:00:00Z'),
        source: 'sms',
        actor: 'svc',
        channel: 'SMS_KEYWORD',
        scope: 'SELLER',
        seller: 'acme',
      }),
    );
    expect(r.seq).toBeGreaterThan(a.seq);
    const events = await ledgerFor(db, e164);
    expect(events.map((e) => e.kind)).toEqual(['GRANT', 'REVOCATION']);
    expect(events[0]).toMatchObject({
      consentType: 'WRITTEN',
      sellers: ['acme'],
      disclosure: { hash: 'h', notConditionOfPurchase: true },
    });
    const replay = await revocationsAfter(db, a.seq, [e164]);
    expect(replay.map((x) => x.seq)).toEqual([r.seq]);
    expect(await revocationsAfter(db, r.seq, [e164])).toEqual([]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the ledger, the internal DNC list and the audit log', async () => {
    const { db } = get();
    const e164 = '+12125550112';
    await db.transaction((tx) => appendGrant(tx, grantRecord(e164)));
    await addInternalDnc(
      db,
      { eventId: null, e164, scope: 'ALL', seller: null, source: 'test', actor: 'a', addedAt: new Date() },
      currentPolicy,
    );
    await appendAudit(db, [
      {
        action: 'DECISION',
        actor: 'a',
        role: 'agent',
        seller: 'acme',
        purpose: 'MARKETING',
        e164,
        decisionId: randomUUID(),
        allowed: true,
        reasons: [],
        detail: {},
      },
    ]);
    for (const sql of [
      `UPDATE consent_ledger SET source = 'x' WHERE e164 = '${e164}'`,
      `DELETE FROM consent_ledger WHERE e164 = '${e164}'`,
      'TRUNCATE consent_ledger',
      `UPDATE internal_dnc SET scope = 'SELLER' WHERE e164 = '${e164}'`,
      `DELETE FROM internal_dnc WHERE e164 = '${e164}'`,
      `DELETE FROM consent_audit WHERE e164 = '${e164}'`,
      'TRUNCATE consent_audit',
    ]) {
      await expect(db.query(sql), sql).rejects.toThrow(/append-only/);
    }
    expect((await ledgerFor(db, e164)).length).toBe(1);
  });

  it('loads every stored fact of a number in one query', async () => {
    const { db } = get();
    const e164 = '+13055550113';
    await db.transaction((tx) => appendGrant(tx, grantRecord(e164)));
    await addInternalDnc(
      db,
      {
        eventId: randomUUID(),
        e164,
        scope: 'SELLER',
        seller: 'acme',
        source: 'test',
        actor: 'a',
        addedAt: new Date('2026-05-01T00:00:00Z'),
      },
      currentPolicy,
    );
    await addRelationship(db, {
      e164,
      seller: 'acme',
      kind: 'PURCHASE',
      occurredAt: new Date('2026-02-01T00:00:00Z'),
      source: 'crm',
    });
    await insertReassignedCheck(db, e164, {
      result: 'NO',
      consentDate: new Date('2026-01-10T15:00:00Z'),
      checkedAt: new Date('2026-06-01T00:00:00Z'),
      version: 'v1',
    });
    await insertAttempt(db, {
      decisionId: randomUUID(),
      e164,
      seller: 'acme',
      purpose: 'MARKETING',
      subject: 'MARKETING',
      attemptedAt: new Date('2026-06-10T12:00:00Z'),
    });
    await insertAttempt(db, {
      decisionId: randomUUID(),
      e164,
      seller: 'acme',
      purpose: 'MARKETING',
      subject: 'MARKETING',
      attemptedAt: new Date('2026-05-01T12:00:00Z'),
    });
    await importRegistry(
      db,
      { list: 'national', mode: 'full', downloadedAt: new Date('2026-06-01T00:00:00Z') },
      async (s) => s.add([e164, '+13055550999']),
    );
    await importRegistry(
      db,
      { list: 'state:FL', mode: 'full', downloadedAt: new Date('2026-06-02T00:00:00Z') },
      async (s) => s.add(['+13055550999']),
    );
    const facts = await loadStoredFacts(db, e164, new Date('2026-06-03T00:00:00Z'));
    expect(facts.ledger).toHaveLength(1);
    expect(facts.ledger[0]!.occurredAt.toISOString()).toBe('2026-01-10T15:00:00.000Z');
    expect(facts.suppression.internalDnc).toEqual([
      { scope: 'SELLER', seller: 'acme', addedAt: new Date('2026-05-01T00:00:00Z') },
    ]);
    expect(facts.suppression.national).toEqual({ listed: true, syncedAt: new Date('2026-06-01T00:00:00Z') });
    expect(facts.suppression.state).toEqual([
      { state: 'FL', listed: false, syncedAt: new Date('2026-06-02T00:00:00Z') },
    ]);
    expect(facts.suppression.relationships).toEqual([
      { seller: 'acme', kind: 'PURCHASE', occurredAt: new Date('2026-02-01T00:00:00Z') },
    ]);
    expect(facts.reassigned).toMatchObject({
      result: 'NO',
      version: 'v1',
      consentDate: new Date('2026-01-10T15:00:00Z'),
    });
    expect(facts.attempts.map((a) => a.at.toISOString())).toEqual(['2026-06-10T12:00:00.000Z']);
  });

  it('full lists replace an area code, change lists add and delete', async () => {
    const { db } = get();
    const list = 'national';
    await importRegistry(db, { list, mode: 'full', downloadedAt: new Date('2026-06-01') }, async (s) =>
      s.add(['+14155550001', '+14155550002']),
    );
    const full = await importRegistry(db, { list, mode: 'full', downloadedAt: new Date('2026-06-05') }, async (s) =>
      s.add(['+14155550003']),
    );
    expect(full).toMatchObject({ numbers: 1, areaCodes: ['415'], removed: 2 });
    await importRegistry(db, { list, mode: 'add', downloadedAt: new Date('2026-06-06') }, async (s) =>
      s.add(['+14155550004']),
    );
    await importRegistry(db, { list, mode: 'delete', downloadedAt: new Date('2026-06-07') }, async (s) =>
      s.add(['+14155550003']),
    );
    const rows = await db.query<{ e164: string }>(
      "SELECT e164 FROM dnc_registry WHERE list = 'national' AND area_code = '415' ORDER BY e164",
    );
    expect(rows.rows.map((r) => r.e164)).toEqual(['+14155550004']);
    const sync = await db.query<{ downloaded_at: Date }>(
      "SELECT downloaded_at FROM dnc_sync WHERE list = 'national' AND area_code = '415'",
    );
    expect(sync.rows[0]!.downloaded_at.toISOString()).toBe('2026-06-07T00:00:00.000Z');
  });

  it("a full list's date is that file's date; an older full file needs force and then sets the older date", async () => {
    const { db } = get();
    const list = 'national';
    const syncOf = async () =>
      (
        await db.query<{ downloaded_at: Date }>(
          "SELECT downloaded_at FROM dnc_sync WHERE list = 'national' AND area_code = '516'",
        )
      ).rows[0]!.downloaded_at.toISOString();
    const numbers = async () =>
      (
        await db.query<{ e164: string }>(
          "SELECT e164 FROM dnc_registry WHERE list = 'national' AND area_code = '516' ORDER BY e164",
        )
      ).rows.map((r) => r.e164);
    await importRegistry(db, { list, mode: 'full', downloadedAt: new Date('2026-06-10') }, async (s) =>
      s.add(['+15165550010', '+15165550011']),
    );
    // Older full file: refused, nothing changes.
    const refused = importRegistry(db, { list, mode: 'full', downloadedAt: new Date('2026-06-01') }, async (s) =>
      s.add(['+15165550001']),
    );
    await expect(refused).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await numbers()).toEqual(['+15165550010', '+15165550011']);
    expect(await syncOf()).toBe('2026-06-10T00:00:00.000Z');
    // Forced: the numbers AND the date are the older file's.
    await importRegistry(db, { list, mode: 'full', downloadedAt: new Date('2026-06-01'), force: true }, async (s) =>
      s.add(['+15165550001']),
    );
    expect(await numbers()).toEqual(['+15165550001']);
    expect(await syncOf()).toBe('2026-06-01T00:00:00.000Z');
    // A change list older than the loaded data is refused too.
    await expect(
      importRegistry(db, { list, mode: 'add', downloadedAt: new Date('2026-05-01') }, async (s) =>
        s.add(['+15165550002']),
      ),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    // State lists: the same rule on the one whole-list date.
    await importRegistry(db, { list: 'state:TX', mode: 'full', downloadedAt: new Date('2026-06-10') }, async (s) =>
      s.add(['+15125550001']),
    );
    await expect(
      importRegistry(db, { list: 'state:TX', mode: 'full', downloadedAt: new Date('2026-06-09') }, async (s) =>
        s.add(['+15125550002']),
      ),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses list names the policy does not know', async () => {
    const { db } = get();
    for (const list of ['state:ZZ', 'state:NY', 'statewide', 'national ']) {
      await expect(
        importRegistry(db, { list, mode: 'full', downloadedAt: new Date('2026-06-01') }, async () => undefined),
      ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    expect(registryListName('state:tx')).toBe('state:TX');
    expect(registryListName('litigator')).toBe('litigator');
    expect(() => registryListName('state:ZZ')).toThrow(/CO, FL, IN, LA, MA, MO, OK, PA, TN, TX, WY/);
  });

  it('reads the audit trail newest first', async () => {
    const { db } = get();
    const e164 = '+12125550114';
    await appendAudit(db, [
      {
        action: 'DECISION',
        actor: 'a',
        role: 'agent',
        seller: 'acme',
        purpose: 'MARKETING',
        e164,
        decisionId: randomUUID(),
        allowed: false,
        reasons: ['NO_CONSENT', 'NATIONAL_DNC'],
        detail: { policy: 'x' },
      },
      {
        action: 'CONSENT_RECORDED',
        actor: 'b',
        role: 'service',
        seller: null,
        purpose: null,
        e164,
        decisionId: null,
        allowed: null,
        reasons: null,
        detail: {},
      },
    ]);
    const trail = await auditTrail(db, e164, 10);
    expect(trail.map((t) => t.action)).toEqual(['CONSENT_RECORDED', 'DECISION']);
    expect(trail[1]!.reasons).toEqual(['NO_CONSENT', 'NATIONAL_DNC']);
  });
});
