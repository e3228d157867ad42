import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RedisBreaker } from '../../shared/redis-breaker.js';

/** A Redis stand-in whose PING answers, fails or hangs as the test says. */
function fakeRedis() {
  const state = { ready: true, ping: 'ok' as 'ok' | 'fail' | 'hang', pings: 0 };
  return {
    state,
    isReady: () => state.ready,
    client: {
      ping: () => {
        state.pings++;
        if (state.ping === 'ok') return Promise.resolve('PONG');
        if (state.ping === 'fail') return Promise.reject(new Error('ECONNRESET'));
        return new Promise(() => undefined);
      },
    },
  };
}

describe('RedisBreaker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('skips Redis after a failure and never hands a request the probe', async () => {
    const redis = fakeRedis();
    const breaker = new RedisBreaker(redis, { openMs: 1_000, timeoutMs: 50 });
    expect(breaker.usable()).toBe(true);
    redis.state.ping = 'hang'; // a partition: only timeouts notice
    breaker.trip();
    expect(breaker.state).toBe('open');
    for (let second = 0; second < 5; second++) {
      // Before: once the open period ended, the next request was let through to probe (and paid the timeout).
      expect(breaker.usable()).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000 + 50);
    }
    expect(redis.state.pings).toBeGreaterThanOrEqual(4);
    expect(breaker.failedProbes).toBe(redis.state.pings);
    expect(breaker.usable()).toBe(false);
    breaker.stop();
  });

  it('closes once a background probe is answered, and tells its owner', async () => {
    const redis = fakeRedis();
    const onClose = vi.fn();
    const breaker = new RedisBreaker(redis, { openMs: 200, timeoutMs: 50, onClose });
    redis.state.ping = 'fail';
    breaker.trip();
    await vi.advanceTimersByTimeAsync(450);
    expect(breaker.state).toBe('open');
    expect(onClose).not.toHaveBeenCalled();
    redis.state.ping = 'ok';
    await vi.advanceTimersByTimeAsync(250);
    expect(breaker.state).toBe('closed');
    expect(breaker.usable()).toBe(true);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('is not usable while the connection is down, and does not probe a socket that is not connected', async () => {
    const redis = fakeRedis();
    const breaker = new RedisBreaker(redis, { openMs: 100 });
    redis.state.ready = false;
    expect(breaker.usable()).toBe(false);
    breaker.trip();
    await vi.advanceTimersByTimeAsync(350);
    expect(redis.state.pings).toBe(0);
    expect(breaker.failedProbes).toBeGreaterThanOrEqual(3);
    redis.state.ready = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(breaker.usable()).toBe(true);
  });

  it('stops probing when stopped', async () => {
    const redis = fakeRedis();
    const breaker = new RedisBreaker(redis, { openMs: 100 });
    redis.state.ping = 'fail';
    breaker.trip();
    breaker.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(redis.state.pings).toBe(0);
  });
});
