import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { silentLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import type { Database } from '../../shared/db.js';
import type { ConsentConfig } from '../../subgraphs/consent/config.js';
import { startConsentSubgraph, type RunningConsentSubgraph } from '../../subgraphs/consent/server.js';
import { createSimulatedChecker } from '../../subgraphs/consent/reassigned/simulated-checker.js';
import { createAuditWriter, type AuditRecord } from '../../subgraphs/consent/store/audit.js';
import { markSynced } from '../../subgraphs/consent/store/dnc-registry.js';
import { openConsentDatabase } from '../../subgraphs/consent/store/open-consent-db.js';
import { eventually } from '../support/eventually.js';
import { PERMISSION_FIELDS, SECRET, SERVICE, WRITTEN_CONSENT, gql } from './support/consent-client.js';

// The batched audit writer used to drop a batch after 3 failed flushes. Rows are now kept until the
// database takes them, and decisions fail closed while it does not. The outage is real: the audit
// table is renamed away (every INSERT fails) and back.

const row = (n: number): AuditRecord => ({
  action: 'DECISION',
  actor: 'agent-7',
  role: 'agent',
  seller: 'acme',
  purpose: 'MARKETING',
  e164: '+12125550100',
  decisionId: randomUUID(),
  allowed: false,
  reasons: ['NO_CONSENT'],
  detail: { n },
});
const auditAway = (db: Database) => db.exec('ALTER TABLE consent_audit RENAME TO consent_audit_away');
const auditBack = (db: Database) => db.exec('ALTER TABLE consent_audit_away RENAME TO consent_audit');
const countRows = async (db: Database, ids: string[]) =>
  (
    await db.query<{ n: number }>('SELECT count(*)::int AS n FROM consent_audit WHERE decision_id = ANY($1::uuid[])', [
      ids,
    ])
  ).rows[0]!.n;

describe('batched audit writer (embedded PGlite)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openConsentDatabase({});
  });
  afterAll(async () => {
    await db?.close();
  });

  it('keeps every row through many failed flushes, in order, and writes them once the database takes them', async () => {
    const writer = createAuditWriter(db, silentLogger, { intervalMs: 2, maxRetryDelayMs: 20 });
    await auditAway(db);
    const rows = Array.from({ length: 10 }, (_, i) => row(i));
    for (const r of rows) writer.write(r);
    await eventually(() => writer.failures >= 6, 10_000, 5); // the old writer gave up after 3
    expect(writer.failing).toBe(true);
    expect(writer.pending).toBe(10);
    await auditBack(db);
    await eventually(() => writer.pending === 0, 10_000, 5);
    expect(writer.failing).toBe(false);
    const ids = rows.map((r) => r.decisionId!);
    expect(await countRows(db, ids)).toBe(10);
    const order = await db.query<{ n: number }>(
      "SELECT (detail->>'n')::int AS n FROM consent_audit WHERE decision_id = ANY($1::uuid[]) ORDER BY id",
      [ids],
    );
    expect(order.rows.map((r) => r.n)).toEqual([...Array(10).keys()]);
    await writer.close();
  });
});

