import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { CircuitBreakers } from '../../shared/crm/circuit-breaker.js';
import { WriteBackError } from '../../shared/crm/writer.js';
import * as attempts from '../../subgraphs/engagement/worker/attempt-policy.js';

// The write-back worker's retry / dead-letter policy, rule by rule, without a database or a CRM.

const policy = { maxAttempts: 4, maxRetryDelaySeconds: 10 };
const unavailable = new WriteBackError(ErrorCode.CRM_UNAVAILABLE, 'HubSpot answered 503', true, {
  crm: 'hubspot',
  crmCode: 'HTTP_503',
});
const invalid = new WriteBackError(ErrorCode.BAD_USER_INPUT, 'owner does not exist', false, {
  crm: 'salesforce',
  crmCode: 'INVALID_CROSS_REFERENCE_KEY',
});
const throttled = (retryAfterMs?: number) =>
  new WriteBackError(ErrorCode.CRM_RATE_LIMITED, 'HubSpot answered 429', true, { crm: 'hubspot' }, retryAfterMs);
const ownBucketDry = new WriteBackError(
  ErrorCode.CRM_RATE_LIMITED,
  'no request slot',
  true,
  { crm: 'hubspot', crmCode: ErrorCode.RATE_LIMIT_WAIT },
  20_000,
);
const decide = (failure: attempts.AttemptFailure | null, attempt: number, interruptedByShutdown = false) =>
  attempts.decideAttempt({ attempt, policy, failure, interruptedByShutdown, random: () => 1 });

describe('classifyFailure', () => {
  it('keeps the CRM code, the retryable flag and the outage / throttle kinds of a writer error', () => {
    expect(attempts.classifyFailure(unavailable)).toEqual({
      code: 'HTTP_503',
      message: 'HubSpot answered 503',
      retryable: true,
      outage: true,
      crmThrottle: false,
    });
    expect(attempts.classifyFailure(invalid)).toMatchObject({
      code: 'INVALID_CROSS_REFERENCE_KEY',
      retryable: false,
      outage: false,
    });
    expect(attempts.classifyFailure(throttled(2_000))).toMatchObject({
      code: ErrorCode.CRM_RATE_LIMITED,
      crmThrottle: true,
      retryAfterMs: 2_000,
    });
    // Our own bucket running dry is not the CRM throttling us.
    expect(attempts.classifyFailure(ownBucketDry)).toMatchObject({
      code: ErrorCode.RATE_LIMIT_WAIT,
      crmThrottle: false,
    });
  });

  it('reads anything else as a retryable internal failure (never an outage)', () => {
    expect(attempts.classifyFailure(new TypeError('boom'))).toEqual({
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      message: 'boom',
      retryable: true,
      outage: false,
      crmThrottle: false,
    });
    expect(attempts.classifyFailure('a string')).toMatchObject({
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      message: 'a string',
    });
  });
});

describe('decideAttempt', () => {
  it('is done when the write succeeded', () => {
    expect(decide(null, 1)).toEqual({ action: 'done' });
  });

  it('abandons the job to pg-boss when the worker shuts down mid-attempt', () => {
    expect(decide(attempts.classifyFailure(new Error('aborted')), 1, true)).toEqual({ action: 'abandon' });
  });

  it('dead-letters a permanent failure at once, whatever attempts are left', () => {
    expect(decide(attempts.classifyFailure(invalid), 1)).toEqual({
      action: 'dead-letter',
      code: 'INVALID_CROSS_REFERENCE_KEY',
      message: 'owner does not exist',
      reason: 'not-retryable',
    });
  });

  it('retries a retryable failure until the last attempt, then dead-letters it', () => {
    const failure = attempts.classifyFailure(unavailable);
    for (let attempt = 1; attempt < policy.maxAttempts; attempt++)
      expect(decide(failure, attempt)).toMatchObject({ action: 'retry', code: 'HTTP_503' });
    expect(decide(failure, policy.maxAttempts)).toMatchObject({
      action: 'dead-letter',
      code: 'HTTP_503',
      reason: 'attempts-exhausted',
    });
  });

  it('caps the retry delay at the policy ceiling, with jitter in its upper half', () => {
    const failure = attempts.classifyFailure(unavailable);
    const at = (r: number) =>
      attempts.decideAttempt({ attempt: 1, policy, failure, interruptedByShutdown: false, random: () => r });
    expect(at(1)).toMatchObject({ maxDelayMs: 10_000 });
    expect(at(0)).toMatchObject({ maxDelayMs: 5_000 });
    expect(at(0.5)).toMatchObject({ maxDelayMs: 7_500 });
  });
});

