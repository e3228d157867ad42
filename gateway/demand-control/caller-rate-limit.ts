import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Identity, Role } from '../../shared/identity.js';
import type { Metrics } from '../../shared/metrics.js';
import type { RedisConnection } from '../../shared/redis.js';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import { RedisBreaker } from '../../shared/redis-breaker.js';

/**
 * Per-caller request rate, shared by every gateway replica through Redis (rate-limiter-flexible's
 * atomic counter script), per role: `points` requests per `durationS` seconds per caller (`org`
 * + `sub`). When Redis errs, does not answer within `redisTimeoutMs`, or is not connected, an
 * in-process limiter with the same budget (rate-limiter-flexible's insurance limiter) decides
 * instead, so an outage neither blocks requests nor lifts the limit.
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
  /** Stops the Redis breaker's background probe (shutdown). */
  close(): void;
}

/** The role whose limit applies: the most generous one the caller holds. */
function governingRole(identity: Identity, limits: Readonly<Record<Role, RateLimit>>): Role {
  let best = identity.roles[0]!;
  for (const role of identity.roles)
    if (limits[role].points / limits[role].durationS > limits[best].points / limits[best].durationS) best = role;
  return best;
}

export function callerKey(identity: Identity): string {
  return `${identity.org ?? '-'}:${identity.sub}`;
}

/** Redis did not answer within `redisTimeoutMs`: decide in-process instead. */
class RedisTimeout extends DialplaneError {
  constructor(timeoutMs: number) {
    super(ErrorCode.TIMEOUT, `redis rate limiter timeout after ${timeoutMs} ms`);
  }
}

export function createCallerRateLimiter(options: {
  limits?: Partial<Record<Role, RateLimit>>;
  redis?: RedisConnection;
  keyPrefix?: string;
  redisTimeoutMs?: number;
  /** Time between background probes while Redis is skipped after a timeout, ms. @default 1000 */
  breakerOpenMs?: number;
  metrics?: Metrics;
}): CallerRateLimiter {
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.limits };
  const keyPrefix = options.keyPrefix ?? 'dialplane:ratelimit:';
  const timeoutMs = options.redisTimeoutMs ?? 50;
  const openMs = options.breakerOpenMs ?? 1_000;
  const limiters = new Map<Role, { memory: RateLimiterMemory; shared?: RateLimiterRedis }>();
  for (const [role, limit] of Object.entries(limits) as [Role, RateLimit][]) {
    const memory = new RateLimiterMemory({
      points: limit.points,
      duration: limit.durationS,
      keyPrefix: `${keyPrefix}${role}`,
    });
    const shared = options.redis
      ? new RateLimiterRedis({
          storeClient: options.redis.client,
          useRedisPackage: true,
          // Not connected: decide in-process at once instead of queueing behind a reconnect.
          rejectIfRedisNotReady: true,
          points: limit.points,
          duration: limit.durationS,
          keyPrefix: `${keyPrefix}${role}`,
          insuranceLimiter: memory,
        })
      : undefined;
    limiters.set(role, { memory, ...(shared ? { shared } : {}) });
  }
  const refused = options.metrics?.counter(
    'dialplane_gateway_rate_limited_total',
    'Requests refused by the per-caller rate limit, by role',
    ['role'],
  );
  // A Redis that stops answering (a partition) is skipped after one timeout until a background
  // probe sees it answer: no request pays a probe.
  const breaker = options.redis ? new RedisBreaker(options.redis, { openMs, timeoutMs }) : undefined;

  const consumeShared = async (shared: RateLimiterRedis, memory: RateLimiterMemory, key: string): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        shared.consume(key, 1),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new RedisTimeout(timeoutMs)), timeoutMs))),
      ]);
    } catch (error) {
      if (!(error instanceof RedisTimeout)) throw error;
      breaker?.trip();
      await memory.consume(key, 1);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    close: () => breaker?.stop(),
    async consume(identity) {
      const role = governingRole(identity, limits);
      const { memory, shared } = limiters.get(role)!;
      const key = callerKey(identity);
      try {
        if (shared && breaker?.usable()) await consumeShared(shared, memory, key);
        else await memory.consume(key, 1);
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
