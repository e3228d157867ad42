import type { CallPurpose } from '../policy/index.js';

/** Every deny code the decision can return, in the order they are listed (compliance-rules.md). */
export const DENY_CODES = [
  'INVALID_NUMBER',
  'JURISDICTION_UNSUPPORTED',
  'COMPLIANCE_DATA_UNAVAILABLE',
  'NO_CONSENT',
  'CONSENT_REVOKED',
  'CONSENT_INSUFFICIENT',
  'CONSENT_NUMBER_MISMATCH',
  'CONSENT_SELLER_MISMATCH',
  'CONSENT_EVIDENCE_INCOMPLETE',
  'HC_EXEMPTION_INELIGIBLE',
  'COMM_PREF_RESTRICTED',
  'PHI_EXCESS',
  'INTERNAL_DNC',
  'NATIONAL_DNC',
  'STATE_DNC',
  'KNOWN_LITIGATOR',
  'DNC_DATA_STALE',
  'NUMBER_REASSIGNED',
  'RND_NO_DATA',
  'TIMEZONE_UNRESOLVED',
  'OUTSIDE_CALLING_HOURS',
  'OUTSIDE_STATE_HOURS',
  'STATE_DAY_RESTRICTED',
  'FREQUENCY_CAP_EXCEEDED',
  'DEAL_CLOSED',
  'CRM_DO_NOT_CALL',
] as const;
export type DenyCode = (typeof DENY_CODES)[number];

export const OBLIGATION_CODES = [
  'ID_DISCLOSURE',
  'OPT_OUT_OFFER',
  'AI_DISCLOSURE_REQUIRED',
  'RECORDING_NOTICE_REQUIRED',
] as const;
export type ObligationCode = (typeof OBLIGATION_CODES)[number];

export const CONSENT_TYPES = ['WRITTEN', 'ORAL', 'PATIENT_PROVIDED'] as const;
export type ConsentType = (typeof CONSENT_TYPES)[number];

export const REVOCATION_CHANNELS = [
  'VOICE',
  'KEYPRESS',
  'SMS_KEYWORD',
  'EMAIL',
  'WEB',
  'CRM_FLAG',
  'TRANSCRIPT',
  'DNC_REQUEST',
] as const;
export type RevocationChannel = (typeof REVOCATION_CHANNELS)[number];

export const REVOCATION_SCOPES = ['ALL_SELLERS', 'SELLER'] as const;
export type RevocationScope = (typeof REVOCATION_SCOPES)[number];

