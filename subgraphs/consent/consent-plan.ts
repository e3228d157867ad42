import type { Identity } from '../../shared/identity.js';
import type { NormalizedPhone } from '../../shared/phone.js';
import { emptyEvidence } from './decision/evaluate.js';
import type { Decision, DecisionFacts, GrantEvent, ReassignedFacts } from './decision/types.js';
import type { CrmLocation } from './mapping/callee-geo.js';
import type { CallPurpose, CompliancePolicy } from './policy/index.js';
import type { AttemptRecord } from './store/attempts.js';
import { auditRecord, type AuditRecord } from './store/audit.js';
import type { Appended, GrantRecord, RevocationRecord } from './store/ledger.js';
import type { InternalDncRecord } from './store/suppression.js';

/**
 * The consent service's policy apart from its I/O: for each operation, what to read, what the
 * decision's facts start as, when the reassigned-number database must be asked, what to reserve,
 * which ledger event and which audit row to write. Pure functions of their arguments (ids and
 * clocks are passed in); consent-service.ts reads and writes what these say.
 * test/consent/consent-plan.test.ts pins them without a database.
 */

export interface DecideRequest {
  phone: string;
  purpose: CallPurpose;
  seller: string | null;
  at?: Date | null;
  subject?: string | null;
  location?: CrmLocation | null;
  statedZone?: string | null;
  deal?: { closed: boolean | null } | null;
  crmDoNotCall?: boolean;
  phiFields?: string[] | null;
  /** Sources that failed upstream (e.g. the CRM facts of Contact.callPermission). */
  unavailable?: string[];
}

export interface DecisionResult {
  decision: Decision;
  decisionId: string;
  e164: string | null;
  reservation: { attemptId: string; reservedAt: Date } | null;
  /** Decided for a client-chosen instant (a scheduler's what-if), not for now: never reserves. */
  hypothetical?: boolean;
}

const HOUR_MS = 3_600_000;

/** The longest window any cap counts over: attempts older than this never matter. */
export function longestCapMs(policy: CompliancePolicy): number {
  return (
    Math.max(
      ...policy.healthcare.caps.map((c) => c.windowHours),
      ...Object.values(policy.states).map((s) => s.cap?.windowHours ?? 0),
    ) * HOUR_MS
  );
}

/** The oldest attempt a decision for `at` (made at `evaluatedAt`) can count. */
export function attemptsWindowStart(at: Date, evaluatedAt: Date, capMs: number): Date {
  return new Date(Math.min(at.getTime(), evaluatedAt.getTime()) - capMs);
}

/**
 * A decision's facts before anything is read (every stored fact `null`: unknown, fails closed),
 * and what to read for it: nothing when the number is invalid or outside the supported countries
 * (the decision denies on the number alone).
 */
export function planFacts(
  req: DecideRequest,
  phone: NormalizedPhone | null,
  at: Date,
  evaluatedAt: Date,
  policy: CompliancePolicy,
  capMs: number,
): { facts: DecisionFacts; read: { e164: string; since: Date } | null } {
  const e164 = phone?.valid ? phone.e164 : null;
  const facts: DecisionFacts = {
    at,
    evaluatedAt,
    purpose: req.purpose,
    seller: req.seller,
    subject: req.subject ?? req.purpose,
    phone: { e164, country: phone?.country ?? null, valid: !!phone?.valid },
    geo: null,
    ledger: null,
    suppression: null,
    reassigned: null,
    attempts: null,
    deal: req.deal,
    crmDoNotCall: req.crmDoNotCall,
    phiFields: req.phiFields ?? undefined,
    unavailable: req.unavailable,
  };
  const supported = !!e164 && !!phone?.country && policy.supportedCountries.includes(phone.country);
  return { facts, read: supported ? { e164, since: attemptsWindowStart(at, evaluatedAt, capMs) } : null };
}

/**
 * E1 needs the date of the consent the call relies on, which only a first decision knows. After
 * it: `final` (no consent relied on, or the stored answer fits that date and is fresh), `kept` (an
 * answer already read for this number and consent date fits), or `ask` the checker.
 */
export type ReassignedStep =
  | { step: 'final' }
  | { step: 'kept'; answer: ReassignedFacts }
  | { step: 'ask'; e164: string; consentDate: Date };

export function reassignedStep(
  facts: DecisionFacts,
  first: Decision,
  policy: CompliancePolicy,
  kept: readonly ReassignedFacts[] = [],
): ReassignedStep {
  const seq = first.evidence.grantSeq;
  if (seq === null || !facts.ledger || !facts.phone.e164) return { step: 'final' };
  const grant = facts.ledger.find((e): e is GrantEvent => e.kind === 'GRANT' && e.seq === seq);
  if (!grant) return { step: 'final' };
  const isFresh = (r: ReassignedFacts | null | undefined): r is ReassignedFacts =>
    !!r &&
    r.consentDate.getTime() === grant.occurredAt.getTime() &&
    facts.evaluatedAt.getTime() - r.checkedAt.getTime() <= policy.reassigned.maxAgeDays * 24 * HOUR_MS;
  if (isFresh(facts.reassigned)) return { step: 'final' };
  const answer = kept.find(isFresh);
  return answer ? { step: 'kept', answer } : { step: 'ask', e164: facts.phone.e164, consentDate: grant.occurredAt };
}

