import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Identity, Role } from '../../shared/identity.js';
import type { Metrics } from '../../shared/metrics.js';
import type { RedisConnection } from '../../shared/redis.js';

/**
 * Per-caller request rate, shared by every gateway replica through Redis (rate-limiter-flexible's
 * atomic counter script), per role: `points` requests per `durationS` seconds per caller (`org`
 * + `sub`). When Redis does not answer within `redisTimeoutMs`, or is not connected, the limiter's
 * insurance (an in-process limiter with the same budget) decides instead, so an outage neither
 * blocks requests nor lifts the limit.
 */
export interface RateLimit {
  points: number;
  durationS: number;
}

export const DEFAULT_RATE_LIMITS: Readonly<Record<Role, RateLimit>> = {
  agent: { points: 200, durationS: 1 },
  service: { points: 1_000, durationS: 1 },
  compliance: { points: 100, durationS: 1 },
  analyst: { points: 50, durationS: 1 },
  admin: { points: 100, durationS: 1 },
};

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface CallerRateLimiter {
  consume(identity: Identity): Promise<RateDecision>;
}

/** The role whose limit applies: the most generous one the caller holds. */
function governingRole(identity: Identity, limits: Readonly<Record<Role, RateLimit>>): Role {
  let best = identity.roles[0]!;
  for (const role of identity.roles) if (limits[role].points / limits[role].durationS > limits[best].points / limits[best].durationS) best = role;
  return best;
}

export function callerKey(identity: Identity): string {
  return `${identity.org ?? '-'}:${identity.sub}`;
}

export function createCallerRateLimiter(options: {
  limits?: Partial<Record<Role, RateLimit>>;
  redis?: RedisConnection;
  keyPrefix?: string;
  redisTimeoutMs?: number;
  metrics?: Metrics;
}): CallerRateLimiter {
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.limits };
  const keyPrefix = options.keyPrefix ?? 'dialplane:ratelimit:';
  const limiters = new Map<Role, RateLimiterAbstract | RLWrapperTimeouts>();
  for (const [role, limit] of Object.entries(limits) as [Role, RateLimit][]) {
    const memory = new RateLimiterMemory({ points: limit.points, duration: limit.durationS, keyPrefix: `${keyPrefix}${role}` });
    if (!options.redis) {
      limiters.set(role, memory);
      continue;
    }
    const shared = new RateLimiterRedis({
      storeClient: options.redis.client,
      useRedisPackage: true,
      // Not connected: decide in-process at once instead of queueing behind a reconnect.
      rejectIfRedisNotReady: true,
      points: limit.points,
      duration: limit.durationS,
      keyPrefix: `${keyPrefix}${role}`,
      insuranceLimiter: memory,
    });
    limiters.set(role, new RLWrapperTimeouts({ limiter: shared, timeoutMs: options.redisTimeoutMs ?? 20, insuranceLimiter: memory }));
  }
  const refused = options.metrics?.counter('dialplane_gateway_rate_limited_total', 'Requests refused by the per-caller rate limit, by role', ['role']);

  return {
    async consume(identity) {
      const role = governingRole(identity, limits);
      try {
        await limiters.get(role)!.consume(callerKey(identity), 1);
        return { allowed: true };
      } catch (rejection) {
        // A refusal is a RateLimiterRes (matched by shape: bundlers may load a second copy of the class).
        const msBeforeNext = (rejection as { msBeforeNext?: unknown }).msBeforeNext;
        if (!(rejection instanceof Error) && typeof msBeforeNext === 'number') {
          refused?.inc({ role });
          return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(msBeforeNext)) };
        }
        // Both the store and the insurance failed: do not turn a limiter fault into an outage.
        return { allowed: true };
      }
    },
  };
}
