import type { CallPurpose } from './config.js';
import type { ContactShape, PermissionShape } from './gateway-operations.js';
import type { CallContext, Permission } from './types.js';

/**
 * The call-start answer from what the gateway said (or failed to say) within the budget. Pure:
 * the rules, documented in docs/platforms.md, are
 * - the contact's own permission (it includes the CRM's do-not-call flag) when a contact matched;
 * - the number's permission (ledger, DNC lists, hours) when every CRM answered and none matched;
 * - when the CRMs did not answer, the CRM's do-not-call flag cannot be read: the call is denied
 *   (COMPLIANCE_DATA_UNAVAILABLE, plus whatever the number's own decision denied) and the context
 *   is marked unavailable: fail closed for permission, degrade for context;
 * - when no decision came back at all, the call is denied with COMPLIANCE_DATA_UNAVAILABLE.
 */

export type ContactLookup = { kind: 'answered'; contacts: ContactShape[]; partial: boolean } | { kind: 'failed' };

export type PermissionLookup = { kind: 'answered'; permission: PermissionShape } | { kind: 'failed' };

export const UNAVAILABLE = 'COMPLIANCE_DATA_UNAVAILABLE';

export function invalidNumberContext(purpose: CallPurpose): CallContext {
  return {
    contactStatus: 'unknown',
    stale: false,
    contact: null,
    permission: { allowed: false, reasons: ['INVALID_NUMBER'], decisionId: null, obligations: [], nextAllowedAt: null },
    purpose,
    phone: null,
  };
}

export function combineCallContext(
  phone: string,
  purpose: CallPurpose,
  lookup: ContactLookup,
  numberPermission: PermissionLookup,
): CallContext {
  const fromNumber = numberPermission.kind === 'answered' ? toPermission(numberPermission.permission) : null;
  if (lookup.kind === 'answered') {
    const contact = lookup.contacts.find((c): c is ContactShape => c !== null);
    if (contact) {
      const own = contact.callPermission ? toPermission(contact.callPermission) : null;
      return {
        contactStatus: 'known',
        stale: lookup.partial || contact.freshness?.stale === true,
        contact: {
          id: contact.id,
          name: contact.name?.full ?? null,
          source: contact.source,
          intentStage: contact.intentStage ?? null,
          lastInteraction: contact.lastInteraction
            ? {
                at: contact.lastInteraction.at ?? null,
                summary: contact.lastInteraction.summary ?? null,
                disposition: contact.lastInteraction.callDisposition ?? contact.lastInteraction.disposition ?? null,
              }
            : null,
        },
        permission: own ?? denyUnavailable(fromNumber),
        purpose,
        phone,
      };
    }
    if (!lookup.partial) {
      return {
        contactStatus: 'unknown',
        stale: false,
        contact: null,
        permission: fromNumber ?? denyUnavailable(null),
        purpose,
        phone,
      };
    }
  }
  // No CRM answer (or some CRMs failed and none matched): nobody can say the CRM has no flag.
  return {
    contactStatus: 'unavailable',
    stale: true,
    contact: null,
    permission: denyUnavailable(fromNumber),
    purpose,
    phone,
  };
}

function toPermission(p: PermissionShape): Permission {
  return {
    allowed: p.allowed,
    reasons: p.reasons,
    decisionId: p.decisionId,
    obligations: p.obligations,
    nextAllowedAt: p.nextAllowedAt ?? null,
  };
}

/** Denied for lack of data, keeping the number's own reasons and decision id when there is one. */
function denyUnavailable(base: Permission | null): Permission {
  const reasons = [...new Set([...(base?.reasons ?? []), UNAVAILABLE])];
  return { allowed: false, reasons, decisionId: base?.decisionId ?? null, obligations: [], nextAllowedAt: null };
}