/** The fail-closed answer when the facts (or the audit log) cannot be had. */
export function unavailableDecision(policy: CompliancePolicy, evaluatedAt: Date): Decision {
  return {
    allowed: false,
    reasons: ['COMPLIANCE_DATA_UNAVAILABLE'],
    obligations: [],
    nextAllowedAt: null,
    evaluatedAt,
    policyVersion: policy.version,
    consent: null,
    evidence: emptyEvidence(),
  };
}

/** authorizeCall: the attempt an allowed decision reserves (server time); none for a denial. */
export function reservationFor(
  decision: Decision,
  req: DecideRequest,
  identity: Identity,
  ids: { decisionId: string; e164: string },
  at: Date,
): AttemptRecord | null {
  if (!decision.allowed) return null;
  return {
    decisionId: ids.decisionId,
    e164: ids.e164,
    seller: req.seller ?? identity.sub,
    purpose: req.purpose,
    subject: req.subject ?? req.purpose,
    attemptedAt: at,
  };
}

/** What revokeConsent is given: the scope and seller are optional (the decision id may name the seller). */
export type RevocationRequest = Omit<RevocationRecord, 'actor' | 'scope' | 'seller'> & {
  scope?: RevocationRecord['scope'] | null;
  seller?: string | null;
  decisionId?: string | null;
};

/**
 * revokeConsent's ledger event. B3: a known seller revokes for that seller, an unknown one for
 * every seller (never narrower than we can prove).
 */
export function revocationRecord(r: RevocationRequest, seller: string | null, identity: Identity): RevocationRecord {
  const scope = r.scope ?? (seller ? 'SELLER' : 'ALL_SELLERS');
  const record: RevocationRecord = { ...r, actor: identity.sub, scope, seller: scope === 'SELLER' ? seller : null };
  if (scope === 'SELLER' && !seller) record.scope = 'ALL_SELLERS';
  return record;
}

/** B3: a do-not-call request revokes consent too (not a healthcare-voice-only entry). */
export function dncRevocation(
  d: InternalDncRecord & { channel?: RevocationRecord['channel'] },
  newEventId: () => string,
): RevocationRecord | null {
  if (d.scope === 'HEALTHCARE_VOICE') return null;
  return {
    eventId: d.eventId ? `dnc:${d.eventId}` : newEventId(),
    e164: d.e164,
    occurredAt: d.addedAt,
    source: d.source,
    actor: d.actor,
    channel: d.channel ?? 'DNC_REQUEST',
    scope: d.scope === 'SELLER' ? 'SELLER' : 'ALL_SELLERS',
    seller: d.scope === 'SELLER' ? d.seller : null,
  };
}

/** Decision ids are UUIDs: anything else cannot name an earlier decision (and is not looked up). */
export function isDecisionId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** The `consent.revoked` event other replicas and subscribers hear. */
export function revokedEvent(appended: Appended, r: RevocationRecord) {
  return {
    eventId: r.eventId,
    phone: r.e164,
    revokedAt: r.occurredAt.toISOString(),
    channel: r.channel,
    source: r.source,
    cursor: String(appended.seq),
  };
}

// ── Audit rows: who did what, with references only (sequences, versions, codes) in `detail`. ──

export function decisionAudit(
  action: 'DECISION' | 'AUTHORIZE',
  identity: Identity,
  req: DecideRequest,
  result: DecisionResult,
): AuditRecord {
  const d = result.decision;
  return auditRecord(action, identity, {
    seller: req.seller,
    purpose: req.purpose,
    e164: result.e164,
    decisionId: result.decisionId,
    allowed: d.allowed,
    reasons: d.reasons,
    detail: {
      policyVersion: d.policyVersion,
      at: (req.at ?? d.evaluatedAt).toISOString(),
      hypothetical: !!result.hypothetical,
      evidence: d.evidence,
      reserved: !!result.reservation,
    },
  });
}

export function consentRecordedAudit(g: Omit<GrantRecord, 'actor'>, appended: Appended, identity: Identity) {
  return auditRecord('CONSENT_RECORDED', identity, {
    seller: g.sellers.join(','),
    purpose: g.purposes.join(','),
    e164: g.e164,
    detail: { seq: appended.seq, consentType: g.consentType },
  });
}

export function consentRevokedAudit(
  record: RevocationRecord,
  decisionId: string | null,
  appended: Appended,
  identity: Identity,
) {
  return auditRecord('CONSENT_REVOKED', identity, {
    seller: record.seller,
    e164: record.e164,
    decisionId,
    detail: { seq: appended.seq, channel: record.channel, scope: record.scope },
  });
}

export function internalDncAudit(
  d: InternalDncRecord,
  entryId: number,
  appended: Appended | null,
  identity: Identity,
): AuditRecord {
  return auditRecord('INTERNAL_DNC_ADDED', identity, {
    seller: d.seller,
    e164: d.e164,
    detail: { id: entryId, scope: d.scope, seq: appended?.seq ?? null },
  });
}

/** A reassigned-number answer recorded: one live check (`source` the checker) or a bulk result file. */
export function reassignedAudit(
  identity: Identity,
  recorded: { e164: string; answer: ReassignedFacts; source: string } | { e164s: string[] },
): AuditRecord {
  if ('e164s' in recorded) {
    const { e164s } = recorded;
    return auditRecord('REASSIGNED_RECORDED', identity, {
      e164: e164s.length === 1 ? e164s[0]! : null,
      detail: { results: e164s.length, source: 'bulk' },
    });
  }
  return auditRecord('REASSIGNED_RECORDED', identity, {
    e164: recorded.e164,
    detail: { result: recorded.answer.result, version: recorded.answer.version, source: recorded.source },
  });
}
