import type { Disposition, EndOfCall } from '../core/types.js';
import type { TelnyxCallEnded } from './parse.js';

/** Telnyx `hangup_cause` values → our dispositions; a finished AI conversation was connected. */
export function telnyxDisposition(event: TelnyxCallEnded['data']): Disposition {
  if (event.event_type === 'call.conversation.ended') return 'CONNECTED';
  switch (event.payload.hangup_cause) {
    case 'normal_clearing':
      return 'CONNECTED';
    case 'user_busy':
      return 'BUSY';
    case 'no_answer':
    case 'timeout':
    case 'originator_cancel':
      return 'NO_ANSWER';
    case 'unallocated_number':
    case 'invalid_number_format':
      return 'WRONG_NUMBER';
    default:
      return 'FAILED';
  }
}

/** The customer is `to` on calls we placed (`outgoing`), `from` otherwise. */
export function telnyxCustomer(payload: TelnyxCallEnded['data']['payload']): string | null {
  return (payload.direction === 'outgoing' ? payload.to : payload.from) ?? null;
}

export function telnyxEndOfCall(event: TelnyxCallEnded, now: number): EndOfCall {
  const { payload } = event.data;
  const duration =
    payload.duration_sec ??
    (payload.start_time && payload.end_time
      ? (Date.parse(payload.end_time) - Date.parse(payload.start_time)) / 1000
      : undefined);
  return {
    platform: 'telnyx',
    // Both events of a call carry its call_control_id: the outcome's key, so the second writes nothing.
    callId: payload.call_control_id,
    customerPhone: telnyxCustomer(payload),
    disposition: telnyxDisposition(event.data),
    durationSeconds: duration !== undefined && Number.isFinite(duration) ? Math.max(0, Math.round(duration)) : null,
    endedAt: new Date(Date.parse(payload.end_time ?? event.data.occurred_at ?? '') || now).toISOString(),
  };
}
