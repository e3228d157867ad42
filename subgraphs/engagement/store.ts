import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../shared/db.js';
import type { CrmName } from '../../crm/registry.js';
import type { IntentStage } from '../../shared/crm/connector.js';
import type { Disposition, NextAction } from '../../shared/crm/writer.js';
import type { CallOutcomeInput, StoredOutcome } from './intake/outcome.js';
import { isOptOut, payloadHash } from './intake/outcome.js';
import { QUEUES, jobInsertSql, withNewJob, type NewJob, type WriteBackQueue } from './queue/queue.js';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';

/**
 * Outcomes, their write-back state and pending consent revocations. Every state change the
 * worker makes goes through here, so `Query.writeBack` shows exactly what the worker knows.
 */

export const WRITE_BACK_STATUSES = ['QUEUED', 'RETRYING', 'WRITTEN', 'DEAD_LETTERED'] as const;
export type WriteBackStatus = (typeof WRITE_BACK_STATUSES)[number];
/** Not yet in the CRM. */
export const PENDING_STATUSES: readonly WriteBackStatus[] = ['QUEUED', 'RETRYING'];

export interface WriteBackState {
  id: string;
  outcomeId: string;
  contactId: string;
  crm: CrmName;
  status: WriteBackStatus;
  attempts: number;
  lastErrorCode: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  crmRecordId: string | null;
  createdAt: string;
  updatedAt: string;
  writtenAt: string | null;
  /** The seller of its outcome (null or absent: unknown, visible to every seller). */
  seller?: string | null;
}

export interface Receipt {
  id: string;
  status: WriteBackStatus;
  acceptedAt: string;
  duplicate: boolean;
}

export class IdempotencyConflictError extends DialplaneError {
  constructor() {
    super(ErrorCode.CONFLICT, 'idempotencyKey was already used with a different outcome');
  }
}

const iso = (v: unknown): string | null => (v == null ? null : new Date(v as string | Date).toISOString());

const OUTCOME_COLUMNS = `o.id, o.idempotency_key, o.contact_id, o.crm, o.crm_contact_id, o.call_id, o.decision_id,
  o.disposition, o.summary, o.intent_stage, o.next_action, o.next_action_at, o.duration_seconds, o.occurred_at,
  o.opt_out, o.channel, o.accepted_at, o.seller`;

function toOutcome(r: Record<string, unknown>): StoredOutcome {
  return {
    id: r.id as string,
    idempotencyKey: r.idempotency_key as string,
    contactId: r.contact_id as string,
    crm: r.crm as CrmName,
    crmContactId: r.crm_contact_id as string,
    callId: r.call_id as string,
    decisionId: r.decision_id as string,
    disposition: r.disposition as Disposition,
    summary: (r.summary as string | null) ?? null,
    intentStage: (r.intent_stage as IntentStage | null) ?? null,
    nextAction: (r.next_action as NextAction | null) ?? null,
    nextActionAt: iso(r.next_action_at),
    durationSeconds: r.duration_seconds == null ? null : Number(r.duration_seconds),
    occurredAt: iso(r.occurred_at)!,
    optOut: Boolean(r.opt_out),
    channel: r.channel as 'graphql' | 'webhook',
    acceptedAt: iso(r.accepted_at)!,
    seller: (r.seller as string | null) ?? null,
  };
}

const WRITE_BACK_COLUMNS = `w.id, w.crm, w.status, w.attempts, w.last_error_code, w.last_error_message, w.next_attempt_at,
  w.crm_record_id, w.created_at, w.updated_at, w.written_at, o.contact_id, o.seller`;

function toWriteBack(r: Record<string, unknown>): WriteBackState {
  return {
    id: r.id as string,
    outcomeId: r.id as string,
    contactId: r.contact_id as string,
    crm: r.crm as CrmName,
    status: r.status as WriteBackStatus,
    attempts: Number(r.attempts),
    lastErrorCode: (r.last_error_code as string | null) ?? null,
    lastError: (r.last_error_message as string | null) ?? null,
    nextAttemptAt: iso(r.next_attempt_at),
    crmRecordId: (r.crm_record_id as string | null) ?? null,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    writtenAt: iso(r.written_at),
    seller: (r.seller as string | null) ?? null,
  };
}

export interface WriteBackFilter {
  status?: WriteBackStatus;
  crm?: CrmName;
  contactId?: string;
  /** Seller scope: only these sellers' write-backs (plus those without a seller); unset = all. */
  sellers?: string[] | null;
  /** Keyset cursor: the id of the last row of the previous page. */
  after?: string;
  first?: number;
}

