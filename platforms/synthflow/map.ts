import { customerSpeech } from '../core/transcript.js';
import type { Disposition, EndOfCall } from '../core/types.js';
import type { SynthflowPostCall } from './parse.js';

export function synthflowDisposition(body: SynthflowPostCall): Disposition {
  const status = (body.call.status ?? body.status ?? '').toLowerCase();
  const reason = (body.call.end_call_reason ?? '').toLowerCase();
  if (status.includes('voicemail') || reason.includes('voicemail')) return 'VOICEMAIL';
  if (status.includes('busy')) return 'BUSY';
  if (status.includes('no-answer') || status.includes('no_answer') || status.includes('unanswered')) return 'NO_ANSWER';
  if (status.includes('fail') || status.includes('error')) return 'FAILED';
  return 'CONNECTED';
}

export function synthflowEndOfCall(body: SynthflowPostCall, now: number): EndOfCall {
  return {
    platform: 'synthflow',
    callId: body.call.call_id,
    customerPhone: body.lead?.phone_number ?? null,
    disposition: synthflowDisposition(body),
    durationSeconds: body.call.duration !== undefined ? Math.round(body.call.duration) : null,
    endedAt: new Date(Date.parse(body.call.end_time ?? '') || now).toISOString(),
    transcript: customerSpeech(body.call.transcript),
  };
}
