import type { IntentStage } from '../../shared/crm/connector.js';
import {
  DISPOSITION_LABEL,
  crmKeyOf,
  descriptionOf,
  type Disposition,
  type OutcomeToWrite,
} from '../../shared/crm/writer.js';

/**
 * Canonical call outcome -> HubSpot's writes. Pure functions, versioned with the shared write
 * mapping (WRITE_MAPPING_VERSION in shared/crm/writer.ts): a change to any table below bumps it.
 * The read side (read-mapping.ts) maps the same values back (LEAD_STATUS_INTENT).
 */

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

export function hubspotCallOf(outcome: OutcomeToWrite): HubspotCallWrite {
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
export function hubspotContactUpdateOf(outcome: OutcomeToWrite): Record<string, string> | null {
  const properties: Record<string, string> = {};
  if (outcome.optOut) properties.dialplane_do_not_call = 'true';
  const leadStatus = outcome.intentStage ? INTENT_LEAD_STATUS[outcome.intentStage] : undefined;
  if (leadStatus) properties.hs_lead_status = leadStatus;
  return Object.keys(properties).length > 0 ? properties : null;
}
