import type { CallPurpose, CompliancePolicy } from '../policy/index.js';
import { candidateInstants, windowReasons, windowRules } from './calling-window.js';
import { deriveConsent, type ConsentView } from './consent-state.js';
import { isValidZone } from './zoned-time.js';
import {
  DENY_CODES,
  type AttemptFact,
  type Decision,
  type DecisionFacts,
  type DenyCode,
  type Obligation,
  type SuppressionFacts,
} from './types.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Codes that pass with time alone: only these leave a `nextAllowedAt`. */
const TIME_CODES = new Set<DenyCode>([
  'OUTSIDE_CALLING_HOURS',
  'OUTSIDE_STATE_HOURS',
  'STATE_DAY_RESTRICTED',
  'FREQUENCY_CAP_EXCEEDED',
]);

interface Cap {
  max: number;
  windowMs: number;
  counts: (a: AttemptFact) => boolean;
}

function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

function union(...lists: (string | null | undefined)[][]): string[] {
  return [...new Set(lists.flat().filter((v): v is string => !!v))].sort();
}

/** Attempts counted by `cap` in the rolling UTC window ending at `at` (C3: caps count in UTC). */
function countIn(attempts: AttemptFact[], cap: Cap, at: Date): AttemptFact[] {
  const from = at.getTime() - cap.windowMs;
  return attempts.filter((a) => cap.counts(a) && a.at.getTime() > from && a.at.getTime() <= at.getTime());
}

function capReasons(attempts: AttemptFact[], caps: Cap[], at: Date): boolean {
  return caps.some((cap) => countIn(attempts, cap, at).length >= cap.max);
}

/** D1: a relationship lifts DNC (never consent) unless an internal DNC request ended it. */
function relationshipLiftsDnc(s: SuppressionFacts, seller: string | null, at: Date, policy: CompliancePolicy): boolean {
  if (!seller) return false;
  return s.relationships.some((r) => {
    if (r.seller !== seller || r.occurredAt > at) return false;
    const months = r.kind === 'PURCHASE' ? policy.ebr.purchaseMonths : policy.ebr.inquiryMonths;
    if (at > addMonths(r.occurredAt, months)) return false;
    const ended = s.internalDnc.some(
      (e) => e.addedAt >= r.occurredAt && (e.scope === 'ALL' || (e.scope === 'SELLER' && e.seller === seller)),
    );
    return !ended;
  });
}

function isHealthcare(purpose: CallPurpose): boolean {
  return purpose.startsWith('HEALTHCARE_');
}

/**
 * The call-permission decision: a pure function of the facts and the policy. Every applicable deny
 * code is listed (not only the first); a fact that could not be read (null) adds
 * COMPLIANCE_DATA_UNAVAILABLE and the rules that need it are skipped, so the answer is a deny,
 * never an exception and never an allow.
 */
/** Evidence before any rule has looked at the facts (and of a decision that read none). */
export function emptyEvidence(exemption: Decision['evidence']['exemption'] = null): Decision['evidence'] {
  return {
    zones: [],
    states: [],
    zoneData: null,
    grantSeq: null,
    revocationSeq: null,
    nationalDncSyncedAt: null,
    suppressionLists: [],
    reassigned: null,
    attemptsCounted: 0,
    exemption,
  };
}

