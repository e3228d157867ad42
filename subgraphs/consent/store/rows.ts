import { z } from 'zod';
import { CallPurpose } from '../policy/index.js';
import {
  CONSENT_CHANNELS,
  CONSENT_TYPES,
  REVOCATION_CHANNELS,
  REVOCATION_SCOPES,
  type LedgerEvent,
} from '../decision/types.js';

/**
 * Row shapes as the database returns them, parsed with zod: the store is a boundary too, and a
 * row that does not parse is a read failure (the decision then fails closed), never a guess.
 * Timestamps arrive as Date from a plain SELECT and as ISO strings inside json_agg.
 */
export const instant = z.union([z.date(), z.string()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'invalid timestamp' });
    return z.NEVER;
  }
  return d;
});
const seq = z.union([z.number(), z.string()]).transform(Number);

export const LedgerRow = z.object({
  seq,
  event_id: z.string(),
  e164: z.string(),
  kind: z.enum(['GRANT', 'REVOCATION']),
  occurred_at: instant,
  recorded_at: instant,
  source: z.string(),
  actor: z.string().nullable(),
  consent_type: z.enum(CONSENT_TYPES).nullable(),
  purposes: z.array(CallPurpose).nullable(),
  sellers: z.array(z.string()).nullable(),
  channels: z.array(z.enum(CONSENT_CHANNELS)).nullable(),
  covers_artificial_voice: z.boolean().nullable(),
  disclosure: z.record(z.string(), z.unknown()).nullable(),
  evidence: z.record(z.string(), z.unknown()).nullable(),
  revocation_channel: z.enum(REVOCATION_CHANNELS).nullable(),
  scope: z.enum(REVOCATION_SCOPES).nullable(),
  seller: z.string().nullable(),
});
export type LedgerRow = z.infer<typeof LedgerRow>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function toLedgerEvent(row: LedgerRow): LedgerEvent {
  if (row.kind === 'GRANT') {
    const d = row.disclosure ?? {};
    return {
      kind: 'GRANT',
      seq: row.seq,
      occurredAt: row.occurred_at,
      consentType: row.consent_type!,
      purposes: row.purposes ?? [],
      sellers: row.sellers ?? [],
      channels: row.channels ?? [],
      coversArtificialVoice: row.covers_artificial_voice === true,
      disclosure: {
        version: str(d.version),
        hash: str(d.hash),
        notConditionOfPurchase: d.notConditionOfPurchase === true,
      },
      evidence: Object.fromEntries(Object.entries(row.evidence ?? {}).map(([k, v]) => [k, str(v)])),
    };
  }
  return {
    kind: 'REVOCATION',
    seq: row.seq,
    occurredAt: row.occurred_at,
    channel: row.revocation_channel!,
    scope: row.scope!,
    seller: row.seller,
  };
}

export const InternalDncRow = z.object({
  scope: z.enum(['ALL', 'SELLER', 'HEALTHCARE_VOICE']),
  seller: z.string().nullable(),
  added_at: instant,
});
export const SyncRow = z.object({ list: z.string(), area_code: z.string(), downloaded_at: instant });
export const RelationshipRow = z.object({
  seller: z.string(),
  kind: z.enum(['PURCHASE', 'INQUIRY']),
  occurred_at: instant,
});
export const ReassignedRow = z.object({
  result: z.enum(['YES', 'NO', 'NO_DATA']),
  consent_date: instant,
  checked_at: instant,
  version: z.string(),
});
export const AttemptRow = z.object({
  seller: z.string(),
  purpose: CallPurpose,
  subject: z.string(),
  attempted_at: instant,
});
