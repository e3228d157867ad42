import { z } from 'zod';
import { latencyConfig } from './latency.js';
import { faultConfig } from './faults.js';
import { rateLimitConfig } from './rate-limiter.js';
import { requestLogEntry } from './request-stats.js';
import { deliveryMode, deliveryRecord, deliveryRetryConfig } from './change-delivery.js';

/** Bodies and answers of the `/__sim/` admin API, shared by both simulators and SimAdminClient. */

export const driftRule = z
  .object({
    /** CRM object name as the CRM spells it: `Contact`, `Task`, `contacts`, `calls`… */
    object: z.string().min(1),
    field: z.string().min(1),
    action: z.enum(['rename', 'remove']),
    to: z.string().min(1).optional(),
  })
  .refine((d) => d.action === 'remove' || d.to !== undefined, { message: 'rename needs `to`', path: ['to'] });
export type DriftRule = z.infer<typeof driftRule>;

const fieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * An edit as a person in the CRM would make it; every kind emits change events. `set` is the
 * general form (CRM field names); the others are the common cases spelled out.
 */
export const simEdit = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('set'),
    object: z.string().min(1),
    id: z.string().min(1),
    fields: z.record(z.string(), fieldValue),
  }),
  z.object({ kind: z.literal('doNotCall'), contactId: z.string().min(1), value: z.boolean() }),
  z.object({ kind: z.literal('closeDeal'), dealId: z.string().min(1), won: z.boolean() }),
  z.object({
    kind: z.literal('phone'),
    contactId: z.string().min(1),
    /** CRM field/property to change; defaults to the main phone field */
    field: z.string().optional(),
    phone: z.string().nullable(),
  }),
]);
export type SimEdit = z.infer<typeof simEdit>;

export const simEditResult = z.object({
  object: z.string(),
  id: z.string(),
  changedFields: z.array(z.string()),
});
export type SimEditResult = z.infer<typeof simEditResult>;

export const webhookTargetsBody = z.object({
  targets: z.array(z.string().url()),
  retry: deliveryRetryConfig.partial().optional(),
});
export type WebhookTargetsBody = z.infer<typeof webhookTargetsBody>;

/** `PUT /__sim/delivery-mode`: deliver, drop or hold every change event from now on. */
export const deliveryModeBody = z.object({ mode: deliveryMode });

export const resetBody = z.object({
  /** `all` (default): data back to the seed, knobs to their start values, stats cleared; `stats`: only counters, log and delivery history. */
  scope: z.enum(['all', 'stats']).default('all'),
});
export type ResetScope = z.infer<typeof resetBody>['scope'];

export const simStats = z.object({
  sim: z.string(),
  total: z.number(),
  counters: z.record(z.string(), z.number()),
  deliveries: z.object({
    pending: z.number(),
    delivered: z.number(),
    failed: z.number(),
    attempts: z.number(),
    dropped: z.number(),
    held: z.number(),
  }),
});
export type SimStats = z.infer<typeof simStats>;

export const simRequests = z.object({ requests: z.array(requestLogEntry) });
export const simDeliveries = z.object({ deliveries: z.array(deliveryRecord) });

export const simKnobs = z.object({
  latency: latencyConfig,
  faults: faultConfig,
  rateLimit: rateLimitConfig,
  webhooks: z.object({ targets: z.array(z.string()), retry: deliveryRetryConfig, mode: deliveryMode }),
  drift: z.array(driftRule),
});
export type SimKnobs = z.infer<typeof simKnobs>;

/** `GET /__sim/accounts`: the default account's key and every account as the simulator describes it. */
export const simAccounts = z.object({ default: z.string(), accounts: z.array(z.unknown()) });
