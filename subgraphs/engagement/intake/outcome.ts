import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DAY_MS, instantString, multilineText, text } from '../../../shared/input.js';
import { mentionsOptOut } from '../../../shared/opt-out-phrases.js';
import { toE164 } from '../../../shared/phone.js';
import { parseGlobalId } from '../../../shared/crm/connector.js';
import { DISPOSITIONS, INTENT_STAGES, NEXT_ACTIONS, type OutcomeToWrite } from '../../../shared/crm/writer.js';
import { CRM_NAMES, type CrmName } from '../../../crm/registry.js';

/**
 * The canonical call outcome: what the agent (GraphQL) or the voice platform (webhook) reports
 * when a call ends. One zod schema validates both entry points, so they accept exactly the same
 * payload.
 */

/** A call's end may be stamped by a platform clock slightly ahead of ours. */
export const OCCURRED_AT_SKEW_MS = 5 * 60_000;
/** How far ahead a next action may be scheduled. */
export const NEXT_ACTION_HORIZON_MS = 366 * DAY_MS;
const serverNow = () => new Date();

/** `<crm>:<record id>` (`salesforce:<Id>`, `hubspot:<id>`) of a registered CRM -> the CRM and its record id. */
export const globalContactId = text(100).transform((value, ctx) => {
  const parsed = parseGlobalId(value, CRM_NAMES);
  if (!parsed || !/^[A-Za-z0-9]{1,40}$/.test(parsed.sourceId)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a global contact id (${CRM_NAMES.map((name) => `${name}:<id>`).join(' or ')})`,
    });
    return z.NEVER;
  }
  return { id: value, crm: parsed.source as CrmName, crmId: parsed.sourceId };
});

const e164 = text(64).transform((value, ctx) => {
  const normalized = toE164(value);
  if (!normalized) {
    ctx.addIssue({ code: 'custom', message: 'not a usable phone number' });
    return z.NEVER;
  }
  return normalized;
});

export const callOutcomeInput = z
  .object({
    contactId: globalContactId,
    callId: text(200, 1),
    decisionId: text(200, 1),
    idempotencyKey: z
      .string()
      .trim()
      .min(8)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    disposition: z.enum(DISPOSITIONS),
    summary: multilineText(32_000).nullish(),
    intentStage: z.enum(INTENT_STAGES).nullish(),
    nextAction: z.enum(NEXT_ACTIONS).nullish(),
    nextActionAt: instantString(serverNow, NEXT_ACTION_HORIZON_MS).nullish(),
    durationSeconds: z.number().int().min(0).max(86_400).nullish(),
    occurredAt: instantString(serverNow, OCCURRED_AT_SKEW_MS),
    optOutDetected: z.boolean().nullish(),
    /** The number dialed (any format, read as US when national); required for an opt-out. */
    phone: e164.nullish(),
    /** Scanned for an opt-out request, never stored or logged. */
    transcript: multilineText(200_000).nullish(),
    /**
     * The seller the call was made for (seller isolation, docs/access.md). GraphQL: defaults to
     * the caller's seller and must be within its scope; webhook: as the voice platform reports it.
     */
    seller: text(200, 1).nullish(),
  })
  .superRefine((input, ctx) => {
    if (isOptOut(input) && !input.phone) {
      ctx.addIssue({
        code: 'custom',
        path: ['phone'],
        message: 'is required when the outcome is an opt-out (the number to revoke)',
      });
    }
  });
export type CallOutcomeInput = z.infer<typeof callOutcomeInput>;

/** An opt-out by disposition, by the platform's own flag, by next action, or in the transcript. */
export function isOptOut(
  input: Pick<CallOutcomeInput, 'disposition' | 'optOutDetected' | 'nextAction' | 'transcript'>,
): boolean {
  if (input.disposition === 'OPTED_OUT' || input.optOutDetected === true || input.nextAction === 'DO_NOT_CONTACT')
    return true;
  return mentionsOptOut(input.transcript);
}

/** What the store keeps (no transcript): what a CRM writer reads, plus where it came from. */
export interface StoredOutcome extends OutcomeToWrite {
  contactId: string;
  crm: CrmName;
  channel: 'graphql' | 'webhook';
  acceptedAt: string;
  /** The seller the call was made for (null or absent: unknown, visible to every seller). */
  seller?: string | null;
}

/**
 * Fingerprint of everything that would be written, so a retried request with the same key and
 * the same content is a duplicate, while the same key with different content is a conflict.
 */
export function payloadHash(input: CallOutcomeInput): string {
  const { transcript: _t, contactId, ...rest } = input;
  const flat: Record<string, unknown> = { ...rest, contactId: contactId.id };
  const canonical = Object.keys(flat)
    .sort()
    .map((k) => [k, flat[k] ?? null]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
