import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../../../shared/db.js';
import type { CrmName } from '../../../crm/registry.js';
import { DialplaneError, ErrorCode } from '../../../shared/errors.js';

/**
 * A token bucket per CRM, kept in the database so every worker process shares one budget. Each
 * CRM request takes a token first; a CRM's rate-limit answer (HubSpot 429, Salesforce
 * REQUEST_LIMIT_EXCEEDED) pauses the bucket for everyone, so the fleet backs off together instead
 * of each worker discovering the limit on its own.
 *
 * Sizing against a CRM's fixed window of L requests per W ms: a bucket of burst B refilled at
 * (0.95 L - B) / W never sends more than 0.95 L in any window; the 5% margin absorbs requests that
 * network jitter moves across the CRM's window boundary. With B at 2% of L (at least 1) that
 * sustains about 93% of the limit.
 */

export interface RateLimitSpec {
  limit: number;
  windowMs: number;
}

export function bucketOf(spec: RateLimitSpec): { capacity: number; refillPerMs: number } {
  const capacity = Math.max(1, Math.floor(spec.limit * 0.02));
  return { capacity, refillPerMs: Math.max(spec.limit * 0.95 - capacity, 0.5) / spec.windowMs };
}

export interface CrmRateLimiter {
  /**
   * Reserves the next request slot of the CRM's shared bucket and waits for it (one query, no
   * polling). Throws (the slot is forfeited) when `signal` aborts first, or at once when the slot
   * is further away than `maxWaitMs`.
   */
  acquire(crm: CrmName, options?: { signal?: AbortSignal; maxWaitMs?: number }): Promise<void>;
  /** Everyone stops calling `crm` for `ms` (the CRM said we are over its limit, or it is down). */
  pause(crm: CrmName, ms: number): Promise<void>;
  /** How long until `crm` has a free slot, per CRM (0 = now): workers skip fetching jobs for a blocked CRM. */
  blockedForMs(): Promise<Record<string, number>>;
}

export class RateLimitWaitTooLong extends DialplaneError {
  constructor(readonly waitMs: number) {
    super(ErrorCode.RATE_LIMIT_WAIT, `next request slot in ${Math.round(waitMs)} ms`);
  }
}

// The bucket's current level: refilled since the last change, capped at capacity. Tokens may be
// negative: each reservation takes one whether or not it is there yet, and waits for it (GCRA).
const LEVEL = `LEAST(capacity, tokens + GREATEST(0, EXTRACT(EPOCH FROM (clock_timestamp() - updated_at)) * 1000) * refill_per_ms)`;

export async function createCrmRateLimiter(
  db: Database,
  specs: Record<CrmName, RateLimitSpec>,
): Promise<CrmRateLimiter> {
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
    async acquire(crm, options = {}) {
      options.signal?.throwIfAborted();
      const { rows } = await db.query<{ wait_ms: number }>(
        `UPDATE engagement.rate_bucket SET tokens = ${LEVEL} - 1, updated_at = clock_timestamp()
         WHERE crm = $1 AND ($2::float8 IS NULL OR (1 - ${LEVEL}) / refill_per_ms <= $2::float8)
         RETURNING GREATEST(0, -tokens / refill_per_ms)::float8 AS wait_ms`,
        [crm, options.maxWaitMs ?? null],
      );
      const row = rows[0];
      if (!row) {
        // Not reserved: the slot is beyond what the caller can wait (or the CRM has no bucket).
        const level = await db.query<{ wait_ms: number }>(
          `SELECT GREATEST(0, (1 - ${LEVEL}) / refill_per_ms)::float8 AS wait_ms FROM engagement.rate_bucket WHERE crm = $1`,
          [crm],
        );
        if (!level.rows[0]) throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, `no rate bucket for ${crm}`);
        throw new RateLimitWaitTooLong(Number(level.rows[0].wait_ms));
      }
      const waitMs = Number(row.wait_ms);
      if (waitMs > 0) await sleep(waitMs, undefined, options.signal ? { signal: options.signal } : undefined);
    },
    async pause(crm, ms) {
      // A debt of `ms` worth of tokens: every slot not yet handed out moves past the pause.
      await db.query(
        `UPDATE engagement.rate_bucket SET tokens = LEAST(${LEVEL}, -($2 * refill_per_ms)), updated_at = clock_timestamp(),
           paused_until = GREATEST(paused_until, clock_timestamp() + $2 * interval '1 millisecond')
         WHERE crm = $1`,
        [crm, Math.max(0, Math.round(ms))],
      );
    },
    async blockedForMs() {
      const { rows } = await db.query<{ crm: string; wait_ms: number }>(
        `SELECT crm, GREATEST(0, (1 - ${LEVEL}) / refill_per_ms)::float8 AS wait_ms FROM engagement.rate_bucket`,
      );
      return Object.fromEntries(rows.map((r) => [r.crm, Number(r.wait_ms)]));
    },
  };
}
