import { ErrorCode, isDialplaneError } from '../../../shared/errors.js';
import { WriteBackError } from '../../../shared/crm/writer.js';

/**
 * What the worker does after one write-back attempt, decided without I/O: done, wait out a CRM
 * rate limit inside the job, give the attempt back to the queue for a retry, dead-letter it, or
 * abandon it to pg-boss (shutting down). worker.ts executes the answer; test/engagement/
 * attempt-policy.test.ts pins every rule without a database or a CRM.
 */

/** In-job waits on a CRM's rate-limit answer before giving the attempt back to the queue's backoff. */
export const MAX_RATE_LIMIT_WAITS = 5;
export const MAX_IN_JOB_WAIT_MS = 15_000;
/** The wait when a CRM throttles us without saying for how long. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
/**
 * Outage pause: after this many consecutive "CRM unavailable" failures the CRM's shared bucket is
 * paused (1 s, doubling, at most BREAKER_MAX_PAUSE_MS) so the fleet stops spending attempts, and
 * database work, on a CRM that is down; the first request after a pause is the probe.
 */
export const BREAKER_THRESHOLD = 3;
export const BREAKER_MAX_PAUSE_MS = 10_000;
/**
 * Waiting on a rate limit inside a job must end well before pg-boss presumes the job lost
 * (`expireInSeconds`) and hands it to another worker.
 */
const JOB_BUDGET_SHARE = 0.8;

export interface RetryPolicy {
  maxAttempts: number;
  /** Ceiling on the queue's exponential backoff (jitter kept: the ceiling is drawn in [½, 1] of it). */
  maxRetryDelaySeconds: number;
}

/** A failed attempt as the policy sees it: the code stored and counted, and what kind of failure. */
export interface AttemptFailure {
  code: string;
  /** For the store and the job's output (the write-back's last error), never for logs. */
  message: string;
  retryable: boolean;
  /** The CRM is down (not a permanent answer): counts toward the outage pause. */
  outage: boolean;
  /** The CRM told us to slow down (not our own bucket running dry): worth waiting in the job. */
  crmThrottle: boolean;
  /** How long the CRM asked us to wait, when it said. */
  retryAfterMs?: number;
}

export type AttemptDecision =
  | { action: 'done' }
  /** Shutting down mid-job: leave the job to pg-boss expiry rather than record a false failure. */
  | { action: 'abandon' }
  | { action: 'dead-letter'; code: string; message: string; reason: 'not-retryable' | 'attempts-exhausted' }
  /** The queue's backoff schedules the next attempt, no later than `maxDelayMs` from now. */
  | { action: 'retry'; code: string; message: string; maxDelayMs: number };

/** The budget of an attempt's in-job waits, from the job's expiry. */
export function jobBudgetMs(expireInSeconds: number): number {
  return expireInSeconds * 1000 * JOB_BUDGET_SHARE;
}

/** Reads a thrown value into the policy's terms; the code is the CRM's when the writer knows it. */
export function classifyFailure(error: unknown): AttemptFailure {
  const wb = error instanceof WriteBackError ? error : null;
  return {
    code: wb?.crmCode ?? (isDialplaneError(error) ? error.code : ErrorCode.INTERNAL_SERVER_ERROR),
    message: error instanceof Error ? error.message : String(error),
    retryable: wb ? wb.retryable : true,
    outage: wb?.code === ErrorCode.CRM_UNAVAILABLE,
    crmThrottle: wb?.code === ErrorCode.CRM_RATE_LIMITED && wb.crmCode !== ErrorCode.RATE_LIMIT_WAIT,
    ...(wb?.retryAfterMs !== undefined ? { retryAfterMs: wb.retryAfterMs } : {}),
  };
}

/**
 * A CRM's rate-limit answer: how long to pause the CRM's shared bucket (for the whole fleet).
 * Null: not a CRM throttle (our own bucket running dry is not paused again).
 */
export function crmThrottlePauseMs(failure: AttemptFailure): number | null {
  return failure.crmThrottle ? (failure.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS) : null;
}

/**
 * After a CRM throttle paused its bucket for `pauseMs`: try again inside this job (the writes are
 * idempotent) instead of spending an attempt on a throttle, while the job's budget allows.
 */
export function waitInJob(pauseMs: number, state: { waits: number; elapsedMs: number; budgetMs: number }): boolean {
  return (
    state.waits < MAX_RATE_LIMIT_WAITS && pauseMs <= MAX_IN_JOB_WAIT_MS && pauseMs < state.budgetMs - state.elapsedMs
  );
}

/**
 * The outage pause after `consecutiveFailures` "CRM unavailable" answers in a row: null below the
 * threshold, then 1 s doubling per further failure, capped.
 */
export function outagePauseMs(consecutiveFailures: number): number | null {
  if (consecutiveFailures < BREAKER_THRESHOLD) return null;
  return Math.min(BREAKER_MAX_PAUSE_MS, 1000 * 2 ** (consecutiveFailures - BREAKER_THRESHOLD));
}

/**
 * The attempt's end. `random` draws the jitter of the retry ceiling (Math.random in the worker, a
 * constant in tests).
 */
export function decideAttempt(input: {
  attempt: number;
  policy: RetryPolicy;
  /** Null: the write succeeded. */
  failure: AttemptFailure | null;
  /** The worker is closing and the error is not the CRM's answer (an abort, a cut connection). */
  interruptedByShutdown: boolean;
  random: () => number;
}): AttemptDecision {
  const { failure, attempt, policy } = input;
  if (!failure) return { action: 'done' };
  if (input.interruptedByShutdown) return { action: 'abandon' };
  const { code, message } = failure;
  if (!failure.retryable) return { action: 'dead-letter', code, message, reason: 'not-retryable' };
  if (attempt >= policy.maxAttempts) return { action: 'dead-letter', code, message, reason: 'attempts-exhausted' };
  return {
    action: 'retry',
    code,
    message,
    maxDelayMs: policy.maxRetryDelaySeconds * 1000 * (0.5 + input.random() * 0.5),
  };
}
