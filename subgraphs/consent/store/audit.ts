import { z } from 'zod';
import type { Queryable } from '../../../shared/db.js';
import type { Identity } from '../../../shared/identity.js';
import { logError, type Logger } from '../../../shared/logger.js';
import { instant } from './rows.js';

/**
 * The audit log (G2, A4): every decision and every read or change of consent data, with actor,
 * role, seller, purpose, number, decision id and time. Append-only (trigger-enforced).
 */

export const AUDIT_ACTIONS = [
  'DECISION',
  'AUTHORIZE',
  'CONSENT_RECORDED',
  'CONSENT_REVOKED',
  'INTERNAL_DNC_ADDED',
  'RELATIONSHIP_RECORDED',
  'AUDIT_READ',
  'REVOCATIONS_READ',
  'REGISTRY_IMPORTED',
  'REASSIGNED_RECORDED',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditRecord {
  action: AuditAction;
  actor: string;
  role: string;
  seller: string | null;
  purpose: string | null;
  e164: string | null;
  decisionId: string | null;
  allowed: boolean | null;
  reasons: string[] | null;
  /** References only (sequences, policy version, codes); never personal data beyond the number column. */
  detail: Record<string, unknown>;
  at?: Date;
}

type AuditFields = Partial<Omit<AuditRecord, 'action' | 'actor' | 'role' | 'detail'>> & {
  detail: AuditRecord['detail'];
};

/** An audit row by the caller `identity`: the references it names, every other column null. */
export function auditRecord(action: AuditAction, identity: Identity, fields: AuditFields): AuditRecord {
  return {
    action,
    actor: identity.sub,
    role: identity.roles.join(','),
    seller: null,
    purpose: null,
    e164: null,
    decisionId: null,
    allowed: null,
    reasons: null,
    ...fields,
  };
}

const COLUMNS = [
  'action',
  'actor',
  'role',
  'seller',
  'purpose',
  'e164',
  'decision_id',
  'allowed',
  'reasons',
  'detail',
  'at',
];

export async function appendAudit(db: Queryable, records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  // One multi-row INSERT through unnest: one round trip per batch, same SQL on PGlite and PostgreSQL.
  await db.query(
    `INSERT INTO consent_audit (${COLUMNS.join(', ')})
     SELECT a, b, c, d, e, f, g::uuid, h, CASE WHEN i IS NULL THEN NULL ELSE string_to_array(i, ',') END, j::jsonb, k
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::text[], $10::text[], $11::timestamptz[])
       AS t(a, b, c, d, e, f, g, h, i, j, k)`,
    [
      records.map((r) => r.action),
      records.map((r) => r.actor),
      records.map((r) => r.role),
      records.map((r) => r.seller),
      records.map((r) => r.purpose),
      records.map((r) => r.e164),
      records.map((r) => r.decisionId),
      records.map((r) => r.allowed),
      records.map((r) => (r.reasons ? r.reasons.join(',') : null)),
      records.map((r) => JSON.stringify(r.detail)),
      records.map((r) => r.at ?? new Date()),
    ],
  );
}

export interface AuditWriterOptions {
  /**
   * How long a row may wait for its batch. @default 100 (an INSERT costs ~0.75 ms of CPU plus
   * ~0.05 ms per row on embedded PGlite: at 20 ms, 50 inserts a second were most of consent's
   * database time under call-start load). Readers of the log (auditTrail, an opt-out naming a
   * decision id) flush first, so nothing they ask about is still queued.
   */
  intervalMs?: number;
  /** Most rows per INSERT. @default 500 */
  maxBatch?: number;
  /** Longest wait between retries of a failing flush (doubling from `intervalMs`). @default 5000 */
  maxRetryDelayMs?: number;
}

/**
 * Batches audit rows of read-only decisions (callPermission) so the hot path does not wait on a
 * write; flushes every `intervalMs` (100 ms) or `maxBatch` rows and on close. Decisions that mutate
 * (authorizeCall, consent changes) write their audit row in their own transaction instead.
 *
 * A row is removed only once its INSERT committed: a failed flush keeps every row, in order, and
 * retries on its own with a doubling delay (up to `maxRetryDelayMs`) until the database takes
 * them, however many attempts that needs. While a flush is failing, `failing` is true and the
 * consent service answers every decision COMPLIANCE_DATA_UNAVAILABLE (fail closed: no decision
 * is handed out that cannot be audited); those denials are kept and written too.
 */
export function createAuditWriter(db: Queryable, log: Logger, options: AuditWriterOptions = {}) {
  const intervalMs = options.intervalMs ?? 100;
  const maxBatch = options.maxBatch ?? 500;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  const pending: AuditRecord[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();
  let failures = 0;
  let consecutiveFailures = 0;
  let closed = false;
  /** Rows the running flush has taken on (still in `pending` until their INSERT commits). */
  let claimed = 0;

  const schedule = (ms: number): void => {
    if (closed) return;
    timer ??= setTimeout(() => {
      timer = null;
      void flush();
    }, ms);
  };

  // Flushes run one after another (chained), so only this function removes rows from the front.
  // A flush writes the rows queued when it starts; rows that arrive during its INSERT wait for
  // their own interval. (Draining them too turned steady load into back-to-back INSERTs of a few
  // rows each, each with its fixed cost: the batching undone, and decisions queued behind them.)
  const writePending = async (): Promise<void> => {
    let owed = pending.length;
    claimed = owed;
    while (owed > 0) {
      const batch = pending.slice(0, Math.min(maxBatch, owed));
      try {
        await appendAudit(db, batch);
      } catch (error) {
        failures++;
        consecutiveFailures++;
        const retryMs = Math.min(maxRetryDelayMs, intervalMs * 2 ** Math.min(consecutiveFailures, 20));
        logError(log, error, 'audit flush failed: rows kept, decisions fail closed until it succeeds', {
          rows: pending.length,
          attempt: consecutiveFailures,
          retryMs,
        });
        claimed = 0;
        schedule(retryMs);
        return;
      }
      pending.splice(0, batch.length);
      owed -= batch.length;
      claimed = owed;
      if (consecutiveFailures > 0) log.info({ afterAttempts: consecutiveFailures + 1 }, 'audit flush recovered');
      consecutiveFailures = 0;
    }
    if (pending.length > 0) schedule(intervalMs);
  };

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    flushing = flushing.then(writePending);
    return flushing;
  }

  return {
    write(record: AuditRecord): void {
      pending.push({ ...record, at: record.at ?? new Date() });
      // While failing, the retry timer paces the attempts; otherwise a full batch goes at once
      // (rows a running flush has taken on do not count: they are not waiting for one).
      if (consecutiveFailures === 0 && pending.length - claimed >= maxBatch) void flush();
      else schedule(intervalMs);
    },
    flush,
    /** Flushes once more and stops retrying; rows the database still refuses are logged as lost. */
    async close(): Promise<void> {
      await flush();
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (pending.length > 0) log.error({ rows: pending.length }, 'audit rows not written at shutdown');
    },
    /** Failed flushes so far. */
    get failures() {
      return failures;
    },
    /** True from a failed flush until a flush succeeds: decisions fail closed meanwhile. */
    get failing() {
      return consecutiveFailures > 0;
    },
    /** Rows not yet written. */
    get pending() {
      return pending.length;
    },
  };
}
export type AuditWriter = ReturnType<typeof createAuditWriter>;

const AuditRow = z.object({
  id: z.union([z.number(), z.string()]).transform(Number),
  at: instant,
  action: z.string(),
  actor: z.string(),
  role: z.string(),
  seller: z.string().nullable(),
  purpose: z.string().nullable(),
  e164: z.string().nullable(),
  decision_id: z.string().nullable(),
  allowed: z.boolean().nullable(),
  reasons: z.array(z.string()).nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditRow = z.infer<typeof AuditRow>;

export async function auditTrail(db: Queryable, e164: string, limit: number): Promise<AuditRow[]> {
  const result = await db.query('SELECT * FROM consent_audit WHERE e164 = $1 ORDER BY id DESC LIMIT $2', [e164, limit]);
  return result.rows.map((r) => AuditRow.parse(r));
}
