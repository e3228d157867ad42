import { z } from 'zod';

/**
 * The GraphQL operations the platforms service sends to the gateway, and zod shapes of their
 * answers (the gateway is another service: its answers are input like any other).
 */

const PERMISSION_FIELDS = 'allowed reasons decisionId nextAllowedAt obligations { code detail }';

/** The seller is the token's (the service identity acts for exactly one seller). */
export const PERMISSION_QUERY = `query PlatformsCallPermission($phone: String!, $purpose: CallPurpose!) {
  callPermission(phone: $phone, purpose: $purpose) { ${PERMISSION_FIELDS} }
}`;

export const CONTACT_QUERY = `query PlatformsCallContext($phone: String!, $purpose: CallPurpose!) {
  contactsByPhone(phone: $phone) {
    id
    source
    name { full }
    intentStage
    freshness { stale }
    lastInteraction { at summary disposition callDisposition }
    callPermission(purpose: $purpose) { ${PERMISSION_FIELDS} }
  }
}`;

export const REVOKE_MUTATION = `mutation PlatformsOptOut($input: RevokeConsentInput!) {
  revokeConsent(input: $input) { eventId created }
}`;

export const RECORD_OUTCOME_MUTATION = `mutation PlatformsRecordOutcome($input: CallOutcomeInput!) {
  recordCallOutcome(input: $input) { id status duplicate }
}`;

export const permissionShape = z.object({
  allowed: z.boolean(),
  reasons: z.array(z.string()),
  decisionId: z.string().min(1),
  nextAllowedAt: z.string().nullable().optional(),
  obligations: z.array(z.object({ code: z.string(), detail: z.string() })).default([]),
});
export type PermissionShape = z.infer<typeof permissionShape>;

export const contactShape = z.object({
  id: z.string(),
  source: z.string(),
  name: z.object({ full: z.string().nullable().optional() }).nullable().optional(),
  intentStage: z.string().nullable().optional(),
  freshness: z.object({ stale: z.boolean() }).nullable().optional(),
  lastInteraction: z
    .object({
      at: z.string().nullable().optional(),
      summary: z.string().nullable().optional(),
      disposition: z.string().nullable().optional(),
      callDisposition: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
  callPermission: permissionShape.nullable().optional(),
});
export type ContactShape = z.infer<typeof contactShape>;

export const permissionAnswer = z.object({ callPermission: permissionShape });
export const contactAnswer = z.object({ contactsByPhone: z.array(contactShape.nullable()) });
export const revokeAnswer = z.object({ revokeConsent: z.object({ eventId: z.string(), created: z.boolean() }) });
export const receiptAnswer = z.object({ recordCallOutcome: z.object({ id: z.string(), status: z.string(), duplicate: z.boolean() }) });
