/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type ActivityType =
  | 'CALL'
  | 'EMAIL'
  | 'MEETING'
  | 'OTHER'
  | 'TASK';

/** Canonical call dispositions, one scale for every CRM and voice platform. */
export type CallDisposition =
  | 'BUSY'
  | 'CALLBACK_REQUESTED'
  | 'CONNECTED'
  | 'FAILED'
  | 'NOT_INTERESTED'
  | 'NO_ANSWER'
  | 'OPTED_OUT'
  | 'VOICEMAIL'
  | 'WRONG_NUMBER';

export type CallOutcomeInput = {
  /** The voice platform's call id. */
  callId: string;
  /** Global contact id (`salesforce:<Id>` or `hubspot:<id>`): decides the CRM written to. */
  contactId: string | number;
  /** The decisionId returned by authorizeCall for this call. */
  decisionId: string | number;
  disposition: CallDisposition;
  durationSeconds?: number | null | undefined;
  /** Unique per outcome (8-200 printable characters); retries reuse it. The CRM-side key is derived from it. */
  idempotencyKey: string;
  /** The contact's new intent stage after this call. */
  intentStage?: IntentStage | null | undefined;
  nextAction?: NextAction | null | undefined;
  /** When the next action is due (ISO 8601 with offset). */
  nextActionAt?: string | null | undefined;
  /** When the call ended (ISO 8601 with offset); not in the future. */
  occurredAt: string;
  /** The voice platform detected an opt-out request. */
  optOutDetected?: boolean | null | undefined;
  /** The number dialed; required for an opt-out (the number whose consent is revoked). */
  phone?: string | null | undefined;
  /** The seller the call was made for; defaults to the caller's seller. Another seller than the token's is FORBIDDEN. */
  seller?: string | null | undefined;
  /** What was said, for the CRM's call notes (personal data: never logged). */
  summary?: string | null | undefined;
  /** Optional transcript, scanned for opt-out phrases and then discarded (never stored). */
  transcript?: string | null | undefined;
};

/** Why the call is made; the rules that apply depend on it. */
export type CallPurpose =
  /** Emergency purposes: no consent, no calling-hours rule. */
  | 'EMERGENCY'
  /** Healthcare calls (G1 exemption candidates when from a HIPAA covered entity to a patient-provided number). */
  | 'HEALTHCARE_APPOINTMENT'
  /** Billing is never exempt (needs consent like an informational call). */
  | 'HEALTHCARE_BILLING'
  | 'HEALTHCARE_DISCHARGE'
  | 'HEALTHCARE_LAB_RESULTS'
  | 'HEALTHCARE_PRESCRIPTION'
  | 'HEALTHCARE_WELLNESS'
  /** Informational (account, service, delivery): prior express consent, may be oral. */
  | 'INFORMATIONAL'
  /** Telemarketing / solicitation: needs prior express written consent; DNC lists apply. */
  | 'MARKETING';

/** The CRMs dialplane reads. */
export type CrmSource =
  | 'HUBSPOT'
  | 'SALESFORCE';

/** The canonical stage of a deal, mapped from the CRM's pipeline stage. */
export type DealStage =
  | 'CLOSED_LOST'
  | 'CLOSED_WON'
  | 'DISCOVERY'
  | 'NEGOTIATION'
  /** A stage the mapping does not know; crmStage holds the CRM's value. */
  | 'OTHER'
  | 'PROPOSAL'
  | 'QUALIFICATION';

/** Every code that denies a call (compliance-rules.md); `reasons` lists all that apply. */
export type DenyReason =
  | 'COMM_PREF_RESTRICTED'
  | 'COMPLIANCE_DATA_UNAVAILABLE'
  | 'CONSENT_EVIDENCE_INCOMPLETE'
  | 'CONSENT_INSUFFICIENT'
  | 'CONSENT_NUMBER_MISMATCH'
  | 'CONSENT_REVOKED'
  | 'CONSENT_SELLER_MISMATCH'
  /** The CRM record carries its own do-not-call flag (Contact.callPermission only). */
  | 'CRM_DO_NOT_CALL'
  | 'DEAL_CLOSED'
  | 'DNC_DATA_STALE'
  | 'FREQUENCY_CAP_EXCEEDED'
  | 'HC_EXEMPTION_INELIGIBLE'
  | 'INTERNAL_DNC'
  | 'INVALID_NUMBER'
  | 'JURISDICTION_UNSUPPORTED'
  /** The number is on the imported known-litigator list (internal suppression). */
  | 'KNOWN_LITIGATOR'
  | 'NATIONAL_DNC'
  | 'NO_CONSENT'
  | 'NUMBER_REASSIGNED'
  | 'OUTSIDE_CALLING_HOURS'
  | 'OUTSIDE_STATE_HOURS'
  | 'PHI_EXCESS'
  | 'RND_NO_DATA'
  | 'STATE_DAY_RESTRICTED'
  | 'STATE_DNC'
  | 'TIMEZONE_UNRESOLVED';

