import type { CallRef, Disposition, EndOfCall } from '../core/types.js';
import type { EndOfCallReport } from './parse.js';
import { customerSpeech } from '../core/transcript.js';

/** Vapi's `endedReason` values (docs.vapi.ai "Call ended reasons") → our dispositions. */
export function vapiDisposition(endedReason: string, durationSeconds: number | undefined): Disposition {
  const reason = endedReason.toLowerCase();
  if (reason === 'voicemail' || reason.includes('voicemail')) return 'VOICEMAIL';
  if (reason === 'customer-busy' || reason.endsWith('-busy')) return 'BUSY';
  if (reason === 'customer-did-not-answer' || reason.includes('no-answer')) return 'NO_ANSWER';
  if (reason.includes('error') || reason.includes('failed') || reason.includes('fault')) return 'FAILED';
  if (reason.includes('forwarded') || reason.includes('transfer')) return 'CONNECTED';
  return durationSeconds === 0 ? 'NO_ANSWER' : 'CONNECTED';
}

export function vapiCallRef(message: { call: { id: string }; customer?: { number?: string } }): CallRef {
  return { platform: 'vapi', callId: message.call.id, customerPhone: message.customer?.number ?? null };
}

export function vapiEndOfCall(report: EndOfCallReport, now: number): EndOfCall {
  const structured = report.analysis?.structuredData ?? {};
  return {
    platform: 'vapi',
    callId: report.call.id,
    customerPhone: report.customer?.number ?? null,
    disposition: vapiDisposition(report.endedReason, report.durationSeconds),
    summary: report.analysis?.summary ?? null,
    durationSeconds: report.durationSeconds !== undefined ? Math.round(report.durationSeconds) : null,
    endedAt: report.endedAt ?? toIso(report.timestamp) ?? new Date(now).toISOString(),
    transcript: customerSpeech(report.artifact?.transcript),
    // The structured output third parties add for Vapi's missing DNC detection.
    optOutDetected: structured.caller_requested_do_not_call === true || structured.do_not_call === true,
  };
}

function toIso(timestamp: number | string | undefined): string | null {
  if (timestamp === undefined) return null;
  const ms = typeof timestamp === 'number' ? timestamp : Date.parse(timestamp);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
