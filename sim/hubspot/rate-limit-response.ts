import { HubspotApiError, correlationId } from './errors.js';

/**
 * HubSpot's 429 bodies. @hubspot/api-client retries a 429 only when `policyName` is
 * `TEN_SECONDLY_ROLLING` (waiting 10 s x attempt) or when `message` is exactly
 * `You have reached your secondly limit.` (1 s x attempt); a DAILY 429 is not retried. The bodies
 * below are byte-for-byte the shapes those checks read (RetryDecorator.js in the client).
 */
export const HUBSPOT_RATE_POLICIES = {
  TEN_SECONDLY_ROLLING: 'You have reached your ten_secondly_rolling limit.',
  SECONDLY: 'You have reached your secondly limit.',
  DAILY: 'You have reached your daily limit.',
} as const;
export type HubspotRatePolicy = keyof typeof HUBSPOT_RATE_POLICIES;

export function ratePolicyOf(hint: string | undefined): HubspotRatePolicy {
  if (hint && hint.toUpperCase() in HUBSPOT_RATE_POLICIES) return hint.toUpperCase() as HubspotRatePolicy;
  return 'TEN_SECONDLY_ROLLING';
}

export interface RateLimitHeadersInput {
  intervalMs: number;
  max: number;
  remaining: number;
  dailyMax: number;
  dailyRemaining: number;
}

/** The X-HubSpot-RateLimit-* headers private-app calls carry (on successes and on 429s). */
export function rateLimitHeaders(h: RateLimitHeadersInput): Record<string, string> {
  return {
    'x-hubspot-ratelimit-interval-milliseconds': String(h.intervalMs),
    'x-hubspot-ratelimit-max': String(h.max),
    'x-hubspot-ratelimit-remaining': String(Math.max(0, h.remaining)),
    'x-hubspot-ratelimit-daily': String(h.dailyMax),
    'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, h.dailyRemaining)),
  };
}

export function rateLimited(policy: HubspotRatePolicy, headers: RateLimitHeadersInput): HubspotApiError {
  // Key order follows the real body; `category` is absent on purpose (the real 429 has errorType).
  const body = {
    status: 'error' as const,
    message: HUBSPOT_RATE_POLICIES[policy],
    errorType: 'RATE_LIMIT',
    correlationId: correlationId(),
    policyName: policy,
    requestId: correlationId(),
  };
  const limitHeaders = rateLimitHeaders(
    policy === 'DAILY' ? { ...headers, dailyRemaining: 0 } : { ...headers, remaining: 0 },
  );
  return new HubspotApiError(429, body, limitHeaders);
}

/** HubSpot's burst limit for a Professional/Enterprise private app: 190 requests per 10 s. */
export const DEFAULT_BURST = { max: 190, intervalMs: 10_000 } as const;

/**
 * Requests counted for the usage headers every response carries: a fixed window of the burst
 * interval and a UTC day. Independent of the rate-limit knob, which decides refusals.
 */
export class UsageCounter {
  private windowStart = 0;
  private inWindow = 0;
  private day = '';
  private today = 0;

  take(intervalMs: number, now = Date.now()): { inWindow: number; today: number } {
    if (now - this.windowStart >= intervalMs) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    const day = new Date(now).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.today = 0;
    }
    return { inWindow: ++this.inWindow, today: ++this.today };
  }

  reset(): void {
    this.windowStart = 0;
    this.inWindow = 0;
    this.day = '';
    this.today = 0;
  }
}

/**
 * HubSpot's own limit on search endpoints (documented as ~5 requests/s per token, on top of the
 * burst limit), answered with the SECONDLY message the client retries after 1 s. A sliding
 * one-second window.
 */
export class SearchLimiter {
  private readonly stamps: number[] = [];

  constructor(readonly perSecond: number) {}

  take(now = Date.now()): boolean {
    while (this.stamps.length > 0 && now - this.stamps[0] >= 1_000) this.stamps.shift();
    if (this.stamps.length >= this.perSecond) return false;
    this.stamps.push(now);
    return true;
  }
}
