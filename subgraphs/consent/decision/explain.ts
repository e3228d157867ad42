import type { CallPurpose, CompliancePolicy } from '../policy/index.js';
import type { Decision, DenyCode } from './types.js';

/**
 * A recorded decision explained rule by rule (the compliance view of the operations console):
 * every rule of docs/compliance.md with its deny codes, and for this decision whether it denied,
 * passed, did not apply to the purpose, or was not reached. Pure: it reads the audit row's
 * reasons and evidence and the policy's purpose lists; it never re-decides.
 */

export type RuleOutcome = 'DENIED' | 'PASSED' | 'NOT_APPLICABLE' | 'NOT_EVALUATED';

export interface RuleCheck {
  /** The rule's id in docs/compliance.md (A1-A4, C1, D1/D3, …). */
  rule: string;
  title: string;
  outcome: RuleOutcome;
  /** The deny codes of this rule that this decision carries (empty unless DENIED). */
  codes: DenyCode[];
  /** What the decision relied on for this rule (references only: zones, list dates, sequences). */
  detail: string | null;
}

/** The audit row's evidence as stored (Decision['evidence']); older rows may miss fields. */
export type StoredEvidence = Partial<Decision['evidence']>;

interface Rule {
  rule: string;
  title: string;
  codes: readonly DenyCode[];
  applies: (purpose: CallPurpose, policy: CompliancePolicy) => boolean;
  detail?: (e: StoredEvidence) => string | null;
}

const always = () => true;
const healthcare = (p: CallPurpose) => p.startsWith('HEALTHCARE_');
const list = (items: readonly string[] | undefined) => (items && items.length > 0 ? items.join(', ') : 'none');

