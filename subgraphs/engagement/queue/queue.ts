import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Database, Queryable } from '../../../shared/db.js';
import { pgBossDb as bossDb } from '../../../shared/job-queue.js';
import { SpanKind, captureTraceCarrier, tracingActive, withSpan, type TraceCarrier } from '../../../shared/tracing.js';
import type { WriteBackPolicy } from '../config.js';
import { CRM_NAMES, type CrmName } from '../../../crm/registry.js';
import { DialplaneError, ErrorCode } from '../../../shared/errors.js';

/**
 * The write-back queue is pg-boss (jobs in PostgreSQL or PGlite, locked with SKIP LOCKED, retried
 * with exponential backoff and jitter, expired when a worker dies mid-job). pg-boss talks to the
 * database through our `Database`, so PGlite works and so a job can be sent inside the caller's
 * transaction (`sendInTransaction`): the outcome row and its job commit or roll back together.
 */

export const QUEUE_SCHEMA = 'engagement_queue';
export const QUEUES = {
  /**
   * One job per outcome: write it to its CRM. One queue per CRM, so a worker can stop fetching a
   * CRM's jobs while that CRM is paused (rate limit, outage) and keep draining the others.
   */
  writeBack: (crm: CrmName) => `writeback-${crm}`,
  /** Parking lot of write-backs that exhausted their attempts or can never succeed; replayed by an admin. */
  deadLetter: 'writeback-dead-letter',
  /** Push an opt-out to the consent ledger (retried until consent answers; never dropped). */
  consentRevoke: 'consent-revoke',
} as const;

export interface WriteBackJobData {
  writeBackId: string;
  /**
   * The W3C trace context of the enqueue (tracing on): the worker continues that trace, so a call
   * outcome's trace runs from the gateway to the CRM write (docs/operations.md#traces).
   */
  trace?: TraceCarrier;
}
export interface DeadLetterJobData {
  writeBackId: string;
  errorCode: string;
  error: string;
  attempts: number;
}

/** A job about to be inserted by the caller's own statement (`jobInsertSql`): its id and payload. */
export interface NewJob {
  id: string;
  name: string;
  /** The payload as pg-boss stores it (JSON text; with tracing on it carries the enqueue's context). */
  data: string;
}

/**
 * Makes a job for queue `name` and runs `write`, which inserts it with `jobInsertSql` in the same
 * statement as the rows it belongs to: the acknowledgment path is then one statement, one round
 * trip and one commit (pg-boss's `send` is a statement of its own, and needs a transaction around
 * it). With tracing on, `write` runs in the enqueue's PRODUCER span, whose context rides in the
 * payload as `send` does.
 */
export function withNewJob<T>(name: string, data: WriteBackJobData, write: (job: NewJob) => Promise<T>): Promise<T> {
  const job = (payload: WriteBackJobData): NewJob => ({ id: randomUUID(), name, data: JSON.stringify(payload) });
  if (!tracingActive()) return write(job(data));
  return inProducerSpan(name, async (span) => {
    const made = job({ ...data, trace: captureTraceCarrier() });
    span?.setAttribute('messaging.message.id', made.id);
    return write(made);
  });
}

/** The PRODUCER span of an enqueue on queue `name` (the caller puts its context in the payload). */
function inProducerSpan<T>(name: string, run: Parameters<typeof withSpan<T>>[2]): Promise<T> {
  return withSpan(
    `${name} send`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'pg-boss',
        'messaging.operation.type': 'send',
        'messaging.destination.name': name,
      },
    },
    run,
  );
}

/**
 * An INSERT of one job per row of `source` (a CTE of the caller's statement), with the row pg-boss
 * 10.4's `send` writes for a queue of the standard policy: priority 0, no singleton, the queue's
 * dead letter, expiry, retention and retry settings, the same fallbacks. `id`, `name` and `data`
 * are the caller's parameter placeholders for the `NewJob`'s fields. A queue that does not exist
 * has no partition of the job table, so the insert fails, and with it the caller's whole
 * statement: never an outcome without its job. pg-boss is pinned to that
 * version; `test/engagement/ack-one-statement.test.ts` compares this row with `send`'s, column by
 * column, so an upgrade that changes either fails there first.
 */
export function jobInsertSql(
  source: string,
  params: { id: string; name: string; data: string },
  startAfterSeconds = 0,
): string {
  if (!Number.isInteger(startAfterSeconds) || startAfterSeconds < 0)
    throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, `startAfterSeconds must be a whole number`);
  return `INSERT INTO ${QUEUE_SCHEMA}.job (id, name, data, priority, start_after, dead_letter, expire_in, keep_until,
      retry_limit, retry_delay, retry_backoff, policy)
    SELECT ${params.id}::uuid, ${params.name}::text, ${params.data}::jsonb, 0, s.start_after, q.dead_letter,
      COALESCE(q.expire_seconds * interval '1 second', interval '15 minutes'),
      s.start_after + CAST(COALESCE((q.retention_minutes * 60)::text, '14 days') AS interval),
      COALESCE(q.retry_limit, 2),
      CASE WHEN COALESCE(q.retry_backoff, false) THEN GREATEST(q.retry_delay, 1) ELSE COALESCE(q.retry_delay, 0) END,
      COALESCE(q.retry_backoff, false), q.policy
    FROM ${source}
    CROSS JOIN (SELECT now() + ${startAfterSeconds} * interval '1 second' AS start_after) s
    LEFT JOIN ${QUEUE_SCHEMA}.queue q ON q.name = ${params.name}::text
    RETURNING id`;
}

