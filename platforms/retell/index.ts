import { parseJson, parseValue, type PlatformAdapter } from '../core/adapter.js';
import { parseToolCall } from '../core/tools.js';
import { retellFunctionAnswer, retellInboundAnswer } from './answer.js';
import { retellCallRef, retellEndOfCall, retellSpeech } from './map.js';
import { anyEvent, callEvent, functionCall, inboundCall } from './parse.js';
import { verifyRetell } from './verify.js';

/**
 * Retell: the number's inbound webhook (`/platforms/retell/inbound`), the agent's webhook
 * (`/platforms/retell/events`: call_ended / call_analyzed outcomes, transcript_updated opt-outs) and
 * custom functions (`/platforms/retell/functions`, the function name in the body).
 */
export function retellAdapter(options: { apiKey: string; deniedAgentId?: string }): PlatformAdapter {
  const verify = (request: Parameters<typeof verifyRetell>[1]) => verifyRetell(options.apiKey, request);
  return {
    name: 'retell',
    hooks: [
      {
        path: 'inbound',
        verify,
        async handle(request, core) {
          const body = parseJson(inboundCall, request.raw);
          const context = await core.callStart({ platform: 'retell', customerPhone: body.call_inbound.from_number });
          return retellInboundAnswer(context, options.deniedAgentId);
        },
      },
      {
        path: 'events',
        verify,
        async handle(request, core) {
          const envelope = parseJson(anyEvent, request.raw);
          if (!['call_started', 'call_ended', 'call_analyzed', 'transcript_updated'].includes(envelope.event))
            return { status: 204 };
          const { event, call } = parseValue(callEvent, envelope);
          if (event === 'transcript_updated') {
            const said = retellSpeech(call);
            if (said) await core.liveTranscript(retellCallRef(call), said);
          } else if (event === 'call_ended' || event === 'call_analyzed') {
            await core.endOfCall(retellEndOfCall(call, request.now));
          }
          return { status: 204 };
        },
      },
      {
        path: 'functions',
        verify,
        async handle(request, core) {
          const body = parseJson(functionCall, request.raw);
          const result = await core.tool(retellCallRef(body.call), parseToolCall(body.name, body.args));
          return retellFunctionAnswer(result);
        },
      },
    ],
  };
}
