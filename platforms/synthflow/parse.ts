import { z } from 'zod';

/**
 * Synthflow payloads: the inbound webhook (docs.synthflow.ai "Inbound Webhook") and the post-call
 * webhook (docs.synthflow.ai "Webhooks": the call with its status, duration, transcript and the
 * lead's number). ⚠️ The post-call field names below are the documented ones we rely on; the
 * rest passes.
 */
export const inboundCall = z.object({
  event: z.literal('call_inbound'),
  call_inbound: z.object({
    model_id: z.string().optional(),
    from_number: z.string().min(1).max(64),
    to_number: z.string().min(1).max(64),
  }),
});

export const postCall = z
  .object({
    status: z.string().max(50).optional(),
    lead: z
      .object({ phone_number: z.string().max(64).optional(), name: z.string().optional() })
      .passthrough()
      .optional(),
    call: z
      .object({
        call_id: z.string().min(1).max(200),
        status: z.string().max(50).optional(),
        end_call_reason: z.string().max(200).optional(),
        duration: z.number().min(0).optional(),
        transcript: z.string().max(200_000).optional(),
        end_time: z.string().optional(),
      })
      .passthrough(),
  })
  .passthrough();
export type SynthflowPostCall = z.infer<typeof postCall>;
