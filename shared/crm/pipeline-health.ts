import { z } from 'zod';

/**
 * One CRM subgraph's pipeline health as the operations console shows it: contact reads and how
 * many the cache answered, CRM calls and how many failed, the CRM's API allowance left, breaker
 * state, canonical fields lost to schema drift, and reconciliation lag. The CRM subgraph answers
 * it on `GET /internal/pipeline-health` (signed identity); the gateway validates each answer with
 * this schema before passing it on (gateway/console/pipeline-route.ts).
 */
export const CrmPipelineHealth = z.object({
  crm: z.string(),
  breaker: z.enum(['closed', 'half_open', 'open']),
  /** Contact reads served (cache hits, misses, stale answers, cache unavailable). */
  reads: z.number().nonnegative(),
  cache: z.object({
    hit: z.number().nonnegative(),
    miss: z.number().nonnegative(),
    stale: z.number().nonnegative(),
    unavailable: z.number().nonnegative(),
    /** hit / reads; null before the first read. */
    hitRate: z.number().min(0).max(1).nullable(),
  }),
  crmCalls: z.object({ total: z.number().nonnegative(), failed: z.number().nonnegative() }),
  apiBudget: z
    .object({
      used: z.number(),
      limit: z.number(),
      remaining: z.number(),
      window: z.literal('daily'),
      reportedAt: z.string(),
    })
    .nullable(),
  /** Canonical fields not served because the CRM's schema drifted, with how often. */
  drift: z.array(z.object({ field: z.string(), count: z.number().nonnegative() })),
  /** Null when reconciliation is off for this CRM. */
  reconciliation: z
    .object({
      ok: z.boolean(),
      reason: z.enum(['never_reconciled', 'stale']).nullable(),
      lastSuccessAt: z.string().nullable(),
      /** Seconds since the last successful run (since start when none). */
      lagSeconds: z.number().nonnegative(),
    })
    .nullable(),
});
export type CrmPipelineHealth = z.infer<typeof CrmPipelineHealth>;

export const PIPELINE_HEALTH_PATH = '/internal/pipeline-health';

/** A labelled sample of a Prometheus series (prom-client's `metric.get().values`). */
export interface Sample {
  labels: Partial<Record<string, string | number>>;
  value: number;
}

export interface PipelineSnapshot {
  crm: string;
  breaker: CrmPipelineHealth['breaker'];
  cache: readonly Sample[];
  calls: readonly Sample[];
  drift: readonly Sample[];
  apiBudget: { used: number; limit: number; remaining: number; reportedAtMs: number } | null;
  reconciliation: {
    ok: boolean;
    reason: 'never_reconciled' | 'stale' | null;
    lastSuccessAt: Date | null;
    lagSeconds: number;
  } | null;
}

const sumWhere = (samples: readonly Sample[], crm: string, match: (s: Sample) => boolean) =>
  samples.filter((s) => s.labels.crm === crm && match(s)).reduce((n, s) => n + s.value, 0);

/** The console's view of one CRM from its metric samples and live state (pure). */
export function summarizePipeline(s: PipelineSnapshot): CrmPipelineHealth {
  const cache = (result: string) => sumWhere(s.cache, s.crm, (x) => x.labels.result === result);
  const hit = cache('hit');
  const miss = cache('miss');
  const stale = cache('stale');
  const unavailable = cache('unavailable');
  const reads = hit + miss + stale + unavailable;
  const fields = new Map<string, number>();
  for (const d of s.drift) {
    if (d.labels.crm !== s.crm || d.value <= 0) continue;
    const field = String(d.labels.field);
    fields.set(field, (fields.get(field) ?? 0) + d.value);
  }
  return {
    crm: s.crm,
    breaker: s.breaker,
    reads,
    cache: { hit, miss, stale, unavailable, hitRate: reads > 0 ? hit / reads : null },
    crmCalls: {
      total: sumWhere(s.calls, s.crm, () => true),
      failed: sumWhere(s.calls, s.crm, (x) => x.labels.outcome !== 'ok'),
    },
    apiBudget: s.apiBudget
      ? {
          used: s.apiBudget.used,
          limit: s.apiBudget.limit,
          remaining: s.apiBudget.remaining,
          window: 'daily',
          reportedAt: new Date(s.apiBudget.reportedAtMs).toISOString(),
        }
      : null,
    drift: [...fields]
      .map(([field, count]) => ({ field, count }))
      .sort((a, b) => b.count - a.count || a.field.localeCompare(b.field)),
    reconciliation: s.reconciliation
      ? {
          ok: s.reconciliation.ok,
          reason: s.reconciliation.reason,
          lastSuccessAt: s.reconciliation.lastSuccessAt?.toISOString() ?? null,
          lagSeconds: Math.max(0, s.reconciliation.lagSeconds),
        }
      : null,
  };
}
