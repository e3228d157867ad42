import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../../shared/db.js';
import type { CrmName } from './config.js';

/**
 * A token bucket per CRM, kept in the database so every worker process shares one budget. Each
 * CRM request takes a token first; a CRM's rate-limit answer (HubSpot 429, Salesforce
 * REQUEST_LIMIT_EXCEEDED) pauses the bucket for everyone, so the fleet backs off together instead
 * of each worker discovering the limit on its own.
 *
 * Sizing against a CRM's fixed window of L requests per W ms: a bucket of burst B refilled at
 * (L - B) / W never sends more than B + (L - B) = L in any window, and sustains (L - B) / W. With B
 * at 5% of L, that is 95% of the limit.
 */

export interface RateLimitSpec {
  limit: number;
  windowMs: number;
}

export function bucketOf(spec: RateLimitSpec): { capacity: number; refillPerMs: number } {
  const capacity = Math.max(1, Math.floor(spec.limit * 0.05));
  return { capacity, refillPerMs: Math.max(spec.limit - capacity, 1) / spec.windowMs };
}

export interface CrmRateLimiter {
  /** Waits until the CRM's shared bucket grants one request (or `signal` aborts). */
  acquire(crm: CrmName, signal?: AbortSignal): Promise<void>;
  /** Everyone stops calling `crm` for `ms` (the CRM said we are over its limit). */
  pause(crm: CrmName, ms: number): Promise<void>;
}

export async function createCrmRateLimiter(db: Database, specs: Record<CrmName, RateLimitSpec>): Promise<CrmRateLimiter> {
  for (const [crm, spec] of Object.entries(specs)) {
    const { capacity, refillPerMs } = bucketOf(spec);
    // The latest configuration wins: a deploy that changes the share applies to every worker.
    await db.query(
      `INSERT INTO engagement.rate_bucket (crm, tokens, capacity, refill_per_ms, updated_at, paused_until)
       VALUES ($1, $2, $2, $3, clock_timestamp(), to_timestamp(0))
       ON CONFLICT (crm) DO UPDATE SET capacity = EXCLUDED.capacity, refill_per_ms = EXCLUDED.refill_per_ms,
         tokens = LEAST(engagement.rate_bucket.tokens, EXCLUDED.capacity)`,
      [crm, capacity, refillPerMs],
    );
  }
  return {
    async acquire(crm, signal) {
      for (;;) {
        signal?.throwIfAborted();
        const { rows } = await db.query<{ granted: boolean; wait_ms: number }>(
          `WITH b AS (
             SELECT crm, paused_until, refill_per_ms,
                    LEAST(capacity, tokens + GREATEST(0, EXTRACT(EPOCH FROM (clock_timestamp() - updated_at)) * 1000) * refill_per_ms) AS avail,
                    paused_until <= clock_timestamp() AS open
             FROM engagement.rate_bucket WHERE crm = $1 FOR UPDATE
           )
           UPDATE engagement.rate_bucket r SET
             tokens = CASE WHEN b.open AND b.avail >= 1 THEN b.avail - 1 ELSE b.avail END,
             updated_at = clock_timestamp()
           FROM b WHERE r.crm = b.crm
           RETURNING (b.open AND b.avail >= 1) AS granted,
             GREATEST(
               CASE WHEN b.open THEN 0 ELSE EXTRACT(EPOCH FROM (b.paused_until - clock_timestamp())) * 1000 END,
               CASE WHEN b.avail >= 1 THEN 0 ELSE (1 - b.avail) / b.refill_per_ms END
             )::float8 AS wait_ms`,
          [crm],
        );
        const row = rows[0];
        if (!row) throw new Error(`no rate bucket for ${crm}`);
        if (row.granted) return;
        // A little jitter so waiting workers do not wake in lockstep and fight over one token.
        const waitMs = Math.min(Math.max(Number(row.wait_ms), 1), 60_000) + Math.random() * 5;
        await sleep(waitMs, undefined, signal ? { signal } : undefined);
      }
    },
    async pause(crm, ms) {
      await db.query(
        `UPDATE engagement.rate_bucket SET tokens = 0, updated_at = clock_timestamp(),
           paused_until = GREATEST(paused_until, clock_timestamp() + $2 * interval '1 millisecond')
         WHERE crm = $1`,
        [crm, Math.max(0, Math.round(ms))],
      );
    },
  };
}