export interface WriteBackQueue {
  readonly boss: PgBoss;
  /** Enqueues inside `tx`; returns the job id. */
  sendWriteBack(tx: Queryable, crm: CrmName, data: WriteBackJobData): Promise<string>;
  sendConsentRevoke(tx: Queryable, data: WriteBackJobData, startAfterSeconds?: number): Promise<string>;
  sendDeadLetter(tx: Queryable, data: DeadLetterJobData): Promise<string>;
  /**
   * Fails an attempt; pg-boss schedules the retry (exponential backoff with jitter), and we cap
   * the wait at `maxDelayMs` (the worker's attempt policy draws it with jitter). Returns when the
   * next attempt is due.
   */
  failAttempt(crm: CrmName, jobId: string, output: object, maxDelayMs: number): Promise<Date | null>;
  /** Cancels a parked dead-letter job (its write-back was replayed). */
  cancelDeadLetter(tx: Queryable, jobId: string): Promise<void>;
  stop(): Promise<void>;
}

export interface QueueOptions {
  policy: Pick<WriteBackPolicy, 'maxAttempts' | 'retryDelaySeconds' | 'jobTimeoutSeconds'>;
  /** Run pg-boss maintenance (expire lost jobs, archive) in this process. */
  supervise: boolean;
  maintenanceIntervalSeconds?: number;
  onError?: (error: Error) => void;
}

export async function startWriteBackQueue(db: Database, options: QueueOptions): Promise<WriteBackQueue> {
  const boss = new PgBoss({
    db: bossDb(db, db),
    schema: QUEUE_SCHEMA,
    supervise: options.supervise,
    schedule: false,
    migrate: true,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 15,
    monitorStateIntervalSeconds: 60,
  });
  boss.on('error', (error) => options.onError?.(error));
  await boss.start();
  const { policy } = options;
  // One attempt beyond the policy is held in reserve: if a worker dies during the last attempt,
  // pg-boss expires and re-runs the job once more, and our handler dead-letters it with its
  // error instead of pg-boss failing it silently.
  const writeBackQueue = (crm: CrmName): PgBoss.Queue => ({
    name: QUEUES.writeBack(crm),
    policy: 'standard',
    retryLimit: policy.maxAttempts,
    retryDelay: policy.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: policy.jobTimeoutSeconds,
    retentionDays: 14,
    deadLetter: QUEUES.deadLetter,
  });
  await ensureQueue(boss, { name: QUEUES.deadLetter, policy: 'standard', retentionDays: 30 });
  for (const crm of CRM_NAMES) await ensureQueue(boss, writeBackQueue(crm));
  await ensureQueue(boss, {
    name: QUEUES.consentRevoke,
    policy: 'standard',
    // Consent must eventually hear of every opt-out: retry for days, backing off to ~1 h.
    retryLimit: 200,
    retryDelay: 1,
    retryBackoff: true,
    expireInSeconds: 60,
    retentionDays: 14,
  });

  const enqueue = async (tx: Queryable, name: string, data: object, extra: PgBoss.SendOptions) => {
    const id = await boss.send(name, data, { ...extra, db: bossDb(tx, db) });
    if (!id) throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, `pg-boss refused a job for ${name}`);
    return id;
  };
  // With tracing on, each enqueue is a PRODUCER span whose context rides in the job's payload.
  const send = (tx: Queryable, name: string, data: object, extra: PgBoss.SendOptions = {}) =>
    !tracingActive()
      ? enqueue(tx, name, data, extra)
      : inProducerSpan(name, async (span) => {
          const id = await enqueue(tx, name, { ...data, trace: captureTraceCarrier() }, extra);
          span?.setAttribute('messaging.message.id', id);
          return id;
        });
  return {
    boss,
    sendWriteBack: (tx, crm, data) => send(tx, QUEUES.writeBack(crm), data),
    sendConsentRevoke: (tx, data, startAfterSeconds) =>
      send(tx, QUEUES.consentRevoke, data, startAfterSeconds ? { startAfter: startAfterSeconds } : {}),
    sendDeadLetter: (tx, data) => send(tx, QUEUES.deadLetter, data),
    failAttempt: async (crm, jobId, output, maxDelayMs) => {
      await boss.fail(QUEUES.writeBack(crm), jobId, output);
      // pg-boss 10 has no ceiling on its doubling; clamp start_after on the retry row it just wrote.
      const { rows } = await db.query<{ start_after: Date }>(
        `UPDATE ${QUEUE_SCHEMA}.job
           SET start_after = LEAST(start_after, now() + $3 * interval '1 millisecond')
         WHERE name = $1 AND id = $2 AND state = 'retry'
         RETURNING start_after`,
        [QUEUES.writeBack(crm), jobId, maxDelayMs],
      );
      return rows[0] ? new Date(rows[0].start_after) : null;
    },
    cancelDeadLetter: async (tx, jobId) => {
      await boss.cancel(QUEUES.deadLetter, jobId, { db: bossDb(tx, db) });
    },
    stop: () => boss.stop({ graceful: false, wait: true, close: false }),
  };
}

/**
 * Creates the queue, or applies our options to it. Queue options live in the database, so the
 * process that starts last sets them for everyone: every subgraph and worker process must run
 * with the same WRITEBACK_* settings.
 */
async function ensureQueue(boss: PgBoss, queue: PgBoss.Queue): Promise<void> {
  const existing = await boss.getQueue(queue.name);
  if (existing) await boss.updateQueue(queue.name, queue);
  else {
    try {
      await boss.createQueue(queue.name, queue);
    } catch (error) {
      // Another process created it between our check and our insert.
      if (!(await boss.getQueue(queue.name))) throw error;
    }
  }
}
