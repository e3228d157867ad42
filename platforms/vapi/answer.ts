import type { PlatformReply } from '../core/adapter.js';
import type { CallContext, ToolResult } from '../core/types.js';
import { contextVariables, deniedMessage, toolResultText } from '../core/variables.js';

/**
 * Vapi's answers: `assistant-request` → the assistant with `assistantOverrides.variableValues`
 * (allowed), or `{ error }`, which Vapi speaks to the caller and then ends the call (denied);
 * `tool-calls` → `{ results: [{ toolCallId, result }] }`.
 */
export function vapiAssistantAnswer(context: CallContext, assistantId: string | undefined): PlatformReply {
  if (!context.permission.allowed) return { status: 200, body: { error: deniedMessage(context) } };
  return {
    status: 200,
    body: {
      ...(assistantId ? { assistantId } : {}),
      assistantOverrides: { variableValues: contextVariables(context) },
    },
  };
}

export function vapiToolAnswer(results: { toolCallId: string; result: ToolResult }[]): PlatformReply {
  return {
    status: 200,
    body: { results: results.map((r) => ({ toolCallId: r.toolCallId, result: toolResultText(r.result) })) },
  };
}
