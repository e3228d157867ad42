import type { Disposition } from './types.js';

/** The gateway's `CallOutcomeInput`, as this service sends it. */
export type NextAction = 'NONE' | 'CALL_BACK' | 'SEND_EMAIL' | 'SCHEDULE_MEETING' | 'HAND_OFF' | 'DO_NOT_CONTACT';

export interface CallOutcomeInput {
  contactId: string;
  callId: string;
  decisionId: string;
  idempotencyKey: string;
  disposition: Disposition;
  summary?: string | null;
  nextAction?: NextAction | null;
  nextActionAt?: string | null;
  durationSeconds?: number | null;
  occurredAt: string;
  optOutDetected?: boolean | null;
  phone?: string | null;
  transcript?: string | null;
}