export interface QueueStats {
  pending: number;
  retrying: number;
  deadLettered: number;
  oldestPendingAgeMs: number | null;
  pendingByCrm: Record<string, number>;
  byCrm: Record<string, { pending: number; retrying: number; deadLettered: number }>;
}

/**
 * The acknowledgment's one statement: the outcome, its write-back and its job (each insert reading
 * the outcome's, so a repeated key inserts nothing); for an opt-out also the revocation and its
 * job. Two texts, so the common case does not plan the revocation's inserts (on PGlite every
 * statement is planned anew: the opt-out text costs ~1.2 ms of CPU, this one ~0.7 ms).
 */
const outcomeSql = (optOut: boolean) => `WITH o AS (
     INSERT INTO engagement.call_outcome (id, idempotency_key, payload_hash, contact_id, crm, crm_contact_id, call_id,
       decision_id, disposition, summary, intent_stage, next_action, next_action_at, duration_seconds, occurred_at,
       opt_out, channel, webhook_event_id, accepted_at, seller)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$21)
     ON CONFLICT DO NOTHING
     RETURNING id, crm, accepted_at
   ), w AS (
     INSERT INTO engagement.write_back (id, crm, status, job_id, created_at, updated_at, next_attempt_at)
     SELECT id, crm, 'QUEUED', $20, accepted_at, accepted_at, accepted_at FROM o
     RETURNING id
   ), j AS (
     ${jobInsertSql('o', { id: '$20', name: '$22', data: '$23' })}
   )${
     optOut
       ? `, r AS (
     INSERT INTO engagement.consent_revocation (outcome_id, phone, status, created_at)
     SELECT id, $24::text, 'PENDING', accepted_at FROM o
     RETURNING outcome_id
   ), rj AS (
     -- The job is the safety net; the caller pushes to consent at once. It starts a little
     -- later so the immediate push usually wins and the job finds nothing to do.
     ${jobInsertSql('r', { id: '$25', name: '$26', data: '$27' }, 5)}
   )`
       : ''
   }
   SELECT id FROM w`;
const RECORD_OUTCOME_SQL = outcomeSql(false);
const RECORD_OPT_OUT_SQL = outcomeSql(true);

export class EngagementStore {
  constructor(
    readonly db: Database,
    private readonly queue: Pick<WriteBackQueue, 'sendWriteBack' | 'sendDeadLetter' | 'cancelDeadLetter'>,
  ) {}

