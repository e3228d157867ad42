import { ack, parseJson, parseValue, type PlatformAdapter } from '../core/adapter.js';
import { telnyxVariablesAnswer } from './answer.js';
import { telnyxEndOfCall } from './map.js';
import { anyEvent, callEnded, initialization } from './parse.js';
import { telnyxPublicKey, verifyTelnyx } from './verify.js';

/**
 * Telnyx: the AI Assistant's `dynamic_variables_webhook_url` (`/platforms/telnyx/dynamic-variables`,
 * answered within the 1.5 s default) and the Call Control / assistant webhook
 * (`/platforms/telnyx/events`: `call.hangup`, `call.conversation.ended`).
 */
export function telnyxAdapter(options: { publicKey: string }): PlatformAdapter {
  const key = telnyxPublicKey(options.publicKey);
  const verify = (request: Parameters<typeof verifyTelnyx>[1]) => verifyTelnyx(key, request);
  return {
    name: 'telnyx',
    hooks: [
      {
        path: 'dynamic-variables',
        verify,
        async handle(request, core) {
          const { data } = parseJson(initialization, request.raw);
          const context = await core.callStart({
            platform: 'telnyx',
            callId: data.payload.call_control_id,
            customerPhone: data.payload.telnyx_end_user_target,
          });
          return telnyxVariablesAnswer(context);
        },
      },
      {
        path: 'events',
        verify,
        async handle(request, core) {
          const envelope = parseJson(anyEvent, request.raw);
          if (envelope.data.event_type !== 'call.hangup' && envelope.data.event_type !== 'call.conversation.ended')
            return ack();
          const result = await core.endOfCall(telnyxEndOfCall(parseValue(callEnded, envelope), request.now));
          return ack({ received: true, result: result.kind });
        },
      },
    ],
  };
}
