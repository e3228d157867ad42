import { ack, parseJson, type PlatformAdapter } from '../core/adapter.js';
import { blandDynamicDataAnswer } from './answer.js';
import { blandEndOfCall } from './map.js';
import { dynamicData, postCall } from './parse.js';
import { verifyBlandDynamicData, verifyBlandWebhook } from './verify.js';

/** Bland: the `dynamic_data` pull at call start (`/platforms/bland/dynamic-data`) and the post-call webhook (`/platforms/bland/webhook`). */
export function blandAdapter(options: { webhookSecret: string; dynamicDataToken: string }): PlatformAdapter {
  return {
    name: 'bland',
    hooks: [
      {
        path: 'dynamic-data',
        verify: (request) => verifyBlandDynamicData(options.dynamicDataToken, request),
        async handle(request, core) {
          const body = parseJson(dynamicData, request.raw);
          return blandDynamicDataAnswer(
            await core.callStart({ platform: 'bland', callId: body.call_id, customerPhone: body.phone_number }),
          );
        },
      },
      {
        path: 'webhook',
        verify: (request) => verifyBlandWebhook(options.webhookSecret, request),
        async handle(request, core) {
          const result = await core.endOfCall(blandEndOfCall(parseJson(postCall, request.raw), request.now));
          return ack({ received: true, result: result.kind });
        },
      },
    ],
  };
}