  /**
   * Stores the outcome, its write-back and (for an opt-out) its consent revocation, and enqueues
   * their jobs, all in ONE statement (atomic on its own: no transaction, one round trip, one
   * commit). A repeated idempotency key (or webhook event id) inserts nothing, since every other
   * insert reads the outcome's, and returns the first receipt.
   *
   * This is the acknowledgment path: it waits on nothing but this statement (no worker, CRM, rate
   * limit, breaker or consent call), so what the CRMs are doing cannot reach it.
   */
  async recordOutcome(
    input: CallOutcomeInput,
    channel: 'graphql' | 'webhook',
    webhookEventId?: string,
  ): Promise<{ receipt: Receipt; revocationPending: boolean }> {
    const hash = payloadHash(input);
    const id = randomUUID();
    const optOut = isOptOut(input);
    const now = new Date();
    const insert = (job: NewJob, revoke: NewJob | null) =>
      this.db.query(revoke ? RECORD_OPT_OUT_SQL : RECORD_OUTCOME_SQL, [
        id,
        input.idempotencyKey,
        hash,
        input.contactId.id,
        input.contactId.crm,
        input.contactId.crmId,
        input.callId,
        input.decisionId,
        input.disposition,
        input.summary ?? null,
        input.intentStage ?? null,
        input.nextAction ?? null,
        input.nextActionAt ?? null,
        input.durationSeconds ?? null,
        input.occurredAt,
        optOut,
        channel,
        webhookEventId ?? null,
        now,
        job.id,
        input.seller ?? null,
        job.name,
        job.data,
        ...(revoke ? [input.phone, revoke.id, revoke.name, revoke.data] : []),
      ]);
    let inserted: boolean;
    try {
      const { rows } = await withNewJob(QUEUES.writeBack(input.contactId.crm), { writeBackId: id }, (job) =>
        optOut
          ? withNewJob(QUEUES.consentRevoke, { writeBackId: id }, (revoke) => insert(job, revoke))
          : insert(job, null),
      );
      inserted = rows.length > 0;
    } catch (error) {
      // A concurrent insert of the same key can still surface as a unique violation.
      if (!isUniqueViolation(error)) throw error;
      inserted = false;
    }
    if (inserted)
      return {
        receipt: { id, status: 'QUEUED', acceptedAt: now.toISOString(), duplicate: false },
        revocationPending: optOut,
      };
    // The key (or event id) is taken, by an earlier request or a concurrent one that committed
    // first: answer with its receipt (or a conflict when the content differs).
    const first = await this.findDuplicate(this.db, input.idempotencyKey, webhookEventId, hash);
    if (first) return { receipt: first.receipt, revocationPending: false };
    throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, 'the outcome was neither stored nor found');
  }

  private async findDuplicate(
    sql: Queryable,
    key: string,
    webhookEventId: string | undefined,
    hash: string,
  ): Promise<{ receipt: Receipt; outcome: StoredOutcome } | null> {
    const { rows } = await sql.query<Record<string, unknown>>(
      `SELECT ${OUTCOME_COLUMNS}, o.payload_hash FROM engagement.call_outcome o
       WHERE o.idempotency_key = $1 OR ($2::text IS NOT NULL AND o.webhook_event_id = $2)
       ORDER BY o.accepted_at LIMIT 1`,
      [key, webhookEventId ?? null],
    );
    const row = rows[0];
    if (!row) return null;
    // Same key, different content: the caller reused a key by mistake; never overwrite silently.
    // (A redelivered webhook matched by its event id is the same event whatever its key.)
    if (row.idempotency_key === key && row.payload_hash !== hash) throw new IdempotencyConflictError();
    const outcome = toOutcome(row);
    return { receipt: { id: outcome.id, status: 'QUEUED', acceptedAt: outcome.acceptedAt, duplicate: true }, outcome };
  }

  async getOutcome(id: string): Promise<StoredOutcome | null> {
    return this.getOutcomeTx(this.db, id);
  }

  private async getOutcomeTx(sql: Queryable, id: string): Promise<StoredOutcome | null> {
    const { rows } = await sql.query<Record<string, unknown>>(
      `SELECT ${OUTCOME_COLUMNS} FROM engagement.call_outcome o WHERE o.id = $1`,
      [id],
    );
    return rows[0] ? toOutcome(rows[0]) : null;
  }

  /**
   * The newest outcome per contact (by occurrence), with its write-back state: the overlay source.
   * `sellers` (seller scope): only outcomes of those sellers or of none; null = every outcome.
   */
  async latestOutcomes(
    contactIds: readonly string[],
    sellers: string[] | null = null,
  ): Promise<Map<string, { outcome: StoredOutcome; writeBack: WriteBackState }>> {
    const out = new Map<string, { outcome: StoredOutcome; writeBack: WriteBackState }>();
    if (contactIds.length === 0) return out;
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT DISTINCT ON (o.contact_id) ${OUTCOME_COLUMNS},
              w.status, w.attempts, w.last_error_code, w.last_error_message, w.next_attempt_at, w.crm_record_id,
              w.created_at, w.updated_at, w.written_at
       FROM engagement.call_outcome o JOIN engagement.write_back w ON w.id = o.id
       WHERE o.contact_id = ANY($1::text[]) AND ($2::text[] IS NULL OR o.seller IS NULL OR o.seller = ANY($2::text[]))
       ORDER BY o.contact_id, o.occurred_at DESC, o.accepted_at DESC`,
      [contactIds, sellers],
    );
    for (const r of rows) out.set(r.contact_id as string, { outcome: toOutcome(r), writeBack: toWriteBack(r) });
    return out;
  }

  async getWriteBack(id: string): Promise<WriteBackState | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT ${WRITE_BACK_COLUMNS} FROM engagement.write_back w JOIN engagement.call_outcome o ON o.id = w.id WHERE w.id = $1`,
      [id],
    );
    return rows[0] ? toWriteBack(rows[0]) : null;
  }

  /** Oldest first, keyset-paginated on (created_at, id). */
  async listWriteBacks(filter: WriteBackFilter): Promise<{ items: WriteBackState[]; hasNextPage: boolean }> {
    const first = Math.min(Math.max(filter.first ?? 50, 1), 500);
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT ${WRITE_BACK_COLUMNS} FROM engagement.write_back w JOIN engagement.call_outcome o ON o.id = w.id
       WHERE ($1::text IS NULL OR w.status = $1)
         AND ($2::text IS NULL OR w.crm = $2)
         AND ($3::text IS NULL OR o.contact_id = $3)
         AND ($4::uuid IS NULL OR (w.created_at, w.id) > (SELECT created_at, id FROM engagement.write_back WHERE id = $4))
         AND ($6::text[] IS NULL OR o.seller IS NULL OR o.seller = ANY($6::text[]))
       ORDER BY w.created_at, w.id
       LIMIT $5`,
      [
        filter.status ?? null,
        filter.crm ?? null,
        filter.contactId ?? null,
        filter.after ?? null,
        first + 1,
        filter.sellers ?? null,
      ],
    );
    return { items: rows.slice(0, first).map(toWriteBack), hasNextPage: rows.length > first };
  }

  /** The worker picked the job up: count the attempt. Returns null if the row is already final. */
  async beginAttempt(id: string): Promise<{ outcome: StoredOutcome; writeBack: WriteBackState } | null> {
    // One statement: the worker's per-job database work is what bounds write-back throughput.
    const { rows } = await this.db.query<Record<string, unknown>>(
      `UPDATE engagement.write_back w SET attempts = w.attempts + 1, updated_at = now(), next_attempt_at = NULL
       FROM engagement.call_outcome o
       WHERE w.id = $1 AND o.id = w.id AND w.status IN ('QUEUED', 'RETRYING')
       RETURNING ${OUTCOME_COLUMNS}, ${WRITE_BACK_COLUMNS.replace(', o.contact_id', '')}`,
      [id],
    );
    const row = rows[0];
    return row ? { outcome: toOutcome(row), writeBack: toWriteBack(row) } : null;
  }

  async markWritten(tx: Queryable, id: string, crmRecordId: string | null): Promise<void> {
    await tx.query(
      `UPDATE engagement.write_back SET status = 'WRITTEN', crm_record_id = $2, written_at = now(), updated_at = now(),
         last_error_code = NULL, last_error_message = NULL, next_attempt_at = NULL
       WHERE id = $1`,
      [id, crmRecordId],
    );
  }

  async markRetrying(id: string, code: string, message: string, nextAttemptAt: Date | null): Promise<void> {
    await this.db.query(
      `UPDATE engagement.write_back SET status = 'RETRYING', last_error_code = $2, last_error_message = $3,
         next_attempt_at = $4, updated_at = now()
       WHERE id = $1 AND status IN ('QUEUED', 'RETRYING')`,
      [id, code, message.slice(0, 1000), nextAttemptAt],
    );
  }

  /** Dead-letters in one transaction: the row's state and the dead-letter job. */
  async markDeadLettered(id: string, code: string, message: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ attempts: number }>(
        `SELECT attempts FROM engagement.write_back WHERE id = $1 AND status IN ('QUEUED', 'RETRYING') FOR UPDATE`,
        [id],
      );
      if (!rows[0]) return;
      const dlqJobId = await this.queue.sendDeadLetter(tx, {
        writeBackId: id,
        errorCode: code,
        error: message.slice(0, 1000),
        attempts: Number(rows[0].attempts),
      });
      await tx.query(
        `UPDATE engagement.write_back SET status = 'DEAD_LETTERED', last_error_code = $2, last_error_message = $3,
           dlq_job_id = $4, dead_at = now(), next_attempt_at = NULL, updated_at = now()
         WHERE id = $1`,
        [id, code, message.slice(0, 1000), dlqJobId],
      );
    });
  }

  /**
   * Replays dead-lettered write-backs: back to QUEUED with a fresh job and a fresh attempt budget,
   * their dead-letter jobs completed. Only DEAD_LETTERED rows move; returns the ids replayed.
   */
  /** `sellers` (seller scope): only write-backs of those sellers or of none; unset = all. */
  async replay(
    selection: {
      ids?: readonly string[];
      filter?: { crm?: CrmName; errorCode?: string; since?: string };
      sellers?: string[] | null;
    },
    limit = 1000,
  ): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string; crm: CrmName; dlq_job_id: string | null }>(
        `SELECT w.id, w.crm, w.dlq_job_id FROM engagement.write_back w
         WHERE w.status = 'DEAD_LETTERED'
           AND ($1::uuid[] IS NULL OR w.id = ANY($1::uuid[]))
           AND ($2::text IS NULL OR w.crm = $2)
           AND ($3::text IS NULL OR w.last_error_code = $3)
           AND ($4::timestamptz IS NULL OR w.dead_at >= $4)
           AND ($6::text[] IS NULL OR EXISTS (SELECT 1 FROM engagement.call_outcome o WHERE o.id = w.id AND (o.seller IS NULL OR o.seller = ANY($6::text[]))))
         ORDER BY w.created_at LIMIT $5 FOR UPDATE OF w`,
        [
          selection.ids ? [...selection.ids] : null,
          selection.filter?.crm ?? null,
          selection.filter?.errorCode ?? null,
          selection.filter?.since ?? null,
          limit,
          selection.sellers ?? null,
        ],
      );
      for (const row of rows) {
        const jobId = await this.queue.sendWriteBack(tx, row.crm, { writeBackId: row.id });
        await tx.query(
          `UPDATE engagement.write_back SET status = 'QUEUED', attempts = 0, job_id = $2, dlq_job_id = NULL, dead_at = NULL,
             next_attempt_at = now(), updated_at = now()
           WHERE id = $1`,
          [row.id, jobId],
        );
        if (row.dlq_job_id) await this.queue.cancelDeadLetter(tx, row.dlq_job_id);
      }
      return rows.map((r) => r.id);
    });
  }

  // --- consent revocations -------------------------------------------------------------------

  /** Claims a pending revocation for `leaseMs` (so the immediate push and the job do not both call). */
  async claimRevocation(outcomeId: string, leaseMs: number): Promise<{ phone: string; outcome: StoredOutcome } | null> {
    const { rows } = await this.db.query<{ phone: string }>(
      `UPDATE engagement.consent_revocation SET lease_until = now() + $2 * interval '1 millisecond', attempts = attempts + 1
       WHERE outcome_id = $1 AND status = 'PENDING' AND (lease_until IS NULL OR lease_until < now())
       RETURNING phone`,
      [outcomeId, leaseMs],
    );
    if (!rows[0]) return null;
    const outcome = await this.getOutcome(outcomeId);
    return outcome ? { phone: rows[0].phone, outcome } : null;
  }

  async completeRevocation(outcomeId: string): Promise<void> {
    await this.db.query(
      `UPDATE engagement.consent_revocation SET status = 'DONE', done_at = now(), lease_until = NULL, last_error_code = NULL WHERE outcome_id = $1`,
      [outcomeId],
    );
  }

  async releaseRevocation(outcomeId: string, code: string): Promise<void> {
    await this.db.query(
      `UPDATE engagement.consent_revocation SET lease_until = NULL, last_error_code = $2 WHERE outcome_id = $1 AND status = 'PENDING'`,
      [outcomeId, code],
    );
  }

  /** 'NONE' when the outcome carries no opt-out. */
  async revocationStatus(outcomeId: string): Promise<'NONE' | 'PENDING' | 'DONE'> {
    const { rows } = await this.db.query<{ status: 'PENDING' | 'DONE' }>(
      `SELECT status FROM engagement.consent_revocation WHERE outcome_id = $1`,
      [outcomeId],
    );
    return rows[0]?.status ?? 'NONE';
  }

  /**
   * The queue now: counts by status (pending = queued + retrying) overall and per CRM, and the
   * oldest pending age. `sellers` limits it to those sellers' write-backs (plus those without a
   * seller), as every read of write-backs is (docs/access.md); unset = all (metrics, readiness).
   */
  async stats(sellers: string[] | null = null): Promise<QueueStats> {
    const { rows } = await this.db.query<{ crm: string; status: string; n: number; oldest: Date | string | null }>(
      `SELECT w.crm, w.status, count(*)::int AS n, min(w.created_at) AS oldest FROM engagement.write_back w
       WHERE w.status <> 'WRITTEN'
         AND ($1::text[] IS NULL OR EXISTS (
           SELECT 1 FROM engagement.call_outcome o WHERE o.id = w.id AND (o.seller IS NULL OR o.seller = ANY($1::text[]))))
       GROUP BY w.crm, w.status`,
      [sellers],
    );
    const stats: QueueStats = {
      pending: 0,
      retrying: 0,
      deadLettered: 0,
      oldestPendingAgeMs: null,
      pendingByCrm: {},
      byCrm: {},
    };
    let oldest: number | null = null;
    for (const r of rows) {
      const n = Number(r.n);
      const crm = (stats.byCrm[r.crm] ??= { pending: 0, retrying: 0, deadLettered: 0 });
      if (r.status === 'DEAD_LETTERED') {
        stats.deadLettered += n;
        crm.deadLettered += n;
      } else {
        stats.pending += n;
        crm.pending += n;
        if (r.status === 'RETRYING') {
          stats.retrying += n;
          crm.retrying += n;
        }
        stats.pendingByCrm[r.crm] = (stats.pendingByCrm[r.crm] ?? 0) + n;
        const t = r.oldest ? new Date(r.oldest).getTime() : null;
        if (t !== null && (oldest === null || t < oldest)) oldest = t;
      }
    }
    stats.oldestPendingAgeMs = oldest === null ? null : Math.max(0, Date.now() - oldest);
    return stats;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505';
}
