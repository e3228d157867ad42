import { ack, parseJson, parseValue, type PlatformAdapter } from '../core/adapter.js';
import { parseToolCall, toolArguments } from '../core/tools.js';
import { vapiAssistantAnswer, vapiToolAnswer } from './answer.js';
import { vapiCallRef, vapiEndOfCall } from './map.js';
import { assistantRequest, endOfCallReport, envelope, toolCalls, transcript } from './parse.js';
import { verifyVapi } from './verify.js';

/**
 * Vapi: one Server URL, `POST /platforms/vapi/events`, receives every server message; we answer
 * `assistant-request`, `tool-calls`, `transcript` (final user turns scanned for an opt-out) and
 * `end-of-call-report` (acknowledged only once the outcome is durable: Vapi does not retry it),
 * and acknowledge the rest.
 */
export function vapiAdapter(options: { secret: string; assistantId?: string }): PlatformAdapter {
  return {
    name: 'vapi',
    hooks: [
      {
        path: 'events',
        verify: (request) => verifyVapi(options.secret, request),
        async handle(request, core) {
          const { message } = parseJson(envelope, request.raw);
          if (message.type === 'assistant-request') {
            const m = parseValue(assistantRequest, message);
            const context = await core.callStart({
              platform: 'vapi',
              callId: m.call.id,
              customerPhone: m.customer?.number ?? '',
            });
            return vapiAssistantAnswer(context, options.assistantId);
          }
          if (message.type === 'tool-calls') {
            const m = parseValue(toolCalls, message);
            const calls = m.toolCallList.map((t) => ({
              id: t.id,
              call: parseToolCall(t.function?.name ?? t.name!, toolArguments(t.function?.arguments ?? t.parameters)),
            }));
            const results = [];
            for (const c of calls) results.push({ toolCallId: c.id, result: await core.tool(vapiCallRef(m), c.call) });
            return vapiToolAnswer(results);
          }
          if (message.type === 'transcript' || message.type.startsWith('transcript[')) {
            const m = parseValue(transcript, message);
            if (m.role === 'user' && m.transcriptType !== 'partial')
              await core.liveTranscript(vapiCallRef(m), m.transcript);
            return ack();
          }
          if (message.type === 'end-of-call-report') {
            const m = parseValue(endOfCallReport, message);
            const result = await core.endOfCall(vapiEndOfCall(m, request.now));
            return ack({ received: true, result: result.kind });
          }
          return ack();
        },
      },
    ],
  };
}
