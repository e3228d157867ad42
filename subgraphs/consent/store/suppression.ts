import type { Queryable } from '../../../shared/db.js';
import type { CompliancePolicy } from '../policy/index.js';
import type { InternalDncEntry } from '../decision/types.js';

/**
 * Suppression data: the company's own do-not-call list (append-only, kept at least the policy's
 * retention), established-business-relationship dates, and reads of the registry mirror that
 * scripts/dnc-import.ts fills (see store/dnc-registry.ts).
 */

export interface InternalDncRecord {
  eventId: string | null;
  e164: string;
  scope: InternalDncEntry['scope'];
  seller: string | null;
  source: string;
  actor: string;
  addedAt: Date;
}

export async function addInternalDnc(
  tx: Queryable,
  r: InternalDncRecord,
  policy: CompliancePolicy,
): Promise<{ id: number; inserted: boolean }> {
  const retainUntil = new Date(r.addedAt);
  retainUntil.setUTCFullYear(retainUntil.getUTCFullYear() + policy.retention.internalDncYears);
  const result = await tx.query<{ id: number }>(
    `INSERT INTO internal_dnc (event_id, e164, scope, seller, source, actor, added_at, retain_until)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING RETURNING id`,
    [r.eventId, r.e164, r.scope, r.seller, r.source, r.actor, r.addedAt, retainUntil],
  );
  if (result.rows[0]) return { id: Number(result.rows[0].id), inserted: true };
  const existing = await tx.query<{ id: number }>('SELECT id FROM internal_dnc WHERE event_id = $1', [r.eventId]);
  return { id: Number(existing.rows[0]!.id), inserted: false };
}

export interface RelationshipRecord {
  e164: string;
  seller: string;
  kind: 'PURCHASE' | 'INQUIRY';
  occurredAt: Date;
  source: string;
}

export async function addRelationship(db: Queryable, r: RelationshipRecord): Promise<void> {
  await db.query(
    'INSERT INTO ebr_relationships (e164, seller, kind, occurred_at, source) VALUES ($1, $2, $3, $4, $5)',
    [r.e164, r.seller, r.kind, r.occurredAt, r.source],
  );
}
