import {
  DISPOSITION_LABEL,
  NEXT_ACTION_LABEL,
  crmKeyOf,
  descriptionOf,
  type OutcomeToWrite,
} from '../../shared/crm/writer.js';

/**
 * Canonical call outcome -> Salesforce's writes. Pure functions, versioned with the shared write
 * mapping (WRITE_MAPPING_VERSION in shared/crm/writer.ts): a change to any table below bumps it.
 * The read side (read-mapping.ts) maps the same values back.
 */

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
export function salesforceTaskOf(outcome: OutcomeToWrite): SalesforceTaskWrite {
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
export function salesforceFollowUpOf(outcome: OutcomeToWrite): SalesforceTaskWrite | null {
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
export function salesforceContactUpdateOf(outcome: OutcomeToWrite): Record<string, string | boolean> | null {
  // Salesforce keeps intent on opportunities, which a call outcome does not move by itself; the
  // only contact field a call changes is the do-not-call flag.
  return outcome.optOut ? { DoNotCall: true } : null;
}
