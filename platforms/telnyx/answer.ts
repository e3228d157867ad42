import type { PlatformReply } from '../core/adapter.js';
import type { CallContext } from '../core/types.js';
import { contextVariables } from '../core/variables.js';

/**
 * Telnyx's dynamic-variables answer must be `{ "dynamic_variables": { … } }` (a flat object is
 * ignored). Telnyx has no way to refuse the conversation from this webhook: a denied call carries
 * `dialplane_call_allowed: "false"` and its reasons, and the assistant's instructions branch on
 * them (docs/platforms.md). On timeout Telnyx proceeds with defaults, so the defaults in the
 * assistant must say "not allowed".
 */
export function telnyxVariablesAnswer(context: CallContext): PlatformReply {
  return { status: 200, body: { dynamic_variables: contextVariables(context) } };
}
