import { ack, parseJson, type PlatformAdapter } from '../core/adapter.js';
import { synthflowInboundAnswer } from './answer.js';
import { synthflowEndOfCall } from './map.js';
import { inboundCall, postCall } from './parse.js';
import { verifySynthflow } from './verify.js';

/** Synthflow: the inbound webhook (`/platforms/synthflow/inbound`, 10 s budget) and the post-call webhook (`/platforms/synthflow/webhook`). */
export function synthflowAdapter(options: { secret: string }): PlatformAdapter {
  const verify = (request: Parameters<typeof verifySynthflow>[1]) => verifySynthflow(options.secret, request);
  return {
    name: 'synthflow',
    hooks: [
      {
        path: 'inbound',
        verify,
        async handle(request, core) {
          const body = parseJson(inboundCall, request.raw);
          return synthflowInboundAnswer(
            await core.callStart({ platform: 'synthflow', customerPhone: body.call_inbound.from_number }),
          );
        },
      },
      {
        path: 'webhook',
        verify,
        async handle(request, core) {
          const result = await core.endOfCall(synthflowEndOfCall(parseJson(postCall, request.raw), request.now));
          return ack({ received: true, result: result.kind });
        },
      },
    ],
  };
}
