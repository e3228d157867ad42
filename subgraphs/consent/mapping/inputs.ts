import { z } from 'zod';
import { DAY_MS, instant, text } from '../../../shared/input.js';
import { toE164 } from '../../../shared/phone.js';
import { CallPurpose, type CompliancePolicy } from '../policy/index.js';
import { CONSENT_CHANNELS, CONSENT_TYPES, REVOCATION_CHANNELS, REVOCATION_SCOPES } from '../decision/types.js';

/**
 * zod schemas for every argument the API takes: each failure becomes BAD_USER_INPUT naming the
 * field (`input.evidence.ipAddress`), and nothing is stored. Phones become E.164 here.
 */

/** Clock skew tolerated for `occurredAt` ("not in the future"). */
export const FUTURE_SKEW_MS = 30_000;
/** How far ahead of the server clock a scheduler's what-if `at` may ask (callPermission). */
export const WHAT_IF_HORIZON_MS = 30 * DAY_MS;
/** authorizeCall decides for now: a given `at` must be within this of the server clock. */
export const AUTHORIZE_AT_TOLERANCE_MS = 5_000;
/** Sellers one consent record may name. */
export const MAX_CONSENT_SELLERS = 100;

export const phone = text(64).transform((raw, ctx) => {
  const e164 = toE164(raw);
  if (!e164) {
    ctx.addIssue({ code: 'custom', message: 'not a valid phone number' });
    return z.NEVER;
  }
  return e164;
});

export const dateTime = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

/** A past instant (consent given, request made): 2000-01-01 .. now (+ skew). */
const pastInstant = (now: () => Date) => instant(now, FUTURE_SKEW_MS);

const name = text(200, 1);
const optText = text(2000).nullish();
const key = text(200, 1);

export function consentInputs(policy: CompliancePolicy, now: () => Date) {
  const evidence = z.object({
    source: name,
    signatureMethod: optText,
    ipAddress: z.union([z.ipv4(), z.ipv6()]).nullish(),
    userAgent: optText,
    recordingRef: optText,
    formRef: optText,
    leadVendor: optText,
    certificateId: optText,
    numberOnForm: phone.nullish(),
    name: optText,
  });

  const recordConsent = z
    .object({
      phone,
      consentType: z.enum(CONSENT_TYPES),
      purposes: z.array(CallPurpose).min(1).max(CallPurpose.options.length),
      sellers: z.array(name).min(1).max(MAX_CONSENT_SELLERS),
      channels: z
        .array(z.enum(CONSENT_CHANNELS))
        .min(1)
        .max(CONSENT_CHANNELS.length)
        .nullish()
        .transform((v) => v ?? ['VOICE' as const]),
      coversArtificialVoice: z.boolean(),
      disclosure: z
        .object({ version: optText, hash: optText, notConditionOfPurchase: z.boolean().nullish() })
        .nullish()
        .transform((v) => v ?? {}),
      evidence,
      occurredAt: pastInstant(now),
      idempotencyKey: key.nullish(),
    })
    .superRefine((input, ctx) => {
      // A4: written consent must carry its proof; refuse it rather than store what cannot be proven.
      if (input.consentType !== 'WRITTEN') return;
      const has = (key: string): boolean => {
        if (key === 'disclosureVersion') return !!input.disclosure.version;
        if (key === 'disclosureHash') return !!input.disclosure.hash;
        return !!(input.evidence as Record<string, unknown>)[key];
      };
      const path = (key: string) =>
        key === 'disclosureVersion'
          ? ['disclosure', 'version']
          : key === 'disclosureHash'
            ? ['disclosure', 'hash']
            : ['evidence', key];
      for (const key of policy.writtenEvidence.required) {
        if (!has(key)) ctx.addIssue({ code: 'custom', path: path(key), message: 'required for WRITTEN consent' });
      }
      for (const group of policy.writtenEvidence.anyOf) {
        if (!group.some(has))
          ctx.addIssue({
            code: 'custom',
            path: path(group[0]!),
            message: `WRITTEN consent needs one of ${group.join(', ')}`,
          });
      }
    });

  const revokeConsent = z.object({
    phone,
    channel: z.enum(REVOCATION_CHANNELS),
    scope: z.enum(REVOCATION_SCOPES).nullish(),
    seller: name.nullish(),
    source: name,
    occurredAt: pastInstant(now),
    idempotencyKey: key.nullish(),
    // Lenient: an opt-out must never be refused over a malformed reference; only a UUID is looked up.
    decisionId: text(200).nullish(),
  });

  const addInternalDnc = z.object({
    phone,
    // Unset: the caller's own seller (SELLER), or ALL for a caller acting for every seller (resolver).
    scope: z.enum(['ALL', 'SELLER', 'HEALTHCARE_VOICE']).nullish(),
    seller: name.nullish(),
    source: name,
    occurredAt: pastInstant(now).nullish(),
    idempotencyKey: key.nullish(),
  });

  const recordRelationship = z.object({
    phone,
    seller: name,
    kind: z.enum(['PURCHASE', 'INQUIRY']),
    occurredAt: pastInstant(now),
    source: name,
  });

  // The decision accepts any string as the phone: an unreadable one is a deny (INVALID_NUMBER), not an error.
  const decisionArgs = z.object({
    phone: text(64),
    purpose: CallPurpose,
    seller: name.nullish(),
    // A scheduler's what-if (the answer says `hypothetical`); never reserves.
    at: instant(now, WHAT_IF_HORIZON_MS).nullish(),
  });

  const authorizeCall = decisionArgs.extend({
    // The server clock decides and reserves; a stated `at` is only accepted when it is now.
    at: dateTime
      .refine((d) => Math.abs(d.getTime() - now().getTime()) <= AUTHORIZE_AT_TOLERANCE_MS, {
        message: `authorizeCall decides for the server's now: omit it, or use callPermission(at:) to ask about another instant`,
      })
      .nullish(),
    subject: key.nullish(),
    timeZone: text(64).nullish(),
    location: z.object({ country: text(64).nullish(), state: text(64).nullish() }).nullish(),
    dealClosed: z.boolean().nullish(),
    phiFields: z.array(text(100)).max(100).nullish(),
  });

  const reassignedResult = z.object({
    phone,
    consentDate: pastInstant(now),
    result: z.enum(['YES', 'NO', 'NO_DATA']),
    checkedAt: pastInstant(now).nullish(),
    version: z.string().trim().min(1).max(200),
  });
  const recordReassignedResults = z.array(reassignedResult).min(1).max(1_000);
  const checkReassignedNumber = z.object({ phone, consentDate: pastInstant(now) });

  const phones = z.array(phone).max(10_000).nullish();
  const cursor = z
    .string()
    .regex(/^\d{1,18}$/, 'a cursor from a previous event')
    .transform(Number)
    .nullish();

  return {
    recordConsent,
    revokeConsent,
    addInternalDnc,
    recordRelationship,
    decisionArgs,
    authorizeCall,
    phones,
    cursor,
    recordReassignedResults,
    checkReassignedNumber,
  };
}
export type ConsentInputs = ReturnType<typeof consentInputs>;
