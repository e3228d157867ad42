import { z } from 'zod';
import { parseValue, PlatformInputError } from './adapter.js';
import { CALL_PURPOSES } from './config.js';
import type { ToolCall } from './types.js';

/**
 * The mid-call tools, under the same names and arguments on every platform (docs/platforms.md has
 * the JSON schemas to paste into each platform's tool editor).
 */
export const TOOL_NAMES = ['check_permission', 'record_opt_out', 'schedule_callback', 'hand_off'] as const;

const instant = z.iso.datetime({ offset: true });

const argsByTool = {
  check_permission: z.object({ purpose: z.enum(CALL_PURPOSES).optional() }),
  record_opt_out: z.object({}).passthrough(),
  schedule_callback: z.object({ at: instant.nullish() }),
  hand_off: z.object({ reason: z.string().max(500).nullish() }),
} as const;

export function parseToolCall(name: string, args: unknown): ToolCall {
  if (!(TOOL_NAMES as readonly string[]).includes(name))
    throw new PlatformInputError(`unknown tool "${name}"`, [
      { field: 'name', message: `one of ${TOOL_NAMES.join(', ')}` },
    ]);
  const tool = name as (typeof TOOL_NAMES)[number];
  const parsed = parseValue(argsByTool[tool], args ?? {}) as Record<string, unknown>;
  return { tool, ...parsed } as ToolCall;
}

/** Tool arguments arrive as an object or as a JSON string, depending on the platform and version. */
export function toolArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? {};
  try {
    return JSON.parse(value);
  } catch {
    throw new PlatformInputError('tool arguments are not valid JSON', [{ field: 'arguments', message: 'not JSON' }]);
  }
}
