import { createHash } from 'node:crypto';
import type { Disposition, IntentStage, StoredOutcome } from '../intake/outcome.js';

/**
 * Canonical call outcome -> the CRM's writes. Pure functions, versioned: a change to any table
 * below bumps WRITE_MAPPING_VERSION. The read side (subgraphs/<crm>/mapping.ts) maps the same CRM
 * values back, so what we write reads back as the same canonical values.
 */
export const WRITE_MAPPING_VERSION = 'engagement-writeback@1';

/** Human labels, as both CRMs show call outcomes. */
export const DISPOSITION_LABEL: Readonly<Record<Disposition, string>> = {
  CONNECTED: 'Connected',
  VOICEMAIL: 'Left voicemail',
  NO_ANSWER: 'No answer',
  BUSY: 'Busy',
  WRONG_NUMBER: 'Wrong number',
  OPTED_OUT: 'Connected - opted out',
  CALLBACK_REQUESTED: 'Connected - callback requested',
  NOT_INTERESTED: 'Connected - not interested',
  FAILED: 'Call failed',
};

/**
 * The CRM-side idempotency key of one outcome: deterministic from our idempotency key, fixed
 * length and charset so it fits Salesforce's external-id field and HubSpot's unique property
 * whatever the caller's key looks like.
 */
export function crmKeyOf(idempotencyKey: string): string {
  return `dp1_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

// --- Salesforce -------------------------------------------------------------------------------

export const SALESFORCE_TASK_EXTERNAL_ID = 'Dialplane_Key__c';

export interface SalesforceTaskWrite {
  /** The external id value the Task is upserted by. */
  key: string;
  fields: Record<string, string | number | boolean | null>;
}

/**
 * The call Task. TaskSubtype is left out on purpose: Salesforce accepts it only on create, and an
 * upsert that lands on an existing Task (a retry after a crash) would then be rejected.
 */
export function salesforceTaskOf(outcome: StoredOutcome): SalesforceTaskWrite {
  const label = DISPOSITION_LABEL[outcome.disposition];
  return {
    key: crmKeyOf(outcome.idempotencyKey),
    fields: {
      WhoId: outcome.crmContactId,
      Subject: `Call: ${label}`,
      Status: 'Completed',
      Priority: 'Normal',
      CallType: 'Outbound',
      CallDisposition: label,
      CallDurationInSeconds: outcome.durationSeconds,
      ActivityDate: outcome.occurredAt.slice(0, 10),
      Description: descriptionOf(outcome),
    },
  };
}

/** A follow-up Task for the agreed next action (its own external id, so it is idempotent too). */
export function salesforceFollowUpOf(outcome: StoredOutcome): SalesforceTaskWrite | null {
  if (!outcome.nextAction || outcome.nextAction === 'NONE' || outcome.nextAction === 'DO_NOT_CONTACT') return null;
  return {
    key: crmKeyOf(`${outcome.idempotencyKey}#next`),
    fields: {
      WhoId: outcome.crmContactId,
      Subject: `Follow-up: ${NEXT_ACTION_LABEL[outcome.nextAction]}`,
      Status: 'Not Started',
      Priority: 'Normal',
      ActivityDate: (outcome.nextActionAt ?? outcome.occurredAt).slice(0, 10),
    },
  };
}

/** Contact fields the outcome changes; null when it changes none. */
export function salesforceContactUpdateOf(outcome: StoredOutcome): Record<string, string | boolean> | null {
  // Salesforce keeps intent on opportunities, which a call outcome does not move by itself; the
  // only contact field a call changes is the do-not-call flag.
  return outcome.optOut ? { DoNotCall: true } : null;
}

// --- HubSpot ----------------------------------------------------------------------------------

/** HubSpot's default call-disposition GUIDs (identical in every portal). */
export const HUBSPOT_DISPOSITION_GUID: Readonly<Record<Disposition, string | null>> = {
  CONNECTED: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
  VOICEMAIL: 'b2cf5968-551e-4856-9783-52b3da59a7d0',
  NO_ANSWER: '73a0d17f-1163-4015-bdd5-ec830791da20',
  BUSY: '9d9162e7-6cf3-4944-bf63-4dff82258764',
  WRONG_NUMBER: '17b47fee-58de-441e-a44c-c6300d46f273',
  // Reached a person; what they said is in the notes and the contact update.
  OPTED_OUT: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
  CALLBACK_REQUESTED: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
  NOT_INTERESTED: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
  FAILED: null,
};

