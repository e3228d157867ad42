import type { CrmApiBudget } from './connector.js';

/**
 * How many CRM batch loads one pipeline (one CRM account) may have in flight at once, decided from
 * what the CRM itself reports. Pure: no I/O, no timers; the clock is injected.
 *
 * One batch in flight (group commit) makes batches fill under load, but a cold read arriving while
 * a batch is in flight waits for it and then for its own: about two CRM round trips instead of
 * one. A second slot removes that wait when the budget can pay for the extra calls:
 *
 *   - Start at one. Raise by one when a batch finished well while keys were waiting behind full
 *     slots, the budget left is at least `raiseAtBudget` and no rate limit was seen for
 *     `cooldownMs`. An unknown budget never raises (a CRM that reports none keeps one batch).
 *   - Back to one at once on a rate limit (429, REQUEST_LIMIT_EXCEEDED), an outage (timeout,
 *     5xx) or a budget below `dropBelowBudget`; one lower when a batch took more than twice as
 *     long as usual (the CRM slows down under our load).
 *   - An extra batch (one already in flight) gathers first: it starts no sooner than the
 *     gathering time after the previous start, and not when a running batch ends within that time
 *     or a quarter batch, whichever is less (keys arriving near its end take its slot). The
 *     gathering time is a usual batch divided by `max`: batch starts spread evenly over a batch's
 *     duration, so a cold read waits at most about that long for a slot (besides the window).
 *     Without it, the first keys of a burst take every slot in tiny
 *     batches and the rest wait a whole batch: more CRM calls and a worse median
 *     (bench/cold-batch-model.ts, 50 closed-loop callers, ceiling 4: x1.27 of direct with 104
 *     batches per 1,000 cold reads without gathering, x1.2 with about 55 with it; one batch in
 *     flight: x1.9 with 40).
 */

export interface BatchConcurrencyOptions {
  /** Most batches in flight (CRM_BATCH_CONCURRENCY_MAX; 1 = always one, group commit only). */
  max: number;
  /** Fraction of the CRM's allowance left at or above which the limit may grow. @default 0.5 */
  raiseAtBudget?: number;
  /** Fraction left below which the limit returns to one. @default 0.2 */
  dropBelowBudget?: number;
  /** After a rate limit, no raise for this long (HubSpot's burst window is 10 s). @default 10000 */
  cooldownMs?: number;
  /**
   * Fraction of a usual batch duration an extra batch gathers keys for: the least time between
   * batch starts, and how soon a running batch must end for waiting keys to take its slot instead.
   * @default 1 / max
   */
  gatherFraction?: number;
  /** A batch slower than this many usual batches counts as a slow-down. @default 2 */
  slowFactor?: number;
  /** Monotonic clock, ms. @default performance.now */
  now?: () => number;
}

/** How a batch ended, as the policy tells them apart. */
export type BatchOutcome = 'ok' | 'rate_limited' | 'outage' | 'rejected';

/** Default ceiling of batch loads in flight per CRM account (CRM_BATCH_CONCURRENCY_MAX). */
export const DEFAULT_BATCH_CONCURRENCY_MAX = 4;

export const BATCH_CONCURRENCY_DEFAULTS = {
  raiseAtBudget: 0.5,
  dropBelowBudget: 0.2,
  cooldownMs: 10_000,
  slowFactor: 2,
} as const;

/** Keys wait for a running batch that ends within this fraction of a usual batch (at most the gathering time). */
const JOIN_WITHIN_FRACTION = 0.25;

/** Weight of the newest batch duration in the running estimate of a usual batch. */
const DURATION_WEIGHT = 0.2;

/** A batch the policy let start (hand it back to `finished`). */
export interface BatchTicket {
  readonly startedAt: number;
}

export class BatchConcurrency {
  private current = 1;
  private readonly inFlight = new Set<BatchTicket>();
  private calmAfter = Number.NEGATIVE_INFINITY;
  private usualMs: number | null = null;
  /** A start was refused for lack of a slot since the last raise: the limit is what held keys back. */
  private contended = false;
  private lastStartAt = Number.NEGATIVE_INFINITY;
  /** When a refused start may succeed without a batch ending first (the gathering time is over). */
  private retryAt: number | null = null;
  private readonly o: Required<Omit<BatchConcurrencyOptions, 'now' | 'gatherFraction'>> & {
    gatherFraction?: number;
    now: () => number;
  };

  constructor(options: BatchConcurrencyOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError('max must be an integer >= 1');
    this.o = { ...BATCH_CONCURRENCY_DEFAULTS, ...options, now: options.now ?? (() => performance.now()) };
  }