/** In the order the decision applies them. Every deny code belongs to exactly one rule (tested). */
export const RULES: readonly Rule[] = [
  { rule: 'N', title: 'A readable US number', codes: ['INVALID_NUMBER', 'JURISDICTION_UNSUPPORTED'], applies: always },
  { rule: 'F', title: 'Every fact readable (fails closed)', codes: ['COMPLIANCE_DATA_UNAVAILABLE'], applies: always },
  {
    rule: 'A1-A4',
    title: 'Consent: written for marketing, naming the seller and the number called, with complete evidence',
    codes: [
      'NO_CONSENT',
      'CONSENT_INSUFFICIENT',
      'CONSENT_NUMBER_MISMATCH',
      'CONSENT_SELLER_MISMATCH',
      'CONSENT_EVIDENCE_INCOMPLETE',
    ],
    applies: (p, policy) => policy.purposes.consentRequired.includes(p),
    detail: (e) =>
      e.grantSeq != null ? `relied on grant #${e.grantSeq}` : e.exemption ? `exemption ${e.exemption}` : null,
  },
  {
    rule: 'B1-B3',
    title: 'Consent not revoked (any channel; the latest event wins)',
    codes: ['CONSENT_REVOKED'],
    applies: (p, policy) => policy.purposes.consentRequired.includes(p),
    detail: (e) => (e.revocationSeq != null ? `last revocation #${e.revocationSeq}` : 'no revocation'),
  },
  {
    rule: 'G1',
    title: 'Healthcare exemption: covered entity, exempt purpose, patient-provided number',
    codes: ['HC_EXEMPTION_INELIGIBLE'],
    applies: healthcare,
    detail: (e) => (e.exemption ? `exemption ${e.exemption}` : null),
  },
  {
    rule: 'G2',
    title: 'Minimum necessary PHI; communication preference',
    codes: ['PHI_EXCESS', 'COMM_PREF_RESTRICTED'],
    applies: healthcare,
  },
  {
    rule: 'C3',
    title: 'Callee location resolved (every candidate zone)',
    codes: ['TIMEZONE_UNRESOLVED'],
    applies: (p, policy) => !policy.purposes.callingHoursExempt.includes(p),
    detail: (e) => `zones ${list(e.zones)}${e.zoneData ? ` (${e.zoneData})` : ''}`,
  },
  {
    rule: 'C1',
    title: 'Calling hours 8:00-21:00 callee local time',
    codes: ['OUTSIDE_CALLING_HOURS'],
    applies: (p, policy) => !policy.purposes.callingHoursExempt.includes(p),
    detail: (e) => `zones ${list(e.zones)}`,
  },
  {
    rule: 'C2',
    title: 'State hours, days and caps',
    codes: ['OUTSIDE_STATE_HOURS', 'STATE_DAY_RESTRICTED', 'FREQUENCY_CAP_EXCEEDED'],
    applies: (p, policy) => !policy.purposes.callingHoursExempt.includes(p) || policy.purposes.stateCaps.includes(p),
    detail: (e) => `states ${list(e.states)}; ${e.attemptsCounted ?? 0} attempt(s) counted`,
  },
  {
    rule: 'D1/D3',
    title: 'National and state do-not-call registries (fresh data; lifted by written consent or EBR)',
    codes: ['NATIONAL_DNC', 'STATE_DNC', 'DNC_DATA_STALE'],
    applies: (p, policy) => policy.purposes.solicitation.includes(p),
    detail: (e) => {
      const lists = (e.suppressionLists ?? []).filter((l) => l.list !== 'litigator');
      return lists.length ? lists.map((l) => `${l.list}@${l.downloadedAt?.slice(0, 10) ?? 'never'}`).join(', ') : null;
    },
  },
  {
    rule: 'D4',
    title: 'Internal do-not-call list',
    codes: ['INTERNAL_DNC'],
    applies: (p, policy) => policy.purposes.internalDnc.includes(p),
  },
  {
    rule: 'D4+',
    title: 'Known-litigator list',
    codes: ['KNOWN_LITIGATOR'],
    applies: (p, policy) => policy.purposes.litigator.includes(p),
    detail: (e) => {
      const l = (e.suppressionLists ?? []).find((x) => x.list === 'litigator');
      return l ? `litigator@${l.downloadedAt?.slice(0, 10) ?? 'never'}` : null;
    },
  },
  {
    rule: 'E1',
    title: 'Reassigned Numbers Database (with the relied-on consent date)',
    codes: ['NUMBER_REASSIGNED', 'RND_NO_DATA'],
    applies: (p, policy) => policy.purposes.consentRequired.includes(p),
    detail: (e) =>
      e.reassigned ? `RND ${e.reassigned.result} (${e.reassigned.version})` : 'not asked (no consent date relied on)',
  },
  {
    rule: 'DEAL',
    title: "The contact's deal is not closed (decisions on a contact: Contact.callPermission)",
    codes: ['DEAL_CLOSED'],
    applies: (p, policy) => policy.purposes.dealClosed.includes(p),
  },
  {
    rule: 'CRM',
    title: "The CRM record's own do-not-call flag (decisions on a contact: Contact.callPermission)",
    codes: ['CRM_DO_NOT_CALL'],
    applies: (p, policy) => policy.purposes.internalDnc.includes(p),
  },
];

/** Codes after which the decision stops: nothing else was evaluated. */
const TERMINAL: readonly DenyCode[] = ['INVALID_NUMBER', 'JURISDICTION_UNSUPPORTED'];

export function explainDecision(input: {
  purpose: CallPurpose;
  reasons: readonly string[];
  evidence: StoredEvidence;
  policy: CompliancePolicy;
}): RuleCheck[] {
  const { purpose, reasons, evidence, policy } = input;
  const stoppedEarly = TERMINAL.some((c) => reasons.includes(c));
  // A fact that could not be read skips the rules that need it: such a rule is not shown as passed.
  const factsMissing = reasons.includes('COMPLIANCE_DATA_UNAVAILABLE');
  return RULES.map((r) => {
    const codes = r.codes.filter((c) => reasons.includes(c));
    const gate = r.rule === 'N' || r.rule === 'F';
    let outcome: RuleOutcome;
    if (codes.length > 0) outcome = 'DENIED';
    else if (!gate && stoppedEarly) outcome = 'NOT_EVALUATED';
    else if (!r.applies(purpose, policy)) outcome = 'NOT_APPLICABLE';
    else outcome = !gate && factsMissing ? 'NOT_EVALUATED' : 'PASSED';
    const detail = outcome === 'DENIED' || outcome === 'PASSED' ? (r.detail?.(evidence) ?? null) : null;
    return { rule: r.rule, title: r.title, outcome, codes, detail };
  });
}
