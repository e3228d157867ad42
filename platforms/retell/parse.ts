import { z } from 'zod';

/**
 * Retell payloads (docs.retellai.com "Inbound call webhook", "Webhook", "Custom function"). Only
 * the fields we use are declared; others pass.
 */

export const inboundCall = z.object({
  event: z.literal('call_inbound'),
  call_inbound: z.object({
    agent_id: z.string().optional(),
    from_number: z.string().min(1).max(64),
    to_number: z.string().min(1).max(64),
  }),
});

const turn = z.object({ role: z.string(), content: z.string().max(100_000) }).passthrough();

export const call = z
  .object({
    call_id: z.string().min(1).max(200),
    direction: z.enum(['inbound', 'outbound']).optional(),
    from_number: z.string().max(64).optional(),
    to_number: z.string().max(64).optional(),
    start_timestamp: z.number().int().optional(),
    end_timestamp: z.number().int().optional(),
    duration_ms: z.number().int().min(0).optional(),
    transcript: z.string().max(200_000).optional(),
    transcript_object: z.array(turn).optional(),
    disconnection_reason: z.string().max(200).optional(),
    call_analysis: z
      .object({
        call_summary: z.string().max(32_000).optional(),
        in_voicemail: z.boolean().optional(),
        custom_analysis_data: z.record(z.string(), z.unknown()).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type RetellCall = z.infer<typeof call>;

export const callEvent = z.object({
  event: z.enum(['call_started', 'call_ended', 'call_analyzed', 'transcript_updated']),
  call,
});
export const anyEvent = z.object({ event: z.string().min(1) }).passthrough();

export const functionCall = z.object({
  name: z.string().min(1).max(100),
  call,
  args: z.record(z.string(), z.unknown()).default({}),
});
