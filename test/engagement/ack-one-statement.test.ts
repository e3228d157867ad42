import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Queryable } from '../../shared/db.js';
import { silentLogger } from '../../shared/logger.js';
import { callOutcomeInput } from '../../subgraphs/engagement/intake/outcome.js';
import { jobInsertSql, QUEUE_SCHEMA, QUEUES } from '../../subgraphs/engagement/queue/queue.js';
import { openEngagementRuntime, type EngagementRuntime } from '../../subgraphs/engagement/runtime.js';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';
import { testConfig } from './helpers.js';

/**
 * The acknowledgment path is one statement (issue 17): the outcome, its write-back, its job and,
 * for an opt-out, the revocation and its job, with no transaction around them, so it is one round
 * trip and one commit on PostgreSQL and one query on PGlite. The job row is written by our SQL, not
 * by pg-boss's `send`: it must be the row `send` writes, and nothing may be stored without its job.
 */

/** Every statement a database handle is given, transactions included (BEGIN/COMMIT counted as such). */
function counting(db: Database): { db: Database; statements: string[] } {
  const statements: string[] = [];
  const wrap = (q: Queryable): Queryable['query'] =>
    ((sql: string, params?: unknown[]) => {
      statements.push(sql);
      return q.query(sql, params);
    }) as Queryable['query'];
  return {
    statements,
    db: {
      ...db,
      query: wrap(db),
      transaction: (fn) => {
        statements.push('BEGIN');
        return db.transaction((tx) => fn({ query: wrap(tx) }));
      },
      exec: (sql) => db.exec(sql),
      close: () => db.close(),
    },
  };
}

const outcome = (overrides: Record<string, unknown> = {}) =>
  callOutcomeInput.parse({
    contactId: 'hubspot:101',
    callId: `call-${randomUUID()}`,
    decisionId: randomUUID(),
    idempotencyKey: `key-${randomUUID()}`,
    disposition: 'CONNECTED',
    summary: 'one statement',
    occurredAt: new Date().toISOString(),
    ...overrides,
  });

/** The columns of a job row that pg-boss derives from the queue and the send options. */
const JOB_COLUMNS = `name, priority, state, retry_limit, retry_delay, retry_backoff, expire_in, policy, dead_letter,
  singleton_key, singleton_on, keep_until - start_after AS kept_for, start_after - created_on AS delayed_by`;

function suite(open: () => Promise<{ db: Database; drop?: () => Promise<void> }>) {
  let opened: { db: Database; drop?: () => Promise<void> };
  let counted: ReturnType<typeof counting>;
  let runtime: EngagementRuntime;
  beforeAll(async () => {
    opened = await open();
    counted = counting(opened.db);
    runtime = await openEngagementRuntime(testConfig({ runWorker: false }), { log: silentLogger, db: counted.db });
  }, 60_000);
  afterAll(async () => {
    await runtime?.close();
    await opened?.db.close();
    await opened?.drop?.();
  });

  const jobRow = async (id: string) =>
    (
      await runtime.db.query<Record<string, unknown>>(
        `SELECT ${JOB_COLUMNS}, data FROM ${QUEUE_SCHEMA}.job WHERE id = $1`,
        [id],
      )
    ).rows[0];

  it('acknowledges an outcome in one statement, with no transaction around it', async () => {
    counted.statements.length = 0;
    const { receipt } = await runtime.store.recordOutcome(outcome(), 'graphql');
    expect(receipt.status).toBe('QUEUED');
    expect(counted.statements).toHaveLength(1);
    expect(counted.statements[0]).toMatch(/^WITH o AS/);
  });

  it('acknowledges an opt-out in one statement too, revocation and its job included', async () => {
    counted.statements.length = 0;
    const { receipt, revocationPending } = await runtime.store.recordOutcome(
      outcome({ disposition: 'OPTED_OUT', phone: '+14155550123' }),
      'graphql',
    );
    expect(counted.statements).toHaveLength(1);
    expect(revocationPending).toBe(true);
    expect(await runtime.store.revocationStatus(receipt.id)).toBe('PENDING');
    const { rows } = await runtime.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${QUEUE_SCHEMA}.job WHERE name = $1 AND data->>'writeBackId' = $2`,
      [QUEUES.consentRevoke, receipt.id],
    );
    expect(rows[0]!.n).toBe(1);
  });

  it("writes the job row pg-boss's send writes, for a write-back and for a delayed revocation", async () => {
    for (const [name, startAfter] of [
      [QUEUES.writeBack('hubspot'), 0],
      [QUEUES.writeBack('salesforce'), 0],
      [QUEUES.consentRevoke, 5],
    ] as const) {
      const data = { writeBackId: randomUUID() };
      const sent = await runtime.queue.boss.send(name, data, startAfter ? { startAfter } : {});
      const ours = randomUUID();
      await runtime.db.query(
        `WITH src AS (SELECT 1) ${jobInsertSql('src', { id: '$1', name: '$2', data: '$3' }, startAfter)}`,
        [ours, name, JSON.stringify(data)],
      );
      const [theirs, mine] = [await jobRow(sent!), await jobRow(ours)];
      expect(theirs).toBeDefined();
      // created_on and start_after are each statement's clock: compare what was derived from them.
      const round = (row: Record<string, unknown>) => ({
        ...row,
        delayed_by: JSON.stringify(row.delayed_by).replace(/\.\d+/, ''),
      });
      expect(round(mine!)).toEqual(round(theirs!));
    }
  });

  it('stores nothing when the job cannot be inserted (never an outcome without its job)', async () => {
    const { rows } = await runtime.db.query<{ partition_name: string }>(
      `SELECT partition_name FROM ${QUEUE_SCHEMA}.queue WHERE name = $1`,
      [QUEUES.writeBack('salesforce')],
    );
    // The queue's partition of the job table gone: the job insert fails, and with it the statement.
    await runtime.db.query(
      `ALTER TABLE ${QUEUE_SCHEMA}.job DETACH PARTITION ${QUEUE_SCHEMA}.${rows[0]!.partition_name}`,
    );
    const input = outcome({ contactId: 'salesforce:003Dp0000000000IAA' });
    await expect(runtime.store.recordOutcome(input, 'graphql')).rejects.toThrow();
    const stored = await runtime.db.query(`SELECT 1 FROM engagement.call_outcome WHERE idempotency_key = $1`, [
      input.idempotencyKey,
    ]);
    expect(stored.rows).toHaveLength(0);
  });

  it('answers a repeated key with the first receipt and enqueues no second job', async () => {
    const input = outcome();
    const first = await runtime.store.recordOutcome(input, 'graphql');
    const again = await runtime.store.recordOutcome(input, 'graphql');
    expect(again.receipt).toMatchObject({ id: first.receipt.id, duplicate: true });
    const { rows } = await runtime.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${QUEUE_SCHEMA}.job WHERE name = $1`,
      [QUEUES.writeBack('hubspot')],
    );
    const jobs = rows[0]!.n;
    await runtime.store.recordOutcome(input, 'graphql');
    const after = await runtime.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${QUEUE_SCHEMA}.job WHERE name = $1`,
      [QUEUES.writeBack('hubspot')],
    );
    expect(after.rows[0]!.n).toBe(jobs);
  });
}

describe('engagement acknowledgment in one statement (PGlite)', () => {
  suite(async () => ({ db: await openDatabase({}) }));
});

describeWithPostgres('engagement acknowledgment in one statement', () => {
  suite(async () => {
    const database = await createTestDatabase('ack_one_statement');
    return { db: await openDatabase({ url: database.url }), drop: database.drop };
  });
});