describe('waiting out a CRM throttle inside the job', () => {
  it('pauses for what the CRM asked, or a second when it did not say; never for our own bucket or an outage', () => {
    expect(attempts.crmThrottlePauseMs(attempts.classifyFailure(throttled(3_000)))).toBe(3_000);
    expect(attempts.crmThrottlePauseMs(attempts.classifyFailure(throttled()))).toBe(
      attempts.DEFAULT_RATE_LIMIT_WAIT_MS,
    );
    expect(attempts.crmThrottlePauseMs(attempts.classifyFailure(ownBucketDry))).toBeNull();
    expect(attempts.crmThrottlePauseMs(attempts.classifyFailure(unavailable))).toBeNull();
  });

  it('tries again in the job while waits, the longest in-job wait and the job budget allow', () => {
    const budgetMs = attempts.jobBudgetMs(60);
    expect(budgetMs).toBe(48_000);
    expect(attempts.waitInJob(1_000, { waits: 0, elapsedMs: 0, budgetMs })).toBe(true);
    expect(attempts.waitInJob(1_000, { waits: attempts.MAX_RATE_LIMIT_WAITS - 1, elapsedMs: 0, budgetMs })).toBe(true);
    expect(attempts.waitInJob(1_000, { waits: attempts.MAX_RATE_LIMIT_WAITS, elapsedMs: 0, budgetMs })).toBe(false);
    expect(attempts.waitInJob(attempts.MAX_IN_JOB_WAIT_MS, { waits: 0, elapsedMs: 0, budgetMs })).toBe(true);
    expect(attempts.waitInJob(attempts.MAX_IN_JOB_WAIT_MS + 1, { waits: 0, elapsedMs: 0, budgetMs })).toBe(false);
    // The wait must end inside what is left of the budget.
    expect(attempts.waitInJob(5_000, { waits: 0, elapsedMs: budgetMs - 5_000, budgetMs })).toBe(false);
    expect(attempts.waitInJob(5_000, { waits: 0, elapsedMs: budgetMs - 5_001, budgetMs })).toBe(true);
  });
});

describe('the outage pause', () => {
  it('starts at the threshold with 1 s, doubles per further failure and stops at 10 s', () => {
    expect(attempts.outagePauseMs(attempts.BREAKER_THRESHOLD - 1)).toBeNull();
    expect([3, 4, 5, 6, 7, 8, 20].map(attempts.outagePauseMs)).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000,
    ]);
  });

  it('counts consecutive outages per key in the shared breaker; a success starts over', () => {
    let now = 0;
    const breakers = new CircuitBreakers({ failureThreshold: attempts.BREAKER_THRESHOLD, now: () => now });
    const hubspot = breakers.get('hubspot');
    expect(breakers.get('hubspot')).toBe(hubspot);
    for (let i = 0; i < attempts.BREAKER_THRESHOLD; i++) hubspot.recordFailure();
    expect(hubspot.state).toBe('open');
    expect(attempts.outagePauseMs(hubspot.consecutiveFailures)).toBe(1_000);
    // Another CRM's breaker is its own.
    expect(breakers.get('salesforce').consecutiveFailures).toBe(0);
    now = 60_000;
    hubspot.recordSuccess();
    expect(hubspot.state).toBe('closed');
    expect(attempts.outagePauseMs(hubspot.consecutiveFailures)).toBeNull();
  });
});
