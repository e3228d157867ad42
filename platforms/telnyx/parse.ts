import { z } from 'zod';

/**
 * Telnyx payloads: every webhook is `{ data: { event_type, id, occurred_at, payload } }`
 * (developers.telnyx.com, Call Control callbacks and the AI Assistant dynamic-variables webhook).
 */

const envelope = <P extends z.ZodType>(eventType: z.ZodType<string>, payload: P) =>
  z.object({
    data: z.object({
      event_type: eventType,
      id: z.string().min(1).max(200),
      occurred_at: z.string().optional(),
      payload,
    }),
  });

export const initialization = envelope(
  z.literal('assistant.initialization'),
  z
    .object({
      telnyx_end_user_target: z.string().min(1).max(200),
      telnyx_agent_target: z.string().max(200).optional(),
      telnyx_end_user_target_verified: z.boolean().optional(),
      telnyx_conversation_channel: z.string().optional(),
      call_control_id: z.string().max(200).optional(),
    })
    .passthrough(),
);

const callPayload = z
  .object({
    call_control_id: z.string().min(1).max(200),
    call_session_id: z.string().max(200).optional(),
    from: z.string().max(200).optional(),
    to: z.string().max(200).optional(),
    direction: z.string().optional(),
    start_time: z.string().optional(),
    end_time: z.string().optional(),
    hangup_cause: z.string().max(100).optional(),
    hangup_source: z.string().max(100).optional(),
    duration_sec: z.number().min(0).optional(),
  })
  .passthrough();

export const callEnded = envelope(z.enum(['call.hangup', 'call.conversation.ended']), callPayload);
export type TelnyxCallEnded = z.infer<typeof callEnded>;

export const anyEvent = z.object({ data: z.object({ event_type: z.string().min(1) }).passthrough() });
