import { z } from 'zod';

/**
 * Vapi server messages (docs.vapi.ai "Server events"): every message is `{ message: { type, call,
 * customer?, phoneNumber?, … } }` posted to the Server URL. Only the fields we use are declared;
 * unknown fields pass (Vapi adds fields over time), unknown message types are acknowledged.
 */

const callRef = z.object({ id: z.string().min(1).max(200) }).passthrough();
const numberRef = z.object({ number: z.string().min(1).max(64).optional() }).passthrough();

const base = {
  call: callRef,
  customer: numberRef.optional(),
  phoneNumber: numberRef.optional(),
  timestamp: z.union([z.number(), z.string()]).optional(),
};

export const assistantRequest = z.object({ type: z.literal('assistant-request'), ...base });

/** Vapi sends `function: { name, arguments }` (arguments an object or a JSON string); older payloads `name`/`parameters`. */
const toolCall = z
  .object({
    id: z.string().min(1).max(200),
    name: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    function: z
      .object({ name: z.string(), arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).optional() })
      .optional(),
  })
  .refine((t) => t.function?.name ?? t.name, 'a tool call needs a name');

export const toolCalls = z.object({
  type: z.literal('tool-calls'),
  ...base,
  toolCallList: z.array(toolCall).min(1).max(20),
});

export const transcript = z.object({
  type: z.union([z.literal('transcript'), z.string().startsWith('transcript[')]),
  ...base,
  role: z.enum(['user', 'assistant', 'system', 'bot']).optional(),
  transcriptType: z.enum(['partial', 'final']).optional(),
  transcript: z.string().max(100_000),
});

export const endOfCallReport = z.object({
  type: z.literal('end-of-call-report'),
  ...base,
  endedReason: z.string().min(1).max(200),
  endedAt: z.string().optional(),
  durationSeconds: z.number().min(0).optional(),
  artifact: z
    .object({ transcript: z.string().max(200_000).optional() })
    .passthrough()
    .optional(),
  analysis: z
    .object({
      summary: z.string().max(32_000).optional(),
      structuredData: z.record(z.string(), z.unknown()).optional(),
    })
    .passthrough()
    .optional(),
});

export const envelope = z.object({ message: z.object({ type: z.string().min(1) }).passthrough() });

export type AssistantRequest = z.infer<typeof assistantRequest>;
export type ToolCalls = z.infer<typeof toolCalls>;
export type EndOfCallReport = z.infer<typeof endOfCallReport>;