export function evaluate(facts: DecisionFacts, policy: CompliancePolicy): Decision {
  const reasons = new Set<DenyCode>();
  const { purpose, seller, at } = facts;
  const evidence = emptyEvidence(purpose === 'EMERGENCY' ? 'EMERGENCY' : null);
  const done = (consent: ConsentView | null, next: Date | null = null, obligations: Obligation[] = []): Decision => {
    const list = DENY_CODES.filter((c) => reasons.has(c));
    return {
      allowed: list.length === 0,
      reasons: list,
      obligations: list.length === 0 ? obligations : [],
      nextAllowedAt: list.length > 0 && list.every((c) => TIME_CODES.has(c)) ? next : null,
      evaluatedAt: facts.evaluatedAt,
      policyVersion: policy.version,
      consent: consent?.summary ?? null,
      evidence,
    };
  };

  const e164 = facts.phone.e164;
  if (!e164 && facts.unavailable && facts.unavailable.length > 0) {
    // The number itself was among the facts that could not be read (e.g. the CRM failed).
    reasons.add('COMPLIANCE_DATA_UNAVAILABLE');
    return done(null);
  }
  if (!e164 || !facts.phone.valid) {
    reasons.add('INVALID_NUMBER');
    return done(null);
  }
  if (!facts.phone.country || !policy.supportedCountries.includes(facts.phone.country)) {
    reasons.add('JURISDICTION_UNSUPPORTED');
    return done(null);
  }
  if (facts.unavailable && facts.unavailable.length > 0) reasons.add('COMPLIANCE_DATA_UNAVAILABLE');

  // --- consent (A1-A4, B1-B3) and the healthcare exemption (G1) ---
  let consent: ConsentView | null = null;
  let reliedGrantAt: Date | null = null;
  const caps: Cap[] = [];
  if (facts.ledger === null) {
    reasons.add('COMPLIANCE_DATA_UNAVAILABLE');
  } else {
    consent = deriveConsent(facts.ledger, seller, purpose, e164, policy);
    evidence.revocationSeq = consent.lastRevocation?.seq ?? null;
    if (policy.purposes.consentRequired.includes(purpose)) {
      const sellerInfo = seller ? policy.sellers[seller] : undefined;
      const patientProvided = consent.active.filter((g) => g.consentType === 'PATIENT_PROVIDED').at(-1);
      const exempt =
        policy.healthcare.exemptPurposes.includes(purpose) && !!sellerInfo?.hipaaCoveredEntity && !!patientProvided;
      if (exempt) {
        evidence.exemption = 'HEALTHCARE';
        evidence.grantSeq = patientProvided.seq;
        reliedGrantAt = patientProvided.occurredAt;
        for (const c of policy.healthcare.caps) {
          caps.push({
            max: c.max,
            windowMs: c.windowHours * HOUR_MS,
            counts: (a) => a.seller === seller && policy.healthcare.exemptPurposes.includes(a.purpose),
          });
        }
      } else if (consent.sufficient) {
        evidence.grantSeq = consent.sufficient.seq;
        reliedGrantAt = consent.sufficient.occurredAt;
      } else {
        for (const r of consent.reasons) reasons.add(r);
        if (isHealthcare(purpose)) reasons.add('HC_EXEMPTION_INELIGIBLE');
      }
    }
  }

  // --- G2: minimum necessary PHI ---
  if (isHealthcare(purpose) && facts.phiFields && facts.phiFields.length > 0) {
    const allowed = policy.phiAllowedFields[purpose] ?? [];
    if (facts.phiFields.some((f) => !allowed.includes(f))) reasons.add('PHI_EXCESS');
  }

  // --- where the callee is (C3) ---
  let zones: string[] = [];
  let states: string[] = [];
  if (facts.geo === null) {
    reasons.add('COMPLIANCE_DATA_UNAVAILABLE');
  } else {
    const stated = facts.geo.statedZone && isValidZone(facts.geo.statedZone) ? facts.geo.statedZone : null;
    // C3: every candidate zone counts (the windows intersect): exchange data, the area code's zones
    // when it spans several, the address's and the stated zone.
    zones = union(facts.geo.numberZones, facts.geo.areaCodeZones, facts.geo.addressZones, [stated]).filter(isValidZone);
    states = union(facts.geo.numberStates, [facts.geo.addressState]);
    evidence.zones = zones;
    evidence.states = states;
    evidence.zoneData = facts.geo.zoneData;
  }

  // --- suppression (D1-D4) ---
  const solicitation = policy.purposes.solicitation.includes(purpose);
  if (facts.suppression === null) {
    reasons.add('COMPLIANCE_DATA_UNAVAILABLE');
  } else {
    const s = facts.suppression;
    if (policy.purposes.internalDnc.includes(purpose)) {
      const hit = s.internalDnc.some(
        (e) => e.scope === 'ALL' || (e.scope === 'SELLER' && (seller === null || e.seller === seller)),
      );
      if (hit) reasons.add('INTERNAL_DNC');
    }
    if (isHealthcare(purpose) && s.internalDnc.some((e) => e.scope === 'HEALTHCARE_VOICE'))
      reasons.add('COMM_PREF_RESTRICTED');
    if (policy.purposes.litigator.includes(purpose)) {
      evidence.suppressionLists.push({ list: 'litigator', downloadedAt: s.litigator.syncedAt?.toISOString() ?? null });
      if (s.litigator.listed) reasons.add('KNOWN_LITIGATOR');
    }
    if (solicitation) {
      // Signed written permission naming the number (a sufficient written grant), or a live EBR.
      const permitted = consent?.sufficient?.consentType === 'WRITTEN' || relationshipLiftsDnc(s, seller, at, policy);
      const maxAge = policy.dncMaxAgeDays * DAY_MS;
      const stale = (syncedAt: Date | null) => !syncedAt || at.getTime() - syncedAt.getTime() > maxAge;
      evidence.nationalDncSyncedAt = s.national.syncedAt?.toISOString() ?? null;
      evidence.suppressionLists.push({ list: 'national', downloadedAt: evidence.nationalDncSyncedAt });
      if (stale(s.national.syncedAt)) reasons.add('DNC_DATA_STALE');
      if (s.national.listed && !permitted) reasons.add('NATIONAL_DNC');
      for (const state of states) {
        if (!policy.states[state]?.stateDnc) continue;
        const list = s.state.find((l) => l.state === state);
        evidence.suppressionLists.push({ list: `state:${state}`, downloadedAt: list?.syncedAt?.toISOString() ?? null });
        if (!list || stale(list.syncedAt)) reasons.add('DNC_DATA_STALE');
        if (list?.listed && !permitted) reasons.add('STATE_DNC');
      }
    }
  }

  // --- reassigned numbers (E1): only when the call relies on a consent date ---
  if (reliedGrantAt) {
    const r = facts.reassigned;
    if (r === null) {
      reasons.add('COMPLIANCE_DATA_UNAVAILABLE');
    } else {
      evidence.reassigned = {
        result: r.result,
        version: r.version,
        checkedAt: r.checkedAt.toISOString(),
        consentDate: r.consentDate.toISOString(),
      };
      const fresh =
        r.consentDate.getTime() === reliedGrantAt.getTime() &&
        facts.evaluatedAt.getTime() - r.checkedAt.getTime() <= policy.reassigned.maxAgeDays * DAY_MS;
      if (r.result === 'YES') reasons.add('NUMBER_REASSIGNED');
      else if ((r.result === 'NO_DATA' || !fresh) && policy.reassigned.noDataDenies) reasons.add('RND_NO_DATA');
    }
  }

  // --- deal state from the CRM (Contact.callPermission) ---
  if (facts.deal?.closed === true && policy.purposes.dealClosed.includes(purpose)) reasons.add('DEAL_CLOSED');
  // A do-not-call flag set in the CRM is a company-specific DNC request the ledger may not have seen yet.
  if (facts.crmDoNotCall === true && policy.purposes.internalDnc.includes(purpose)) reasons.add('CRM_DO_NOT_CALL');

  // --- caps (C2, G1), counted rolling in UTC ---
  if (policy.purposes.stateCaps.includes(purpose)) {
    for (const state of states) {
      const c = policy.states[state]?.cap;
      if (!c) continue;
      caps.push({
        max: c.max,
        windowMs: c.windowHours * HOUR_MS,
        counts: (a) => a.seller === seller && a.subject === facts.subject,
      });
    }
  }
  const attempts = facts.attempts;
  if (caps.length > 0) {
    if (attempts === null) reasons.add('COMPLIANCE_DATA_UNAVAILABLE');
    else {
      evidence.attemptsCounted = Math.max(...caps.map((c) => countIn(attempts, c, at).length));
      if (capReasons(attempts, caps, at)) reasons.add('FREQUENCY_CAP_EXCEEDED');
    }
  }

  // --- calling hours and days (C1-C3) ---
  const hoursApply = !policy.purposes.callingHoursExempt.includes(purpose);
  const rules = windowRules(zones, states, policy);
  if (hoursApply && facts.geo !== null) {
    if (zones.length === 0) reasons.add('TIMEZONE_UNRESOLVED');
    else for (const r of windowReasons(at, rules)) reasons.add(r);
  }

  // --- obligations (F1, F3, F4) for an allowed call ---
  const obligations: Obligation[] = [];
  {
    const name = seller ? (policy.sellers[seller]?.name ?? seller) : 'the calling business';
    obligations.push({
      code: 'ID_DISCLOSURE',
      detail: `State the business name (${name}) and a callback number at the start.`,
    });
    if (solicitation)
      obligations.push({
        code: 'OPT_OUT_OFFER',
        detail: 'Offer an automated opt-out within 2 seconds of identification.',
      });
    const laws = states.filter((st) => policy.states[st]?.aiDisclosureLaw);
    obligations.push({
      code: 'AI_DISCLOSURE_REQUIRED',
      detail:
        laws.length > 0
          ? `Disclose the AI voice (state law: ${laws.join(', ')}).`
          : 'Disclose the AI voice (policy: always).',
    });
    const allParty = states.filter((st) => policy.states[st]?.recordingAllParty);
    if (allParty.length > 0 || states.length === 0) {
      obligations.push({
        code: 'RECORDING_NOTICE_REQUIRED',
        detail:
          allParty.length > 0
            ? `Announce recording (all-party state: ${allParty.join(', ')}).`
            : 'Announce recording (callee state unknown).',
      });
    }
  }

  // --- the next instant at which only time-based reasons would clear ---
  let next: Date | null = null;
  if (reasons.size > 0 && [...reasons].every((c) => TIME_CODES.has(c))) {
    const expiries: Date[] = [];
    if (attempts) {
      for (const cap of caps) {
        const counted = countIn(attempts, cap, at).sort((a, b) => a.at.getTime() - b.at.getTime());
        const over = counted.length - cap.max;
        if (over >= 0) expiries.push(new Date(counted[over]!.at.getTime() + cap.windowMs));
      }
    }
    for (const t of candidateInstants(at, rules, expiries)) {
      const hoursOk = !hoursApply || windowReasons(t, rules).length === 0;
      if (hoursOk && (!attempts || !capReasons(attempts, caps, t))) {
        next = t;
        break;
      }
    }
  }
  return done(consent, next, obligations);
}