  /** Batches allowed in flight now. */
  get limit(): number {
    return this.current;
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** Estimated duration of a batch (ms), null before the first one finished. */
  get usualBatchMs(): number | null {
    return this.usualMs;
  }

  /**
   * Called when keys are waiting for a slot: a ticket when a batch may start now, else null
   * (the keys wait for a running batch to finish, and `finished` is the moment to ask again).
   */
  tryStart(): BatchTicket | null {
    const now = this.o.now();
    this.retryAt = null;
    if (this.inFlight.size >= this.current) {
      // The limit is what holds these keys back: a reason to raise it once a batch ends well.
      this.contended = true;
      return null;
    }
    if (this.inFlight.size > 0 && this.usualMs !== null) {
      const gatherMs = this.gatherMs(this.usualMs);
      if (now - this.lastStartAt < gatherMs) {
        this.retryAt = this.lastStartAt + gatherMs;
        return null;
      }
      // Never more than a quarter batch: with a ceiling of two the gathering time is half a batch,
      // and joining within half a batch as well would leave no moment for the second one to start.
      if (this.soonestEndsWithin(now, Math.min(gatherMs, JOIN_WITHIN_FRACTION * this.usualMs))) return null;
    }
    const ticket: BatchTicket = { startedAt: now };
    this.inFlight.add(ticket);
    this.lastStartAt = now;
    return ticket;
  }

  /** How long an extra batch gathers keys: an even share of a usual batch per slot. */
  private gatherMs(usualMs: number): number {
    return (this.o.gatherFraction ?? 1 / this.o.max) * usualMs;
  }

  /**
   * After a refused `tryStart`: in how many ms asking again may succeed with no batch ending in
   * between (the keys have gathered long enough); null when only a batch ending frees a slot.
   */
  retryInMs(): number | null {
    return this.retryAt === null ? null : Math.max(0, this.retryAt - this.o.now());
  }

  /**
   * A batch ended. `budgetLeft` is the fraction of the CRM's allowance left as its last answer
   * reported it (`budgetFraction`), null when unknown.
   */
  finished(ticket: BatchTicket, outcome: BatchOutcome, budgetLeft: number | null): void {
    if (!this.inFlight.delete(ticket)) return;
    const now = this.o.now();
    const tookMs = now - ticket.startedAt;
    if (outcome === 'rate_limited') {
      this.current = 1;
      this.calmAfter = now + this.o.cooldownMs;
      this.contended = false;
      return;
    }
    if (outcome === 'outage' || (budgetLeft !== null && budgetLeft < this.o.dropBelowBudget)) {
      this.current = 1;
      this.contended = false;
      return;
    }
    if (outcome !== 'ok') return;
    const slow = this.usualMs !== null && tookMs > this.o.slowFactor * this.usualMs;
    this.usualMs = this.usualMs === null ? tookMs : this.usualMs + DURATION_WEIGHT * (tookMs - this.usualMs);
    if (slow) {
      this.current = Math.max(1, this.current - 1);
      this.contended = false;
      return;
    }
    if (
      this.contended &&
      this.current < this.o.max &&
      now >= this.calmAfter &&
      budgetLeft !== null &&
      budgetLeft >= this.o.raiseAtBudget
    ) {
      this.current += 1;
      this.contended = false;
    }
  }

  /** Whether some in-flight batch is expected to end soon enough that waiting keys should join its slot. */
  private soonestEndsWithin(now: number, withinMs: number): boolean {
    const usual = this.usualMs ?? 0;
    for (const t of this.inFlight) {
      // A batch already past its usual duration is late (a slow CRM): no reason to add load beside it.
      if (usual - (now - t.startedAt) <= withinMs) return true;
    }
    return false;
  }
}

/**
 * The fraction of the CRM's allowance left, the tighter of the daily allowance and the burst
 * window (HubSpot's `X-HubSpot-RateLimit-Remaining` per `-Interval-Milliseconds`). A burst
 * reading older than its interval says nothing any more (the window has turned over). Null when
 * the CRM has reported nothing.
 */
export function budgetFraction(budget: CrmApiBudget | null, nowMs: number): number | null {
  if (!budget) return null;
  const fractions: number[] = [];
  if (budget.limit > 0) fractions.push(budget.remaining / budget.limit);
  const burst = budget.burst;
  if (burst && burst.limit > 0 && nowMs - budget.reportedAtMs < burst.intervalMs)
    fractions.push(burst.remaining / burst.limit);
  if (fractions.length === 0) return null;
  return Math.max(0, Math.min(1, ...fractions));
}
