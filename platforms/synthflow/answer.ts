import type { PlatformReply } from '../core/adapter.js';
import type { CallContext } from '../core/types.js';
import { contextVariables } from '../core/variables.js';

/**
 * Synthflow's inbound answer: `{ call_inbound: { override_model_id: "", custom_variables } }` keeps
 * the number's agent and hands it the variables. A denied call answers an empty `call_inbound`,
 * which Synthflow documents as "the call will be disconnected"; the reasons ride along beside it.
 */
export function synthflowInboundAnswer(context: CallContext): PlatformReply {
  if (!context.permission.allowed) {
    return {
      status: 200,
      body: { call_inbound: {}, dialplane: { allowed: false, reasons: context.permission.reasons } },
    };
  }
  return {
    status: 200,
    body: { call_inbound: { override_model_id: '', custom_variables: contextVariables(context) } },
  };
}
