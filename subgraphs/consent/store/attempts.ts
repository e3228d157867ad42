import type { Queryable } from '../../../shared/db.js';
import type { AttemptFact } from '../decision/types.js';
import type { CallPurpose } from '../policy/index.js';
import { AttemptRow } from './rows.js';

/**
 * Call attempts per number, seller and subject: what the rolling caps count (in UTC). A row is
 * written only by an allowed authorizeCall, inside the transaction that holds the number's lock.
 */

/** Serializes reservations per number across every replica (PostgreSQL advisory lock). */
export async function lockNumber(tx: Queryable, e164: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('dialplane:attempts:' || $1))", [e164]);
}

export async function attemptsSince(db: Queryable, e164: string, since: Date): Promise<AttemptFact[]> {
  const result = await db.query(
    'SELECT seller, purpose, subject, attempted_at FROM call_attempts WHERE e164 = $1 AND attempted_at > $2',
    [e164, since],
  );
  return result.rows.map((raw) => {
    const r = AttemptRow.parse(raw);
    return { at: r.attempted_at, seller: r.seller, purpose: r.purpose, subject: r.subject };
  });
}

export interface AttemptRecord {
  decisionId: string;
  e164: string;
  seller: string;
  purpose: CallPurpose;
  subject: string;
  attemptedAt: Date;
}

export async function insertAttempt(tx: Queryable, a: AttemptRecord): Promise<number> {
  const result = await tx.query<{ id: number }>(
    'INSERT INTO call_attempts (decision_id, e164, seller, purpose, subject, attempted_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [a.decisionId, a.e164, a.seller, a.purpose, a.subject, a.attemptedAt],
  );
  return Number(result.rows[0]!.id);
}
