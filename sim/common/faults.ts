import { z } from 'zod';

/**
 * Fault injection: a share of requests answered with a 5xx, a share that hang (no response until
 * the client gives up), or a full outage (every CRM request fails). `endpoints`, when given,
 * limits errorRate/hangRate to those endpoint names; an outage always covers everything.
 */
export const faultConfig = z.object({
  errorRate: z.number().min(0).max(1).default(0),
  hangRate: z.number().min(0).max(1).default(0),
  outage: z.boolean().default(false),
  endpoints: z.array(z.string()).optional(),
});
export type FaultConfig = z.infer<typeof faultConfig>;

export const NO_FAULTS: FaultConfig = { errorRate: 0, hangRate: 0, outage: false };

export type FaultDecision = 'none' | 'error' | 'hang' | 'outage';

export function decideFault(config: FaultConfig, endpoint: string, random: () => number = Math.random): FaultDecision {
  if (config.outage) return 'outage';
  if (config.errorRate === 0 && config.hangRate === 0) return 'none';
  if (config.endpoints && !config.endpoints.includes(endpoint)) return 'none';
  const r = random();
  if (r < config.hangRate) return 'hang';
  if (r < config.hangRate + config.errorRate) return 'error';
  return 'none';
}