describe('batched audit writer under sustained decisions', () => {
  // Issue 17: rows that arrive while a flush's INSERT is in flight waited for nothing: the flush
  // loop drained them at once, so under steady load the 100 ms batches became back-to-back
  // INSERTs of a few rows each (420 INSERTs for 3,000 decisions, ~0.75 ms of PGlite each), and
  // the decisions that ran into them made consent's p99.
  it('leaves rows that arrive during a flush for the next interval, not an INSERT right after', async () => {
    const inserts: number[] = [];
    const done: (() => void)[] = [];
    const db = {
      query: ((_sql: string, params?: unknown[]) => {
        inserts.push((params![0] as unknown[]).length);
        return new Promise((resolve) => done.push(() => resolve({ rows: [], rowCount: 0 })));
      }) as Database['query'],
    };
    // The writer's interval timer, driven by the test: "after its own interval" is then exact.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const writer = createAuditWriter(db, silentLogger, { intervalMs: 40 });
      writer.write(row(0));
      await vi.advanceTimersByTimeAsync(40);
      expect(inserts).toEqual([1]);
      // Decisions go on while that INSERT is in flight.
      for (let i = 1; i <= 5; i++) writer.write(row(i));
      done.shift()!();
      // The flush ends (its row committed) without an INSERT for the rows that came meanwhile...
      await vi.advanceTimersByTimeAsync(39);
      expect(writer.pending).toBe(5);
      expect(inserts).toEqual([1]);
      // ...which go in one INSERT when their own interval is over.
      await vi.advanceTimersByTimeAsync(1);
      expect(inserts).toEqual([1, 5]);
      done.shift()!();
      await writer.flush();
      expect(writer.pending).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('starts no INSERT per new row while a full batch is in flight', async () => {
    const inserts: number[] = [];
    const done: (() => void)[] = [];
    const db = {
      query: ((_sql: string, params?: unknown[]) => {
        inserts.push((params![0] as unknown[]).length);
        return new Promise((resolve) => done.push(() => resolve({ rows: [], rowCount: 0 })));
      }) as Database['query'],
    };
    const writer = createAuditWriter(db, silentLogger, { intervalMs: 60_000, maxBatch: 3 });
    for (let i = 0; i < 3; i++) writer.write(row(i));
    await eventually(() => inserts.length === 1, 2_000, 2);
    // The in-flight rows are still pending (removed once committed); they must not count again.
    writer.write(row(3));
    writer.write(row(4));
    done.shift()!();
    // The first batch committed (its rows left `pending`), and no INSERT started for the two that came meanwhile.
    await eventually(() => writer.pending === 2, 2_000, 2);
    expect(inserts).toEqual([3]);
    writer.write(row(5));
    await eventually(() => inserts.length === 2, 2_000, 2);
    expect(inserts).toEqual([3, 3]);
    done.shift()!();
  });

  it('still writes every queued row when a reader flushes', async () => {
    const inserts: number[] = [];
    const db = {
      query: ((_sql: string, params?: unknown[]) => {
        inserts.push((params![0] as unknown[]).length);
        return Promise.resolve({ rows: [], rowCount: 0 });
      }) as Database['query'],
    };
    const writer = createAuditWriter(db, silentLogger, { intervalMs: 60_000, maxBatch: 4 });
    for (let i = 0; i < 10; i++) writer.write(row(i));
    await writer.flush();
    expect(writer.pending).toBe(0);
    expect(inserts.reduce((a, b) => a + b, 0)).toBe(10);
  });
});

describe('decisions while the audit log refuses rows (consent subgraph over HTTP)', () => {
  const NOW = new Date('2026-06-10T16:00:00Z');
  const CALL = `query($phone: String!, $purpose: CallPurpose!) { callPermission(phone: $phone, purpose: $purpose) { ${PERMISSION_FIELDS} } }`;
  const RECORD = 'mutation($input: RecordConsentInput!) { recordConsent(input: $input) { eventId } }';
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
      revocationPollMs: 1_000,
    };
    consent = await startConsentSubgraph(config, {
      log: silentLogger,
      metrics: createMetrics('consent-audit-test', { collectDefault: false }),
      bus,
      db: raw,
      checker: createSimulatedChecker({ now: () => NOW }),
      now: () => NOW,
    });
    await markSynced(consent.db, 'national', '212', new Date('2026-06-01T00:00:00Z'));
  });
  afterAll(async () => {
    await consent?.close();
    await bus?.close();
    await raw?.close();
  });

  it('answers COMPLIANCE_DATA_UNAVAILABLE until the rows are written, and loses none of them', async () => {
    const phone = '+12125550401';
    await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
    const before = await permission(phone);
    expect(before).toMatchObject({ allowed: true });

    await auditAway(raw);
    const refused = await permission(phone); // allowed: its row is written later, and fails
    await eventually(() => consent.audit.failing, 10_000, 5);
    const denied = await permission(phone);
    expect(denied).toMatchObject({ allowed: false, reasons: ['COMPLIANCE_DATA_UNAVAILABLE'] });

    await auditBack(raw);
    await eventually(() => !consent.audit.failing && consent.audit.pending === 0, 10_000, 5);
    expect(await permission(phone)).toMatchObject({ allowed: true });
    await consent.audit.flush();
    const ids = [before, refused, denied].map((d) => d.decisionId as string);
    expect(await countRows(raw, ids)).toBe(3);
  });

  it("an opt-out naming a decision made a moment ago (its row still queued) is scoped to that decision's seller", async () => {
    const phone = '+12125550402';
    await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
    const decision = await permission(phone);
    const revoke = await gql(
      consent.url,
      'mutation($input: RevokeConsentInput!) { revokeConsent(input: $input) { eventId } }',
      {
        input: {
          phone,
          channel: 'TRANSCRIPT',
          source: 'engagement',
          occurredAt: '2026-06-10T15:59:00Z',
          decisionId: decision.decisionId,
        },
      },
      SERVICE,
    );
    expect(revoke.errors).toBeUndefined();
    const ledger = await raw.query<{ scope: string; seller: string | null }>(
      'SELECT scope, seller FROM consent_ledger WHERE event_id = $1',
      [revoke.data!.revokeConsent.eventId],
    );
    expect(ledger.rows[0]).toEqual({ scope: 'SELLER', seller: 'acme' });
  });
});