/**
 * Where a contact stands in the buying journey, one scale for every CRM. Mapping tables per CRM are in
 * docs/mapping-salesforce.md and docs/mapping-hubspot.md.
 */
export type IntentStage =
  /** Being worked, not reached yet (attempted to contact, open). */
  | 'ATTEMPTING'
  /** Bought (closed won deal, customer lifecycle stage). */
  | 'CUSTOMER'
  /** Reached, conversation ongoing (connected, in progress). */
  | 'ENGAGED'
  /** Lost (every deal closed lost). */
  | 'LOST'
  /** An open deal in negotiation or contract. */
  | 'NEGOTIATION'
  /** Known, never worked (no lead status, subscriber). */
  | 'NEW'
  /** An open deal past qualification (discovery, proposal). */
  | 'OPPORTUNITY'
  /** Qualified interest (MQL/SQL, opportunity in qualification). */
  | 'QUALIFIED'
  /** The CRM value could not be placed on the scale. */
  | 'UNKNOWN'
  /** Not a fit or bad timing (unqualified). */
  | 'UNQUALIFIED';

export type NextAction =
  | 'CALL_BACK'
  | 'DO_NOT_CONTACT'
  | 'HAND_OFF'
  | 'NONE'
  | 'SCHEDULE_MEETING'
  | 'SEND_EMAIL';

/** What the agent must do on an allowed call. */
export type ObligationCode =
  | 'AI_DISCLOSURE_REQUIRED'
  | 'ID_DISCLOSURE'
  | 'OPT_OUT_OFFER'
  | 'RECORDING_NOTICE_REQUIRED';

/** An answer of the Reassigned Numbers Database (E1). */
export type ReassignedResult =
  /** Not disconnected since the consent date (safe harbor when from the latest data). */
  | 'NO'
  /** The database has no data for the number. */
  | 'NO_DATA'
  /** Permanently disconnected on or after the consent date: the consent is void. */
  | 'YES';

export type RevocationChannel =
  | 'CRM_FLAG'
  | 'DNC_REQUEST'
  | 'EMAIL'
  | 'KEYPRESS'
  | 'SMS_KEYWORD'
  | 'TRANSCRIPT'
  | 'VOICE'
  | 'WEB';

export type RevocationScope =
  /** Every seller (a revoke-all, a CRM do-not-call flag, a revocation whose seller is unknown). */
  | 'ALL_SELLERS'
  /** The named seller, every consent-requiring purpose (the default when a seller is known). */
  | 'SELLER';

export type RevokeConsentInput = {
  channel: RevocationChannel;
  /** The decision of the call during which the person opted out (gives the seller). */
  decisionId?: string | number | null | undefined;
  idempotencyKey?: string | null | undefined;
  occurredAt: string;
  phone: string;
  /** Defaults to SELLER when a seller is known (given, or from decisionId), else ALL_SELLERS. */
  scope?: RevocationScope | null | undefined;
  seller?: string | null | undefined;
  /** Where the revocation came from (e.g. `engagement`, `ivr`, `sms-gateway`). */
  source: string;
};

export type WriteBackStatus =
  /** Gave up (last attempt failed, or the CRM rejected it permanently); replay with replayWriteBacks. */
  | 'DEAD_LETTERED'
  /** Stored and enqueued; not yet attempted, or being attempted. */
  | 'QUEUED'
  /** An attempt failed; another is scheduled at nextAttemptAt. */
  | 'RETRYING'
  /** In the CRM. */
  | 'WRITTEN';

export type CallStartQueryVariables = Exact<{
  id: string | number;
  purpose: CallPurpose;
}>;


export type CallStartQuery = { contact: { id: string, source: CrmSource, primaryPhone: string | null, timeZone: string | null, intentStage: IntentStage | null, name: { first: string | null, full: string | null } | null, lastInteraction: { at: string | null, disposition: string | null, type: ActivityType | null } | null, openDeal: { name: string | null, stage: DealStage | null, amount: number | null } | null, suppression: { doNotCall: boolean | null } | null, freshness: { ageMs: number, stale: boolean }, callPermission: { allowed: boolean, reasons: Array<DenyReason>, nextAllowedAt: string | null, decisionId: string } | null } | null };

