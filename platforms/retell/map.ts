import { customerSpeech, customerTurns } from '../core/transcript.js';
import type { CallRef, Disposition, EndOfCall } from '../core/types.js';
import type { RetellCall } from './parse.js';

/** Retell's `disconnection_reason` values → our dispositions. */
export function retellDisposition(call: RetellCall): Disposition {
  if (call.call_analysis?.in_voicemail === true) return 'VOICEMAIL';
  const reason = call.disconnection_reason ?? '';
  if (reason === 'dial_no_answer') return 'NO_ANSWER';
  if (reason === 'dial_busy') return 'BUSY';
  if (reason === 'voicemail_reached') return 'VOICEMAIL';
  if (reason === 'invalid_destination') return 'WRONG_NUMBER';
  if (reason === 'dial_failed' || reason.startsWith('error') || reason.includes('error')) return 'FAILED';
  return 'CONNECTED';
}

/** The customer is the caller on inbound calls and the callee on outbound ones. */
export function retellCallRef(call: RetellCall): CallRef {
  return {
    platform: 'retell',
    callId: call.call_id,
    customerPhone: (call.direction === 'outbound' ? call.to_number : call.from_number) ?? null,
  };
}

export function retellSpeech(call: RetellCall): string | null {
  if (call.transcript_object?.length)
    return customerTurns(call.transcript_object.map((t) => ({ role: t.role, text: t.content })));
  return customerSpeech(call.transcript);
}

export function retellEndOfCall(call: RetellCall, now: number): EndOfCall {
  const custom = call.call_analysis?.custom_analysis_data ?? {};
  return {
    ...retellCallRef(call),
    disposition: retellDisposition(call),
    summary: call.call_analysis?.call_summary ?? null,
    durationSeconds: call.duration_ms !== undefined ? Math.round(call.duration_ms / 1000) : null,
    endedAt: new Date(call.end_timestamp ?? now).toISOString(),
    transcript: retellSpeech(call),
    optOutDetected: custom.do_not_call === true || custom.dnc_detected === true,
  };
}