const HUBSPOT_CALL_STATUS: Readonly<Record<Disposition, string>> = {
  CONNECTED: 'COMPLETED',
  VOICEMAIL: 'COMPLETED',
  NO_ANSWER: 'NO_ANSWER',
  BUSY: 'BUSY',
  WRONG_NUMBER: 'COMPLETED',
  OPTED_OUT: 'COMPLETED',
  CALLBACK_REQUESTED: 'COMPLETED',
  NOT_INTERESTED: 'COMPLETED',
  FAILED: 'FAILED',
};

/** The inverse of the read side's LEAD_STATUS_INTENT, for the stages a lead status can express. */
export const INTENT_LEAD_STATUS: Readonly<Partial<Record<IntentStage, string>>> = {
  NEW: 'NEW',
  ATTEMPTING: 'ATTEMPTED_TO_CONTACT',
  ENGAGED: 'IN_PROGRESS',
  OPPORTUNITY: 'OPEN_DEAL',
  UNQUALIFIED: 'UNQUALIFIED',
};

export const HUBSPOT_CALL_KEY_PROPERTY = 'dialplane_key';
/** HUBSPOT_DEFINED association type: call -> contact. */
export const HUBSPOT_CALL_TO_CONTACT = 194;

export interface HubspotCallWrite {
  key: string;
  contactId: string;
  properties: Record<string, string>;
}

export function hubspotCallOf(outcome: StoredOutcome): HubspotCallWrite {
  const disposition = HUBSPOT_DISPOSITION_GUID[outcome.disposition];
  const properties: Record<string, string> = {
    [HUBSPOT_CALL_KEY_PROPERTY]: crmKeyOf(outcome.idempotencyKey),
    hs_timestamp: outcome.occurredAt,
    hs_call_title: `Call: ${DISPOSITION_LABEL[outcome.disposition]}`,
    hs_call_body: descriptionOf(outcome),
    hs_call_direction: 'OUTBOUND',
    hs_call_status: HUBSPOT_CALL_STATUS[outcome.disposition],
  };
  if (disposition) properties.hs_call_disposition = disposition;
  if (outcome.durationSeconds !== null) properties.hs_call_duration = String(outcome.durationSeconds * 1000);
  return { key: properties[HUBSPOT_CALL_KEY_PROPERTY]!, contactId: outcome.crmContactId, properties };
}

/** Contact properties the outcome changes (values as strings, as HubSpot takes them); null for none. */
export function hubspotContactUpdateOf(outcome: StoredOutcome): Record<string, string> | null {
  const properties: Record<string, string> = {};
  if (outcome.optOut) properties.dialplane_do_not_call = 'true';
  const leadStatus = outcome.intentStage ? INTENT_LEAD_STATUS[outcome.intentStage] : undefined;
  if (leadStatus) properties.hs_lead_status = leadStatus;
  return Object.keys(properties).length > 0 ? properties : null;
}

// --- shared -----------------------------------------------------------------------------------

const NEXT_ACTION_LABEL: Readonly<Record<string, string>> = {
  NONE: 'none',
  CALL_BACK: 'call back',
  SEND_EMAIL: 'send email',
  SCHEDULE_MEETING: 'schedule meeting',
  HAND_OFF: 'hand off to a person',
  DO_NOT_CONTACT: 'do not contact',
};

/** Notes body: the summary, then the agreed next step and the call reference. */
function descriptionOf(outcome: StoredOutcome): string {
  const lines = [outcome.summary ?? ''];
  if (outcome.nextAction && outcome.nextAction !== 'NONE') {
    lines.push(
      `Next action: ${NEXT_ACTION_LABEL[outcome.nextAction]}${outcome.nextActionAt ? ` at ${outcome.nextActionAt}` : ''}`,
    );
  }
  lines.push(`Call ${outcome.callId} (dialplane outcome ${outcome.id}, decision ${outcome.decisionId})`);
  return lines.filter(Boolean).join('\n');
}