export const CONSENT_CHANNELS = ['VOICE', 'SMS'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** A grant as stored in the ledger (evidence keys per A4). */
export interface GrantEvent {
  kind: 'GRANT';
  /** Ledger sequence: ingest order, the tie-breaker after occurrence time and the subscription cursor. */
  seq: number;
  occurredAt: Date;
  consentType: ConsentType;
  purposes: CallPurpose[];
  sellers: string[];
  channels: ConsentChannel[];
  coversArtificialVoice: boolean;
  disclosure: { version?: string | null; hash?: string | null; notConditionOfPurchase?: boolean | null };
  evidence: Record<string, string | null | undefined>;
}

export interface RevocationEvent {
  kind: 'REVOCATION';
  seq: number;
  occurredAt: Date;
  channel: RevocationChannel;
  scope: RevocationScope;
  /** The seller the revocation was made to; null for ALL_SELLERS. */
  seller: string | null;
}

export type LedgerEvent = GrantEvent | RevocationEvent;

export interface InternalDncEntry {
  addedAt: Date;
  /** ALL: every seller; SELLER: `seller` only; HEALTHCARE_VOICE: a patient's communication preference (G2). */
  scope: 'ALL' | 'SELLER' | 'HEALTHCARE_VOICE';
  seller: string | null;
}

export interface Relationship {
  seller: string;
  kind: 'PURCHASE' | 'INQUIRY';
  occurredAt: Date;
}

export interface SuppressionFacts {
  internalDnc: InternalDncEntry[];
  /** National registry: hit, and when the registry data for this area code was downloaded (null: never). */
  national: { listed: boolean; syncedAt: Date | null };
  /** One entry per state list that applies to the callee's states. */
  state: { state: string; listed: boolean; syncedAt: Date | null }[];
  /** The imported known-litigator list (internal suppression): hit, and the list's date. */
  litigator: { listed: boolean; syncedAt: Date | null };
  relationships: Relationship[];
}

export interface ReassignedFacts {
  result: 'YES' | 'NO' | 'NO_DATA';
  /** The consent date the database was asked about. */
  consentDate: Date;
  checkedAt: Date;
  version: string;
}

export interface AttemptFact {
  at: Date;
  seller: string;
  purpose: CallPurpose;
  subject: string;
}

/** Where the callee may be: from the number's exchange data, the CRM address and the CRM's stated zone. */
export interface GeoFacts {
  /** Zones libphonenumber's exchange-level data names for the number. */
  numberZones: string[];
  /** Every zone of the number's area code when the split-zone table lists it and the exchange is not placed with certainty (C3). */
  areaCodeZones: string[];
  numberStates: string[];
  addressZones: string[];
  addressState: string | null;
  statedZone: string | null;
  /** Version of the split-zone area-code table consulted (policy data). */
  zoneData: string;
}

/** Everything one decision reads. `null` for a fact means "could not be read": the decision fails closed. */
export interface DecisionFacts {
  at: Date;
  evaluatedAt: Date;
  purpose: CallPurpose;
  seller: string | null;
  subject: string;
  phone: { e164: string | null; country: string | null; valid: boolean };
  geo: GeoFacts | null;
  ledger: LedgerEvent[] | null;
  suppression: SuppressionFacts | null;
  reassigned: ReassignedFacts | null;
  attempts: AttemptFact[] | null;
  /** From the CRM via @requires (Contact.callPermission only); undefined when not asked. */
  deal?: { closed: boolean | null } | null;
  /** The CRM's own do-not-call flag via @requires (Contact.callPermission only); undefined when not asked. */
  crmDoNotCall?: boolean;
  /** PHI fields the caller intends to use on the call (G2), when it says. */
  phiFields?: string[];
  /** Extra sources that failed to load (e.g. `crm`). */
  unavailable?: string[];
}

export interface Obligation {
  code: ObligationCode;
  detail: string;
}

export interface ConsentSummary {
  status: 'GRANTED' | 'REVOKED' | 'NONE';
  /** The grant a call would rely on (sequence), when one is sufficient. */
  grantSeq: number | null;
  grantedAt: Date | null;
  revokedAt: Date | null;
  consentType: ConsentType | null;
  lastSeq: number | null;
}

export interface Decision {
  allowed: boolean;
  reasons: DenyCode[];
  obligations: Obligation[];
  nextAllowedAt: Date | null;
  evaluatedAt: Date;
  policyVersion: string;
  consent: ConsentSummary | null;
  /** The facts the answer rests on, by reference (sequences, dates, zones): stored with the audit record. */
  evidence: {
    /** Every zone whose calling window was applied (C3: the intersection of their windows). */
    zones: string[];
    states: string[];
    /** Version of the split-zone area-code table the zones came from (null when no location was resolved). */
    zoneData: string | null;
    grantSeq: number | null;
    revocationSeq: number | null;
    nationalDncSyncedAt: string | null;
    /** Every registry / suppression list the decision consulted, with the date of its data (null: never loaded). */
    suppressionLists: { list: string; downloadedAt: string | null }[];
    reassigned: { result: string; version: string; checkedAt: string; consentDate: string } | null;
    attemptsCounted: number;
    exemption: 'HEALTHCARE' | 'EMERGENCY' | null;
  };
}
