import type { PlatformReply } from '../core/adapter.js';
import type { CallContext } from '../core/types.js';
import { contextVariables } from '../core/variables.js';

/**
 * Bland's `dynamic_data` reads our JSON with its `response_data` paths (`$.dialplane_call_allowed`,
 * …): the variables at the top level. Bland cannot be refused from here: the prompt branches on
 * `dialplane_call_allowed` and says the reasons' sentence.
 */
export function blandDynamicDataAnswer(context: CallContext): PlatformReply {
  return { status: 200, body: contextVariables(context) };
}
