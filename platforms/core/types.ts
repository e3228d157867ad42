import type { CallPurpose } from './config.js';

/** The voice platforms served under `/platforms/<name>/…`. */
export const PLATFORM_NAMES = ['vapi', 'retell', 'telnyx', 'twilio', 'bland', 'synthflow'] as const;
export type PlatformName = (typeof PLATFORM_NAMES)[number];

/** Canonical call dispositions (engagement's CallDisposition). */
export type Disposition =
  | 'CONNECTED'
  | 'VOICEMAIL'
  | 'NO_ANSWER'
  | 'BUSY'
  | 'WRONG_NUMBER'
  | 'OPTED_OUT'
  | 'CALLBACK_REQUESTED'
  | 'NOT_INTERESTED'
  | 'FAILED';

/** What a platform tells us when it asks for call-start context. */
export interface CallStartRequest {
  platform: PlatformName;
  /** The platform's call id, when it has one at this point (Retell's inbound webhook has none). */
  callId?: string;
  /** The customer's number (the caller on inbound calls, the callee on outbound), any format. */
  customerPhone: string;
}

export interface Permission {
  allowed: boolean;
  /** Every deny reason (empty when allowed). */
  reasons: string[];
  /** The consent decision's id, quoted when the outcome is recorded; null when no decision was made. */
  decisionId: string | null;
  obligations: { code: string; detail: string }[];
  nextAllowedAt: string | null;
}

export interface ContactSummary {
  id: string;
  name: string | null;
  source: string;
  intentStage: string | null;
  lastInteraction: { at: string | null; summary: string | null; disposition: string | null } | null;
}

/**
 * The call-start answer, platform-neutral. `contactStatus`:
 * - `known`: the number matched a contact (the first match in the gateway's CRM order);
 * - `unknown`: every CRM answered and none holds the number;
 * - `unavailable`: a CRM did not answer within the budget (context degraded, permission denied).
 */
export interface CallContext {
  contactStatus: 'known' | 'unknown' | 'unavailable';
  /** True when the contact came from a stale cache or could not be read at all. */
  stale: boolean;
  contact: ContactSummary | null;
  permission: Permission;
  purpose: CallPurpose;
  /** E.164 of the customer, null when the number could not be read. */
  phone: string | null;
}

/** A finished call, mapped from any platform's end-of-call event. */
export interface EndOfCall {
  platform: PlatformName;
  callId: string;
  customerPhone: string | null;
  disposition: Disposition;
  summary?: string | null;
  durationSeconds?: number | null;
  /** When the call ended (ISO 8601); from the payload, so a redelivery maps to the same outcome. */
  endedAt: string;
  /** Scanned for an opt-out, then discarded. */
  transcript?: string | null;
  /** The platform's own opt-out flag (Retell DNC detection, a structured output, …). */
  optOutDetected?: boolean;
}

export type EndOfCallResult =
  | { kind: 'recorded'; outcomeId: string; duplicate: boolean }
  | { kind: 'already-recorded' }
  | { kind: 'no-contact'; optOutRecorded: boolean };

/** The mid-call tools every platform exposes under its own names. */
export type ToolCall =
  | { tool: 'check_permission'; purpose?: CallPurpose }
  | { tool: 'record_opt_out' }
  | { tool: 'schedule_callback'; at?: string | null }
  | { tool: 'hand_off'; reason?: string | null };

export interface ToolResult {
  ok: boolean;
  /** One sentence for the assistant to act on. */
  message: string;
  data?: Record<string, unknown>;
}

export interface CallRef {
  platform: PlatformName;
  callId: string;
  customerPhone: string | null;
}

/** The shared flow every platform adapter calls; implemented once in platforms/core/core.ts. */
export interface PlatformCore {
  callStart(request: CallStartRequest): Promise<CallContext>;
  tool(call: CallRef, tool: ToolCall): Promise<ToolResult>;
  /** A live transcript update: an opt-out phrase revokes consent now. Returns true when it did. */
  liveTranscript(call: CallRef, text: string): Promise<boolean>;
  endOfCall(event: EndOfCall): Promise<EndOfCallResult>;
}
