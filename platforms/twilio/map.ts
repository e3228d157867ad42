import type { Disposition, EndOfCall } from '../core/types.js';
import type { TwilioStatus } from './parse.js';

/** Twilio's final CallStatus (and AnsweredBy, with answering-machine detection) → our dispositions. */
export function twilioDisposition(status: TwilioStatus): Disposition {
  if (status.AnsweredBy?.startsWith('machine')) return 'VOICEMAIL';
  switch (status.CallStatus) {
    case 'completed':
      return 'CONNECTED';
    case 'busy':
      return 'BUSY';
    case 'no-answer':
    case 'canceled':
      return 'NO_ANSWER';
    default:
      return 'FAILED';
  }
}

export function twilioEndOfCall(status: TwilioStatus, now: number): EndOfCall {
  const inbound = status.Direction === 'inbound';
  return {
    platform: 'twilio',
    callId: status.CallSid,
    customerPhone: (inbound ? status.From : status.To) ?? null,
    disposition: twilioDisposition(status),
    durationSeconds: status.CallDuration ?? null,
    endedAt: new Date(Date.parse(status.Timestamp ?? '') || now).toISOString(),
  };
}
