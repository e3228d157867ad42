import type { Database, Queryable } from '../../../shared/db.js';
import type { CallPurpose } from '../policy/index.js';
import type {
  ConsentChannel,
  ConsentType,
  LedgerEvent,
  RevocationChannel,
  RevocationScope,
} from '../decision/types.js';
import { LedgerRow, toLedgerEvent } from './rows.js';

/**
 * The consent ledger: an append-only event log per E.164 number (grants and revocations). Rows are
 * never updated or deleted (a trigger refuses it); state is derived by occurrence time in
 * decision/consent-state.ts. `seq` is the ingest order and the subscription cursor.
 */

export interface GrantRecord {
  eventId: string;
  e164: string;
  occurredAt: Date;
  source: string;
  actor: string;
  consentType: ConsentType;
  purposes: CallPurpose[];
  sellers: string[];
  channels: ConsentChannel[];
  coversArtificialVoice: boolean;
  disclosure: {
    version?: string | null;
    hash?: string | null;
    notConditionOfPurchase?: boolean | null;
    text?: string | null;
  };
  evidence: Record<string, string | null | undefined>;
}

export interface RevocationRecord {
  eventId: string;
  e164: string;
  occurredAt: Date;
  source: string;
  actor: string;
  channel: RevocationChannel;
  scope: RevocationScope;
  seller: string | null;
}

export interface Appended {
  seq: number;
  eventId: string;
  recordedAt: Date;
  /** False when the event id was already in the ledger (idempotent retry or another replica). */
  inserted: boolean;
}

/**
 * Appends serialize on one advisory lock so that `seq` order equals commit order: a subscriber
 * resuming from cursor N can never miss an event with a smaller seq that committed later.
 */
const APPEND_LOCK = "SELECT pg_advisory_xact_lock(hashtext('dialplane:consent_ledger:append'))";

async function append(tx: Queryable, columns: Record<string, unknown>): Promise<Appended> {
  await tx.query(APPEND_LOCK);
  const names = Object.keys(columns);
  const values = Object.values(columns);
  const placeholders = names.map((_, i) => `$${i + 1}`);
  const inserted = await tx.query<{ seq: number; recorded_at: Date }>(
    `INSERT INTO consent_ledger (${names.join(', ')}) VALUES (${placeholders.join(', ')})
     ON CONFLICT (event_id) DO NOTHING RETURNING seq, recorded_at`,
    values,
  );
  const eventId = String(columns.event_id);
  if (inserted.rows[0])
    return { seq: Number(inserted.rows[0].seq), eventId, recordedAt: inserted.rows[0].recorded_at, inserted: true };
  const existing = await tx.query<{ seq: number; recorded_at: Date }>(
    'SELECT seq, recorded_at FROM consent_ledger WHERE event_id = $1',
    [eventId],
  );
  return { seq: Number(existing.rows[0]!.seq), eventId, recordedAt: existing.rows[0]!.recorded_at, inserted: false };
}

export function appendGrant(tx: Queryable, g: GrantRecord): Promise<Appended> {
  return append(tx, {
    event_id: g.eventId,
    e164: g.e164,
    kind: 'GRANT',
    occurred_at: g.occurredAt,
    source: g.source,
    actor: g.actor,
    consent_type: g.consentType,
    purposes: g.purposes,
    sellers: g.sellers,
    channels: g.channels,
    covers_artificial_voice: g.coversArtificialVoice,
    disclosure: JSON.stringify(g.disclosure),
    evidence: JSON.stringify(g.evidence),
  });
}

export function appendRevocation(tx: Queryable, r: RevocationRecord): Promise<Appended> {
  return append(tx, {
    event_id: r.eventId,
    e164: r.e164,
    kind: 'REVOCATION',
    occurred_at: r.occurredAt,
    source: r.source,
    actor: r.actor,
    revocation_channel: r.channel,
    scope: r.scope,
    seller: r.seller,
  });
}

export async function ledgerFor(db: Queryable, e164: string): Promise<LedgerEvent[]> {
  const result = await db.query('SELECT * FROM consent_ledger WHERE e164 = $1 ORDER BY seq', [e164]);
  return result.rows.map((r) => toLedgerEvent(LedgerRow.parse(r)));
}

export interface RevocationEntry {
  seq: number;
  eventId: string;
  e164: string;
  occurredAt: Date;
  channel: RevocationChannel;
  scope: RevocationScope;
  seller: string | null;
  source: string;
}

/** Revocations after `cursor` in seq order (optionally for some numbers): the replay behind the subscription. */
/**
 * Revocations after `cursor`, oldest first. `sellers` (seller scope): only revocations for those
 * sellers plus the all-seller ones; null = every revocation.
 */
export async function revocationsAfter(
  db: Queryable,
  cursor: number,
  phones: string[] | null,
  limit = 1000,
  sellers: string[] | null = null,
): Promise<RevocationEntry[]> {
  const result = await db.query(
    `SELECT * FROM consent_ledger WHERE kind = 'REVOCATION' AND seq > $1 AND ($2::text[] IS NULL OR e164 = ANY($2::text[]))
       AND ($4::text[] IS NULL OR seller IS NULL OR seller = ANY($4::text[]))
     ORDER BY seq LIMIT $3`,
    [cursor, phones, limit, sellers],
  );
  return result.rows.map((raw) => {
    const r = LedgerRow.parse(raw);
    return {
      seq: r.seq,
      eventId: r.event_id,
      e164: r.e164,
      occurredAt: r.occurred_at,
      channel: r.revocation_channel!,
      scope: r.scope!,
      seller: r.seller,
      source: r.source,
    };
  });
}

export type { Database };
