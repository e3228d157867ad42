import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { silentLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import type { Database } from '../../shared/db.js';
import type { ConsentConfig } from '../../subgraphs/consent/config.js';
import { startConsentSubgraph, type RunningConsentSubgraph } from '../../subgraphs/consent/server.js';
import { createSimulatedChecker } from '../../subgraphs/consent/reassigned/simulated-checker.js';
import { markSynced } from '../../subgraphs/consent/store/dnc-registry.js';
import { FACTS_SQL, FACTS_STATEMENT, type StoredFacts } from '../../subgraphs/consent/store/facts.js';
import { FactsSnapshot, mayChangeFacts } from '../../subgraphs/consent/store/facts-snapshot.js';
import { appendRevocation } from '../../subgraphs/consent/store/ledger.js';
import { openConsentDatabase } from '../../subgraphs/consent/store/open-consent-db.js';
import { AGENT, PERMISSION_FIELDS, SECRET, SERVICE, WRITTEN_CONSENT, gql } from './support/consent-client.js';
import { eventually } from '../support/eventually.js';

// Issue 17: a number's stored facts are kept in memory between decisions. Only the database read
// is shared: every decision keeps its own id and audit row, and every write evicts at once.

const facts = (tag: string): StoredFacts =>
  ({
    ledger: [],
    suppression: {
      internalDnc: [],
      national: { listed: false, syncedAt: null },
      litigator: { listed: false, syncedAt: null },
      state: [],
      relationships: [],
    },
    reassigned: null,
    reassignedByConsentDate: [],
    attempts: [],
    tag,
  }) as unknown as StoredFacts;
const tagOf = (f: StoredFacts) => (f as unknown as { tag: string }).tag;

describe('FactsSnapshot', () => {
  it('answers from memory within maxAgeMs, and reads again after it (injected clock)', async () => {
    let now = 0;
    const snapshot = new FactsSnapshot({ maxAgeMs: 1_000, now: () => now });
    const load = vi.fn(async () => facts('a'));
    const since = new Date(0);
    await snapshot.read('+12125550100', since, load);
    now = 999;
    await snapshot.read('+12125550100', since, load);
    expect(load).toHaveBeenCalledTimes(1);
    now = 1_000;
    await snapshot.read('+12125550100', since, load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('shares one read among concurrent decisions, but never a read that overlapped a write', async () => {
    const snapshot = new FactsSnapshot({ maxAgeMs: 60_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = vi.fn(async () => {
      await gate;
      return facts('before-write');
    });
    const first = snapshot.read('+12125550100', new Date(0), slow);
    const joined = snapshot.read('+12125550100', new Date(0), slow);
    expect(slow).toHaveBeenCalledTimes(1);
    snapshot.changed(); // a write was issued while the read was in flight
    const fresh = vi.fn(async () => facts('after-write'));
    const afterWrite = snapshot.read('+12125550100', new Date(0), fresh);
    release();
    expect(tagOf(await first)).toBe('before-write');
    expect(tagOf(await joined)).toBe('before-write');
    expect(tagOf(await afterWrite)).toBe('after-write');
    expect(fresh).toHaveBeenCalledTimes(1);
    // Only the read that started after the write was kept.
    const again = vi.fn(async () => facts('third'));
    expect(tagOf(await snapshot.read('+12125550100', new Date(0), again))).toBe('after-write');
    expect(again).not.toHaveBeenCalled();
  });

  it('reads again for a decision whose attempt window starts before the kept read (a what-if in the past)', async () => {
    const snapshot = new FactsSnapshot({ maxAgeMs: 60_000 });
    const load = vi.fn(async () => facts('x'));
    await snapshot.read('+12125550100', new Date(10_000), load);
    await snapshot.read('+12125550100', new Date(20_000), load);
    expect(load).toHaveBeenCalledTimes(1);
    await snapshot.read('+12125550100', new Date(5_000), load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps answers frozen, and is off at 0', async () => {
    const kept = await new FactsSnapshot({ maxAgeMs: 60_000 }).read('+12125550100', new Date(0), async () =>
      facts('x'),
    );
    expect(() => (kept.ledger as unknown[]).push(1)).toThrow(TypeError);
    const off = new FactsSnapshot({ maxAgeMs: 0 });
    const load = vi.fn(async () => facts('x'));
    await off.read('+12125550100', new Date(0), load);
    await off.read('+12125550100', new Date(0), load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('counts every statement as a write unless it is known to leave the facts alone', () => {
    expect(mayChangeFacts(FACTS_SQL)).toBe(false);
    expect(mayChangeFacts(`EXECUTE ${FACTS_STATEMENT}('+12125550100', '212', '2026-01-01T00:00:00.000Z')`)).toBe(false);
    expect(mayChangeFacts('INSERT INTO consent_audit (action) SELECT a FROM unnest($1::text[]) AS t(a)')).toBe(false);
    expect(mayChangeFacts("SELECT pg_advisory_xact_lock(hashtext('x'))")).toBe(false);
    expect(mayChangeFacts('INSERT INTO consent_ledger (e164) VALUES ($1)')).toBe(true);
    expect(mayChangeFacts('INSERT INTO call_attempts (e164) VALUES ($1) RETURNING id')).toBe(true);
    expect(mayChangeFacts('DELETE FROM dnc_registry WHERE list = $1')).toBe(true);
    expect(mayChangeFacts('SELECT * FROM dnc_sync FOR UPDATE')).toBe(true);
    expect(
      mayChangeFacts(
        'WITH x AS (INSERT INTO consent_audit (action) VALUES ($1)) INSERT INTO internal_dnc (e164) VALUES ($2)',
      ),
    ).toBe(true);
    expect(mayChangeFacts('INSERT INTO consent_audit (action) SELECT e164 FROM consent_ledger')).toBe(true);
    expect(mayChangeFacts('SET search_path TO public')).toBe(true);
  });
});

const NOW = new Date('2026-06-10T16:00:00Z'); // 12:00 in New York
const CALL = `query($phone: String!, $purpose: CallPurpose!) { callPermission(phone: $phone, purpose: $purpose) { ${PERMISSION_FIELDS} } }`;
const RECORD = 'mutation($input: RecordConsentInput!) { recordConsent(input: $input) { eventId created } }';
const REVOKE = 'mutation($input: RevokeConsentInput!) { revokeConsent(input: $input) { eventId created } }';
const DNC = 'mutation($input: AddInternalDncInput!) { addInternalDnc(input: $input) { id } }';
const AUTHORIZE = `mutation($input: AuthorizeCallInput!) { authorizeCall(input: $input) { ${PERMISSION_FIELDS} } }`;

describe('consent decisions through the facts snapshot (embedded PGlite)', () => {
  let raw: Database;
  let bus: EventBus;
  let consent: RunningConsentSubgraph;
  const permission = async (phone: string) =>
    (await gql(consent.url, CALL, { phone, purpose: 'MARKETING' })).data!.callPermission as Record<string, any>;

  beforeAll(async () => {
    raw = await openConsentDatabase({});
    bus = await createEventBus();
    const config: ConsentConfig = {
      port: 0,
      nodeEnv: 'test',
      logLevel: 'silent',
      internalSecret: SECRET,
      revocationPollMs: 200,
      factsSnapshotMs: 10_000,
    };
    consent = await startConsentSubgraph(config, {
      log: silentLogger,
      metrics: createMetrics('consent-snapshot-test', { collectDefault: false }),
      bus,
      db: raw,
      checker: createSimulatedChecker({ now: () => NOW }),
      now: () => NOW,
    });
    for (const ac of ['212', '305']) await markSynced(consent.db, 'national', ac, new Date('2026-06-01T00:00:00Z'));
    await markSynced(consent.db, 'state:FL', '*', new Date('2026-06-01T00:00:00Z'));
  });
  afterAll(async () => {
    await consent?.close();
    await bus?.close();
    await raw?.close();
  });

  it('concurrent call-starts for one number share one facts read, yet get distinct decision ids and one audit row each', async () => {
    const phone = '+12125550301';
    expect((await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) })).errors).toBeUndefined();
    // The first decision for a grant asks the reassigned-numbers checker and keeps its answer: a write.
    expect(await permission(phone)).toMatchObject({ allowed: true });
    const readsBefore = consent.snapshot.databaseReads;
    const answers = await Promise.all(Array.from({ length: 8 }, () => permission(phone)));
    expect(answers.every((a) => a.allowed)).toBe(true);
    const ids = answers.map((a) => a.decisionId as string);
    expect(new Set(ids).size).toBe(8);
    expect(consent.snapshot.databaseReads - readsBefore).toBe(1);
    await consent.audit.flush();
    const rows = await raw.query<{ decision_id: string }>(
      "SELECT decision_id FROM consent_audit WHERE action = 'DECISION' AND decision_id = ANY($1::uuid[])",
      [ids],
    );
    expect(rows.rows.map((r) => r.decision_id).sort()).toEqual([...ids].sort());
  });

  it('a revocation between two reads flips the second to denied', async () => {
    const phone = '+12125550302';
    await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
    expect(await permission(phone)).toMatchObject({ allowed: true });
    expect(await permission(phone)).toMatchObject({ allowed: true }); // from memory now
    const revoked = await gql(
      consent.url,
      REVOKE,
      {
        input: {
          phone,
          channel: 'TRANSCRIPT',
          source: 'engagement',
          occurredAt: '2026-06-10T15:59:00Z',
          idempotencyKey: `engagement:${randomUUID()}`,
        },
      },
      SERVICE,
    );
    expect(revoked.errors).toBeUndefined();
    expect(await permission(phone)).toMatchObject({ allowed: false, reasons: ['CONSENT_REVOKED'] });
  });

  it('a revocation written by another process evicts at once on its bus event', async () => {
    const phone = '+12125550303';
    await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
    expect(await permission(phone)).toMatchObject({ allowed: true });
    // Another replica on the same database: its write bypasses this process, its event does not.
    const eventId = randomUUID();
    const record = {
      eventId,
      e164: phone,
      occurredAt: new Date('2026-06-10T15:59:00Z'),
      source: 'ivr',
      actor: 'other-replica',
      channel: 'VOICE' as const,
      scope: 'ALL_SELLERS' as const,
      seller: null,
    };
    const appended = await raw.transaction((tx) => appendRevocation(tx, record));
    await bus.publish('consent.revoked', {
      eventId,
      phone,
      revokedAt: record.occurredAt.toISOString(),
      channel: 'VOICE',
      source: 'ivr',
      cursor: String(appended.seq),
    });
    expect(await permission(phone)).toMatchObject({ allowed: false, reasons: ['CONSENT_REVOKED'] });
  });

  it('without an event, the revocation hub finds such a revocation on its ledger poll and evicts', async () => {
    const phone = '+12125550304';
    await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
    expect(await permission(phone)).toMatchObject({ allowed: true });
    await raw.transaction((tx) =>
      appendRevocation(tx, {
        eventId: randomUUID(),
        e164: phone,
        occurredAt: new Date('2026-06-10T15:59:00Z'),
        source: 'ivr',
        actor: 'other-replica',
        channel: 'VOICE',
        scope: 'ALL_SELLERS',
        seller: null,
      }),
    );
    // The hub polls every 200 ms; the snapshot would keep the answer for 10 s.
    const denied = await eventually(
      async () => {
        const p = await permission(phone);
        return p.allowed === false ? p : null;
      },
      3_000,
      5,
    );
    expect(denied).toMatchObject({ allowed: false, reasons: ['CONSENT_REVOKED'] });
  });

  it("every write path of this process evicts: internal DNC, a reservation's attempt, a registry entry", async () => {
    const phone = '+12125550305';
    await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
    expect(await permission(phone)).toMatchObject({ allowed: true });
    expect((await gql(consent.url, DNC, { input: { phone, source: 'agent' } }, AGENT)).errors).toBeUndefined();
    expect((await permission(phone)).reasons).toContain('INTERNAL_DNC');

    // Florida: 3 attempts in 24 h. Reservations write attempts; the next preview counts them.
    const fl = '+13055550306';
    await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(fl) });
    expect(await permission(fl)).toMatchObject({ allowed: true });
    for (let i = 0; i < 3; i++)
      expect(
        (await gql(consent.url, AUTHORIZE, { input: { phone: fl, purpose: 'MARKETING' } })).data!.authorizeCall,
      ).toMatchObject({ allowed: true });
    expect(await permission(fl)).toMatchObject({ allowed: false, reasons: ['FREQUENCY_CAP_EXCEEDED'] });

    // A registry entry (an import's statement, run through this process's handle) denies at once.
    const ny = '+12125550307';
    await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(ny) });
    expect(await permission(ny)).toMatchObject({ allowed: true });
    await markSynced(consent.db, 'litigator', '*', new Date('2026-06-01T00:00:00Z'));
    await consent.db.query('INSERT INTO dnc_registry (list, e164, area_code) VALUES ($1, $2, $3)', [
      'litigator',
      ny,
      '212',
    ]);
    expect((await permission(ny)).reasons).toContain('KNOWN_LITIGATOR');
  });
});