export type ContactsByPhoneQueryVariables = Exact<{
  phone: string;
}>;


export type ContactsByPhoneQuery = { contactsByPhone: Array<{ id: string, source: CrmSource, primaryPhone: string | null, name: { full: string | null } | null }> };

export type CallPermissionQueryVariables = Exact<{
  phone: string;
  purpose: CallPurpose;
  at?: string | null | undefined;
}>;


export type CallPermissionQuery = { callPermission: { allowed: boolean, reasons: Array<DenyReason>, nextAllowedAt: string | null, decisionId: string, hypothetical: boolean, phone: string | null, zones: Array<string>, suppressionLists: Array<{ list: string, downloadedAt: string | null }>, reassignedCheck: { result: ReassignedResult, version: string } | null, obligations: Array<{ code: ObligationCode, detail: string }> } };

export type ConsentRevocationsSubscriptionVariables = Exact<{
  phones?: Array<string> | string | null | undefined;
  after?: string | null | undefined;
}>;


export type ConsentRevocationsSubscription = { consentRevoked: { eventId: string, phone: string, revokedAt: string, channel: RevocationChannel, cursor: string } };

export type PlatformsCallPermissionQueryVariables = Exact<{
  phone: string;
  purpose: CallPurpose;
}>;


export type PlatformsCallPermissionQuery = { callPermission: { allowed: boolean, reasons: Array<DenyReason>, decisionId: string, nextAllowedAt: string | null, obligations: Array<{ code: ObligationCode, detail: string }> } };

export type PlatformsCallContextQueryVariables = Exact<{
  phone: string;
  purpose: CallPurpose;
}>;


export type PlatformsCallContextQuery = { contactsByPhone: Array<{ id: string, source: CrmSource, intentStage: IntentStage | null, name: { full: string | null } | null, freshness: { stale: boolean }, lastInteraction: { at: string | null, summary: string | null, disposition: string | null, callDisposition: CallDisposition | null } | null, callPermission: { allowed: boolean, reasons: Array<DenyReason>, decisionId: string, nextAllowedAt: string | null, obligations: Array<{ code: ObligationCode, detail: string }> } | null }> };

export type PlatformsOptOutMutationVariables = Exact<{
  input: RevokeConsentInput;
}>;


export type PlatformsOptOutMutation = { revokeConsent: { eventId: string, created: boolean } };

export type PlatformsRecordOutcomeMutationVariables = Exact<{
  input: CallOutcomeInput;
}>;


export type PlatformsRecordOutcomeMutation = { recordCallOutcome: { id: string, status: WriteBackStatus, duplicate: boolean } };


