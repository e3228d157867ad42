import { customerSpeech, customerTurns } from '../core/transcript.js';
import type { Disposition, EndOfCall } from '../core/types.js';
import type { BlandPostCall } from './parse.js';

export function blandDisposition(call: BlandPostCall): Disposition {
  if (call.error_message) return 'FAILED';
  const answeredBy = call.answered_by?.toLowerCase() ?? '';
  if (answeredBy === 'voicemail') return 'VOICEMAIL';
  if (answeredBy === 'no-answer' || call.status === 'no-answer') return 'NO_ANSWER';
  if (call.status === 'busy') return 'BUSY';
  if (call.completed === false && !call.call_length) return 'NO_ANSWER';
  return 'CONNECTED';
}

export function blandEndOfCall(call: BlandPostCall, now: number): EndOfCall {
  const said = call.transcripts?.length
    ? customerTurns(call.transcripts.map((t) => ({ role: t.user, text: t.text })))
    : customerSpeech(call.concatenated_transcript);
  return {
    platform: 'bland',
    callId: call.call_id,
    customerPhone: (call.inbound ? call.from : call.to) ?? null,
    disposition: blandDisposition(call),
    summary: call.summary ?? null,
    durationSeconds: call.call_length !== undefined ? Math.round(call.call_length * 60) : null,
    endedAt: new Date(Date.parse(call.end_at ?? '') || now).toISOString(),
    transcript: said,
  };
}
