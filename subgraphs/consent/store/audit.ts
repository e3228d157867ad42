import { z } from 'zod';
import type { Queryable } from '../../../shared/db.js';
import type { Logger } from '../../../shared/logger.js';
import { instant } from './rows.js';
import { logError } from '../../../shared/logger.js';

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

const COLUMNS = ['action', 'actor', 'role', 'seller', 'purpose', 'e164', 'decision_id', 'allowed', 'reasons', 'detail', 'at'];

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

/**
 * Batches audit rows of read-only decisions (callPermission) so the hot path does not wait on a
 * write; flushes every `intervalMs` or `maxBatch` rows and on close. A failed flush is logged
 * and retried once with the next batch; decisions that mutate (authorizeCall, consent changes)
 * write their audit row in their own transaction instead.
 */
export function createAuditWriter(db: Queryable, log: Logger, options: { intervalMs?: number; maxBatch?: number } = {}) {
  const intervalMs = options.intervalMs ?? 20;
  const maxBatch = options.maxBatch ?? 500;
  let pending: AuditRecord[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();
  let failures = 0;

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return flushing;
    flushing = flushing.then(() =>
      appendAudit(db, batch).catch((error: unknown) => {
        failures++;
        logError(log, error, 'audit flush failed', { rows: batch.length });
        if (failures <= 3) pending.unshift(...batch);
      }),
    );
    return flushing;
  };

  return {
    write(record: AuditRecord): void {
      pending.push({ ...record, at: record.at ?? new Date() });
      if (pending.length >= maxBatch) void flush();
      else timer ??= setTimeout(() => void flush(), intervalMs);
    },
    flush,
    get failures() {
      return failures;
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
