import { z } from 'zod';

/** Twilio's status callback (twilio.com/docs/voice/api/call-resource#statuscallback): form-encoded. */
export const statusCallback = z
  .object({
    CallSid: z.string().regex(/^CA[0-9a-f]{32}$/i, 'a Twilio call SID'),
    CallStatus: z.enum([
      'queued',
      'initiated',
      'ringing',
      'in-progress',
      'completed',
      'busy',
      'no-answer',
      'failed',
      'canceled',
    ]),
    From: z.string().max(64).optional(),
    To: z.string().max(64).optional(),
    Direction: z.string().max(40).optional(),
    CallDuration: z.coerce.number().int().min(0).optional(),
    Timestamp: z.string().optional(),
    AnsweredBy: z.string().optional(),
  })
  .passthrough();
export type TwilioStatus = z.infer<typeof statusCallback>;

export const FINAL_STATUSES = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
