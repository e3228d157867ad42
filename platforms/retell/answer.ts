import type { PlatformReply } from '../core/adapter.js';
import type { CallContext, ToolResult } from '../core/types.js';
import { contextVariables } from '../core/variables.js';

/**
 * Retell's inbound-call answer: `{ call_inbound: { dynamic_variables, metadata } }`. A denied call
 * keeps its agent but `dialplane_call_allowed` is "false" and the reasons are in
 * `dialplane_deny_reasons`: the agent's prompt branches on them (docs/platforms.md), or, with
 * RETELL_DENIED_AGENT_ID, the call goes to an agent that only explains and ends the call.
 */
export function retellInboundAnswer(context: CallContext, deniedAgentId: string | undefined): PlatformReply {
  const denied = !context.permission.allowed;
  return {
    status: 200,
    body: {
      call_inbound: {
        dynamic_variables: contextVariables(context),
        metadata: {
          dialplane_contact_id: context.contact?.id ?? null,
          dialplane_decision_id: context.permission.decisionId,
        },
        ...(denied && deniedAgentId ? { override_agent_id: deniedAgentId } : {}),
      },
    },
  };
}

/** A custom function's answer: Retell hands the body to the model as the function result. */
export function retellFunctionAnswer(result: ToolResult): PlatformReply {
  return { status: 200, body: { ok: result.ok, message: result.message, ...(result.data ?? {}) } };
}
