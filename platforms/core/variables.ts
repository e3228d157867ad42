import type { CallContext, ToolResult } from './types.js';
import type { PromptVariables } from './adapter.js';

/**
 * The call-start context as prompt variables, the same names on every platform, so one prompt
 * works everywhere (docs/platforms.md lists them). Values are strings: every platform's template
 * engine substitutes strings. The prompt branches on `dialplane_call_allowed`.
 */
export function contextVariables(context: CallContext): PromptVariables {
  const { contact, permission } = context;
  const last = contact?.lastInteraction;
  return {
    dialplane_contact_status: context.contactStatus,
    dialplane_context_stale: String(context.stale),
    dialplane_contact_id: contact?.id ?? '',
    dialplane_contact_name: contact?.name ?? '',
    dialplane_intent_stage: contact?.intentStage ?? '',
    dialplane_last_interaction_at: last?.at ?? '',
    dialplane_last_interaction_summary: last?.summary ?? '',
    dialplane_last_interaction_disposition: last?.disposition ?? '',
    dialplane_call_allowed: String(permission.allowed),
    dialplane_deny_reasons: permission.reasons.join(','),
    dialplane_decision_id: permission.decisionId ?? '',
    dialplane_purpose: context.purpose,
    dialplane_obligations: permission.obligations.map((o) => o.detail).join(' '),
  };
}

/** What the assistant is told when the call must not proceed. */
export function deniedMessage(context: CallContext): string {
  return `This call cannot proceed (${context.permission.reasons.join(', ')}).`;
}

/** A tool's answer as the one string Vapi and Retell hand to the model. */
export function toolResultText(result: ToolResult): string {
  return JSON.stringify({ ok: result.ok, message: result.message, ...(result.data ?? {}) });
}
