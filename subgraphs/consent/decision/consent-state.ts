import type { CallPurpose, CompliancePolicy } from '../policy/index.js';
import type { ConsentSummary, DenyCode, GrantEvent, LedgerEvent, RevocationEvent } from './types.js';

export interface ConsentView {
  summary: ConsentSummary;
  /** The grant the call may rely on; null when none is sufficient. */
  sufficient: GrantEvent | null;
  /** Consent deny codes when no grant is sufficient (empty when one is). */
  reasons: DenyCode[];
  /** Still-active grants naming the seller (revoked ones excluded). */
  active: GrantEvent[];
  lastRevocation: RevocationEvent | null;
}

/**
 * Ledger order: occurrence time first, so a backdated event lands where it happened; at the same
 * instant a revocation sorts after a grant (the safer reading wins ties); then ingest sequence.
 */
export function ledgerOrder(a: LedgerEvent, b: LedgerEvent): number {
  const t = a.occurredAt.getTime() - b.occurredAt.getTime();
  if (t !== 0) return t;
  if (a.kind !== b.kind) return a.kind === 'GRANT' ? -1 : 1;
  return a.seq - b.seq;
}

/** A revocation applies to `seller` when it covers all sellers, names it, or the seller is unknown. */
function revokes(event: RevocationEvent, seller: string | null): boolean {
  return event.scope === 'ALL_SELLERS' || seller === null || event.seller === seller;
}

/** Checks one grant against what a call of `purpose` needs (A2, A4); returns the codes it fails. */
export function grantShortfalls(
  grant: GrantEvent,
  purpose: CallPurpose,
  e164: string,
  policy: CompliancePolicy,
): DenyCode[] {
  const out = new Set<DenyCode>();
  // An AI voice is an artificial voice (A1): consent must cover voice calls with one.
  if (!grant.channels.includes('VOICE') || !grant.coversArtificialVoice) out.add('CONSENT_INSUFFICIENT');
  if (!grant.purposes.includes(purpose)) out.add('CONSENT_INSUFFICIENT');
  if (policy.purposes.writtenConsent.includes(purpose)) {
    if (grant.consentType !== 'WRITTEN') out.add('CONSENT_INSUFFICIENT');
    if (grant.disclosure.notConditionOfPurchase !== true) out.add('CONSENT_INSUFFICIENT');
  }
  if (grant.consentType === 'WRITTEN' && !evidenceComplete(grant, policy)) out.add('CONSENT_EVIDENCE_INCOMPLETE');
  const named = grant.evidence.numberOnForm;
  if (named && named !== e164) out.add('CONSENT_NUMBER_MISMATCH');
  return [...out];
}

export function evidenceComplete(grant: GrantEvent, policy: CompliancePolicy): boolean {
  const has = (key: string): boolean => {
    if (key === 'disclosureVersion') return !!grant.disclosure.version;
    if (key === 'disclosureHash') return !!grant.disclosure.hash;
    return !!grant.evidence[key];
  };
  return policy.writtenEvidence.required.every(has) && policy.writtenEvidence.anyOf.every((group) => group.some(has));
}

/**
 * Derives consent for (number, seller, purpose) from the append-only ledger. The state is a fold
 * over events in occurrence order: a revocation clears every earlier grant for the seller (B3:
 * whole seller, every purpose); a later grant (re-consent) starts again. A backdated grant sorts
 * before a later revocation and so never resurrects consent.
 */
export function deriveConsent(
  ledger: LedgerEvent[],
  seller: string | null,
  purpose: CallPurpose,
  e164: string,
  policy: CompliancePolicy,
): ConsentView {
  const events = [...ledger].sort(ledgerOrder);
  let active: GrantEvent[] = [];
  let others: GrantEvent[] = [];
  let lastRevocation: RevocationEvent | null = null;
  for (const event of events) {
    if (event.kind === 'GRANT') {
      if (seller !== null && event.sellers.includes(seller)) active.push(event);
      else others.push(event);
    } else {
      if (revokes(event, seller)) {
        active = [];
        lastRevocation = event;
      }
      if (event.scope === 'ALL_SELLERS') others = [];
      else
        others = others.filter(
          (g) => !(event.seller !== null && g.sellers.includes(event.seller) && g.sellers.length === 1),
        );
    }
  }
  let sufficient: GrantEvent | null = null;
  let best: { grant: GrantEvent; shortfalls: DenyCode[] } | null = null;
  for (const grant of active) {
    const shortfalls = grantShortfalls(grant, purpose, e164, policy);
    if (shortfalls.length === 0) sufficient = grant; // the latest sufficient grant wins
    if (!best || shortfalls.length <= best.shortfalls.length) best = { grant, shortfalls };
  }
  let reasons: DenyCode[] = [];
  if (!sufficient) {
    if (best) reasons = best.shortfalls;
    else if (lastRevocation) reasons = ['CONSENT_REVOKED'];
    else if (others.length > 0) reasons = ['CONSENT_SELLER_MISMATCH'];
    else reasons = ['NO_CONSENT'];
  }
  const latestActive = active[active.length - 1] ?? null;
  const status: ConsentSummary['status'] = active.length > 0 ? 'GRANTED' : lastRevocation ? 'REVOKED' : 'NONE';
  const lastSeq = ledger.reduce<number | null>((m, e) => (m === null || e.seq > m ? e.seq : m), null);
  return {
    summary: {
      status,
      grantSeq: sufficient?.seq ?? null,
      grantedAt: (sufficient ?? latestActive)?.occurredAt ?? null,
      revokedAt: lastRevocation?.occurredAt ?? null,
      consentType: (sufficient ?? latestActive)?.consentType ?? null,
      lastSeq,
    },
    sufficient,
    reasons,
    active,
    lastRevocation,
  };
}
