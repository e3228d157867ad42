import { z } from 'zod';

/**
 * Bland payloads. `dynamic_data` posts the body the user configures (docs/platforms.md gives it:
 * `{ "phone_number": "{{phone_number}}", "call_id": "{{call_id}}" }`); the post-call webhook sends
 * the call (docs.bland.ai "Call webhook": call_id, to, from, call_length in minutes, answered_by,
 * summary, transcripts, …).
 */
export const dynamicData = z.object({
  phone_number: z.string().min(1).max(64),
  call_id: z.string().min(1).max(200).optional(),
});

export const postCall = z
  .object({
    call_id: z.string().min(1).max(200),
    to: z.string().max(64).optional(),
    from: z.string().max(64).optional(),
    inbound: z.boolean().optional(),
    completed: z.boolean().optional(),
    status: z.string().max(50).optional(),
    call_length: z.number().min(0).optional(),
    answered_by: z.string().max(50).nullish(),
    call_ended_by: z.string().max(50).nullish(),
    error_message: z.string().max(2_000).nullish(),
    summary: z.string().max(32_000).nullish(),
    concatenated_transcript: z.string().max(200_000).nullish(),
    transcripts: z.array(z.object({ user: z.string(), text: z.string().max(100_000) }).passthrough()).optional(),
    end_at: z.string().nullish(),
    created_at: z.string().nullish(),
    variables: z.record(z.string(), z.unknown()).nullish(),
  })
  .passthrough();
export type BlandPostCall = z.infer<typeof postCall>;
