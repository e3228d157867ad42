import { z } from 'zod';

/** Median + jitter of the delay added before a response; `endpoints` overrides per endpoint name. */
export const latencySpec = z.object({
  medianMs: z.number().min(0).max(600_000),
  jitterMs: z.number().min(0).max(600_000),
});
export type LatencySpec = z.infer<typeof latencySpec>;

export const latencyConfig = latencySpec.extend({
  endpoints: z.record(z.string(), latencySpec).optional(),
});
export type LatencyConfig = z.infer<typeof latencyConfig>;

/** Real CRM APIs answer a small read in roughly 100-150 ms from a nearby region. */
export const DEFAULT_LATENCY: LatencyConfig = { medianMs: 120, jitterMs: 40 };

/**
 * Samples one delay. The jitter follows a triangular distribution around the median (sum of two
 * uniforms), so the configured median stays the median and values never exceed median + jitter;
 * clamped at 0.
 */
export function sampleLatencyMs(config: LatencyConfig, endpoint: string, random: () => number = Math.random): number {
  const spec = config.endpoints?.[endpoint] ?? config;
  if (spec.medianMs === 0 && spec.jitterMs === 0) return 0;
  const offset = spec.jitterMs * (random() - random());
  return Math.max(0, spec.medianMs + offset);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
