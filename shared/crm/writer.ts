import { createHash } from 'node:crypto';
import { DialplaneError, ErrorCode } from '../errors.js';
import type { CrmSource, IntentStage } from './connector.js';

/**
 * The CRM writer interface: the write-back twin of the connector (connector.ts). A writer turns
 * one canonical call outcome into its CRM's writes (Task, call engagement, contact update) through
 * the CRM's official client; each CRM implements it in crm/<name>/writer.ts and the write-back
 * worker (subgraphs/engagement/worker/) finds it through the registry (crm/registry.ts).
 */

export const DISPOSITIONS = [
  'CONNECTED',
  'VOICEMAIL',
  'NO_ANSWER',
  'BUSY',
  'WRONG_NUMBER',
  'OPTED_OUT',
  'CALLBACK_REQUESTED',
  'NOT_INTERESTED',
  'FAILED',
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export const INTENT_STAGES = [
  'NEW',
  'ATTEMPTING',
  'ENGAGED',
  'QUALIFIED',
  'OPPORTUNITY',
  'NEGOTIATION',
  'CUSTOMER',
  'LOST',
  'UNQUALIFIED',
  'UNKNOWN',
] as const satisfies readonly IntentStage[];

export const NEXT_ACTIONS = [
  'NONE',
  'CALL_BACK',
  'SEND_EMAIL',
  'SCHEDULE_MEETING',
  'HAND_OFF',
  'DO_NOT_CONTACT',
] as const;
export type NextAction = (typeof NEXT_ACTIONS)[number];

/** What a writer reads of a stored call outcome (the engagement store's StoredOutcome satisfies it). */
export interface OutcomeToWrite {
  /** Our outcome id. */
  id: string;
  idempotencyKey: string;
  /** The contact's record id in its CRM (`003…`, a HubSpot id). */
  crmContactId: string;
  callId: string;
  decisionId: string;
  disposition: Disposition;
  summary: string | null;
  intentStage: IntentStage | null;
  nextAction: NextAction | null;
  nextActionAt: string | null;
  durationSeconds: number | null;
  /** ISO 8601. */
  occurredAt: string;
  optOut: boolean;
}

export class WriteBackError extends DialplaneError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly retryable: boolean,
    context: { crm: CrmSource; crmCode?: string; status?: number; step?: string },
    /** The CRM asked us to slow down for this long (rate limits). */
    readonly retryAfterMs?: number,
  ) {
    super(code, message, context);
    this.name = 'WriteBackError';
  }
  get crmCode(): string | undefined {
    return this.context.crmCode as string | undefined;
  }
}

export interface WriteResult {
  /** The CRM record that now holds the call (Task id, call engagement id). */
  crmRecordId: string;
  /** Requests made, for throughput accounting. */
  requests: number;
}

/**
 * One CRM's writes of an outcome, through its official client with the client's own retries
 * switched off: retries belong to the job queue, which backs off durably and survives a crash.
 * Every failure leaves as a WriteBackError with a registered code, whether it can succeed later,
 * and how long the CRM asked us to wait.
 */
export interface CrmWriter {
  readonly crm: CrmSource;
  /** Writes one outcome; `beforeRequest` runs before every HTTP request (the shared rate limit). */
  write(outcome: OutcomeToWrite, beforeRequest: () => Promise<void>): Promise<WriteResult>;
  close(): void;
}

export const WRITER_POLICY = {
  /** A CRM request that takes longer is abandoned and the job retried (idempotent writes make that safe). */
  requestTimeoutMs: 10_000,
  /**
   * Fleet-wide pauses after a rate-limit answer that says nothing about when to come back. A
   * probe after the pause costs one request; waiting a whole HubSpot window (10 s) or guessing at
   * Salesforce's rolling 24 h budget would cost far more throughput than it saves.
   */
  pauseMs: {
    hubspotSecondly: 1_000,
    hubspotTenSecondly: 2_000,
    hubspotDaily: 60 * 60_000,
    salesforceConcurrent: 1_000,
    salesforceTotal: 1_000,
  },
} as const;

/** `promise`, or a retryable CRM_UNAVAILABLE WriteBackError after `ms`. */
export function withWriteTimeout<T>(crm: CrmSource, step: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new WriteBackError(ErrorCode.CRM_UNAVAILABLE, `${crm} ${step} timed out after ${ms} ms`, true, {
            crm,
            step,
            crmCode: ErrorCode.TIMEOUT,
          }),
        ),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --- the write mapping both CRMs share (each CRM's own tables are in crm/<name>/write-mapping.ts) ---

/**
 * Version of the write mapping (this file's tables and every crm/<name>/write-mapping.ts): a change
 * to any of them bumps it. The read side (crm/<name>/read-mapping.ts) maps the same CRM values
 * back, so what we write reads back as the same canonical values.
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

export const NEXT_ACTION_LABEL: Readonly<Record<NextAction, string>> = {
  NONE: 'none',
  CALL_BACK: 'call back',
  SEND_EMAIL: 'send email',
  SCHEDULE_MEETING: 'schedule meeting',
  HAND_OFF: 'hand off to a person',
  DO_NOT_CONTACT: 'do not contact',
};

/**
 * The CRM-side idempotency key of one outcome: deterministic from our idempotency key, fixed
 * length and charset so it fits Salesforce's external-id field and HubSpot's unique property
 * whatever the caller's key looks like.
 */
export function crmKeyOf(idempotencyKey: string): string {
  return `dp1_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

/** Notes body: the summary, then the agreed next step and the call reference. */
export function descriptionOf(outcome: OutcomeToWrite): string {
  const lines = [outcome.summary ?? ''];
  if (outcome.nextAction && outcome.nextAction !== 'NONE') {
    lines.push(
      `Next action: ${NEXT_ACTION_LABEL[outcome.nextAction]}${outcome.nextActionAt ? ` at ${outcome.nextActionAt}` : ''}`,
    );
  }
  lines.push(`Call ${outcome.callId} (dialplane outcome ${outcome.id}, decision ${outcome.decisionId})`);
  return lines.filter(Boolean).join('\n');
}
