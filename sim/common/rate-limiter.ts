import { z } from 'zod';

/**
 * A fixed-window request limit. Each simulator turns an exhausted window into its own CRM's
 * error (Salesforce 403 REQUEST_LIMIT_EXCEEDED, HubSpot 429 with a policy name); `policy` is a
 * free-form hint the simulator may use to pick that shape (e.g. `TEN_SECONDLY_ROLLING`, `DAILY`).
 */
export const rateLimitConfig = z.object({
  enabled: z.boolean(),
  limit: z.number().int().min(0).default(100),
  windowMs: z.number().int().min(1).default(10_000),
  policy: z.string().optional(),
  /** Refuse exactly the next N requests whatever the window, then follow the config (tests of client retries). */
  failNext: z.number().int().min(0).optional(),
});
export type RateLimitConfig = z.infer<typeof rateLimitConfig>;

export const NO_RATE_LIMIT: RateLimitConfig = { enabled: false, limit: 100, windowMs: 10_000 };

export interface RateLimitState {
  allowed: boolean;
  limit: number;
  remaining: number;
  windowMs: number;
  /** ms until the current window ends */
  resetInMs: number;
  policy?: string;
}

export class RateLimiter {
  private windowStart = 0;
  private used = 0;
  private failNext: number;

  constructor(private config: RateLimitConfig) {
    this.failNext = config.failNext ?? 0;
  }

  configure(config: RateLimitConfig): void {
    this.config = config;
    this.failNext = config.failNext ?? 0;
    this.windowStart = 0;
    this.used = 0;
  }

  get current(): RateLimitConfig {
    return this.config;
  }

  /** Counts one request; returns whether it may proceed. Disabled limiters always allow. */
  take(now: number = Date.now()): RateLimitState {
    const { enabled, limit, windowMs, policy } = this.config;
    if (now - this.windowStart >= windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    const resetInMs = windowMs - (now - this.windowStart);
    if (this.failNext > 0) {
      this.failNext--;
      return { allowed: false, limit, remaining: 0, windowMs, resetInMs, policy };
    }
    if (!enabled) return { allowed: true, limit, remaining: limit, windowMs, resetInMs, policy };
    if (this.used >= limit) return { allowed: false, limit, remaining: 0, windowMs, resetInMs, policy };
    this.used++;
    return { allowed: true, limit, remaining: limit - this.used, windowMs, resetInMs, policy };
  }
}