export const CallStartDocument = {"__meta__":{"hash":"sha256:e7fae4ba393fea56acbab5b4d7fd4fa991b68adc8dff84196a8969f8d772b30b"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CallStart"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CallPurpose"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contact"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"name"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"first"}},{"kind":"Field","name":{"kind":"Name","value":"full"}}]}},{"kind":"Field","name":{"kind":"Name","value":"primaryPhone"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"intentStage"}},{"kind":"Field","name":{"kind":"Name","value":"lastInteraction"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"disposition"}},{"kind":"Field","name":{"kind":"Name","value":"type"}}]}},{"kind":"Field","name":{"kind":"Name","value":"openDeal"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"stage"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"suppression"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"doNotCall"}}]}},{"kind":"Field","name":{"kind":"Name","value":"freshness"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ageMs"}},{"kind":"Field","name":{"kind":"Name","value":"stale"}}]}},{"kind":"Field","name":{"kind":"Name","value":"callPermission"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"purpose"},"value":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"nextAllowedAt"}},{"kind":"Field","name":{"kind":"Name","value":"decisionId"}}]}}]}}]}}]} as unknown as DocumentNode<CallStartQuery, CallStartQueryVariables>;
export const ContactsByPhoneDocument = {"__meta__":{"hash":"sha256:149414e03a49364c4a11a1d2af6c341bb820dc670629200d456ac5fc8e9d79da"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ContactsByPhone"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"phone"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contactsByPhone"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"phone"},"value":{"kind":"Variable","name":{"kind":"Name","value":"phone"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"name"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"full"}}]}},{"kind":"Field","name":{"kind":"Name","value":"primaryPhone"}}]}}]}}]} as unknown as DocumentNode<ContactsByPhoneQuery, ContactsByPhoneQueryVariables>;
export const CallPermissionDocument = {"__meta__":{"hash":"sha256:59904375d2862832c3d01cc773002dfb3beddd84a45ad738257c50e25411eb15"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CallPermission"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"phone"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CallPurpose"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"at"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"callPermission"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"phone"},"value":{"kind":"Variable","name":{"kind":"Name","value":"phone"}}},{"kind":"Argument","name":{"kind":"Name","value":"purpose"},"value":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}}},{"kind":"Argument","name":{"kind":"Name","value":"at"},"value":{"kind":"Variable","name":{"kind":"Name","value":"at"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"nextAllowedAt"}},{"kind":"Field","name":{"kind":"Name","value":"decisionId"}},{"kind":"Field","name":{"kind":"Name","value":"hypothetical"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"zones"}},{"kind":"Field","name":{"kind":"Name","value":"suppressionLists"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"list"}},{"kind":"Field","name":{"kind":"Name","value":"downloadedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reassignedCheck"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}},{"kind":"Field","name":{"kind":"Name","value":"obligations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}}]}}]}}]} as unknown as DocumentNode<CallPermissionQuery, CallPermissionQueryVariables>;
export const ConsentRevocationsDocument = {"__meta__":{"hash":"sha256:eacc91f64dd4509f4ca9d3908c0071070c3c3e474ebe49742712d1acc35c4c12"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ConsentRevocations"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"phones"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"consentRevoked"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"phones"},"value":{"kind":"Variable","name":{"kind":"Name","value":"phones"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"eventId"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}}]}}]}}]} as unknown as DocumentNode<ConsentRevocationsSubscription, ConsentRevocationsSubscriptionVariables>;
export const PlatformsCallPermissionDocument = {"__meta__":{"hash":"sha256:b52db4c2a9b436312e42f160f4bec300dbb159564dc441e29bbd2ada1cd1ac30"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PlatformsCallPermission"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"phone"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CallPurpose"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"callPermission"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"phone"},"value":{"kind":"Variable","name":{"kind":"Name","value":"phone"}}},{"kind":"Argument","name":{"kind":"Name","value":"purpose"},"value":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"decisionId"}},{"kind":"Field","name":{"kind":"Name","value":"nextAllowedAt"}},{"kind":"Field","name":{"kind":"Name","value":"obligations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}}]}}]}}]} as unknown as DocumentNode<PlatformsCallPermissionQuery, PlatformsCallPermissionQueryVariables>;
export const PlatformsCallContextDocument = {"__meta__":{"hash":"sha256:6dae1a289912587d7adab984fa2d8417f297586f220c9487055ac2279a129495"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PlatformsCallContext"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"phone"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CallPurpose"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contactsByPhone"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"phone"},"value":{"kind":"Variable","name":{"kind":"Name","value":"phone"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"name"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"full"}}]}},{"kind":"Field","name":{"kind":"Name","value":"intentStage"}},{"kind":"Field","name":{"kind":"Name","value":"freshness"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"stale"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lastInteraction"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"summary"}},{"kind":"Field","name":{"kind":"Name","value":"disposition"}},{"kind":"Field","name":{"kind":"Name","value":"callDisposition"}}]}},{"kind":"Field","name":{"kind":"Name","value":"callPermission"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"purpose"},"value":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"decisionId"}},{"kind":"Field","name":{"kind":"Name","value":"nextAllowedAt"}},{"kind":"Field","name":{"kind":"Name","value":"obligations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}}]}}]}}]}}]} as unknown as DocumentNode<PlatformsCallContextQuery, PlatformsCallContextQueryVariables>;
export const PlatformsOptOutDocument = {"__meta__":{"hash":"sha256:2150d738cf2dc83708d9065eb567c6dfc73ddeaab4d93b37389c7caa1c89c8ed"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PlatformsOptOut"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RevokeConsentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeConsent"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"eventId"}},{"kind":"Field","name":{"kind":"Name","value":"created"}}]}}]}}]} as unknown as DocumentNode<PlatformsOptOutMutation, PlatformsOptOutMutationVariables>;
export const PlatformsRecordOutcomeDocument = {"__meta__":{"hash":"sha256:8396e04fb80a0a1f80c9d0f2461baa462d04d5a94a3e3494d2bae2aa1745b136"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PlatformsRecordOutcome"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CallOutcomeInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recordCallOutcome"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"duplicate"}}]}}]}}]} as unknown as DocumentNode<PlatformsRecordOutcomeMutation, PlatformsRecordOutcomeMutationVariables>;