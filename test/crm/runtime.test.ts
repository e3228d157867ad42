import { describe, expect, it } from 'vitest';
import { CircuitBreaker, BreakerOpenError } from '../../shared/crm/circuit-breaker.js';
import { WindowBatcher } from '../../shared/crm/window-batcher.js';
import { parseGlobalId } from '../../shared/crm/connector.js';
import { CRM_NAMES } from '../../crm/registry.js';

describe('WindowBatcher', () => {
  const make = (windowMs: number, maxBatchSize = 100, maxConcurrent = 4) => {
    const calls: string[][] = [];
    const batcher = new WindowBatcher<string, string>({
      windowMs,
      maxBatchSize,
      maxConcurrent,
      dispatch: async (keys) => {
        calls.push(keys);
        await new Promise((r) => setTimeout(r, 5));
        return keys.map((k) => k.toUpperCase());
      },
    });
    return { batcher, calls };
  };

  it('coalesces loads from separate callers within the window into one dispatch', async () => {
    const { batcher, calls } = make(3);
    const results = await Promise.all(['a', 'b', 'c'].map((k) => batcher.load(k)));
    expect(results).toEqual(['A', 'B', 'C']);
    expect(calls).toEqual([['a', 'b', 'c']]);
  });

  it('dedupes a key pending or in flight', async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    const batcher = new WindowBatcher<string, string>({
      windowMs: 2,
      maxBatchSize: 100,
      maxConcurrent: 4,
      dispatch: async (keys) => {
        calls.push(keys);
        await answered;
        return keys.map((k) => k.toUpperCase());
      },
    });
    const first = batcher.load('a');
    await expect.poll(() => calls.length, { interval: 1 }).toBe(1); // dispatched, not answered: in flight
    const again = [batcher.load('a'), batcher.load('a')];
    release();
    expect(await Promise.all([first, ...again])).toEqual(['A', 'A', 'A']);
    expect(calls).toEqual([['a']]);
  });

  it('never exceeds the batch limit and respects the concurrency limit', async () => {
    const { batcher, calls } = make(1, 10, 1);
    const keys = Array.from({ length: 35 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k) => batcher.load(k)));
    expect(calls.every((c) => c.length <= 10)).toBe(true);
    expect(calls.flat().sort()).toEqual([...keys].sort());
    expect(calls.length).toBe(4);
  });

  it('rejects every key of a failed batch', async () => {
    const batcher = new WindowBatcher<string, string>({
      windowMs: 0,
      maxBatchSize: 5,
      maxConcurrent: 1,
      dispatch: async () => {
        throw new Error('down');
      },
    });
    await expect(Promise.all([batcher.load('a'), batcher.load('b')])).rejects.toThrow('down');
  });
});

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, fails fast, probes once after openMs, closes on success', async () => {
    let now = 0;
    const states: string[] = [];
    const breaker = new CircuitBreaker('crm', {
      failureThreshold: 2,
      openMs: 100,
      now: () => now,
      onStateChange: (s) => states.push(s),
    });
    const fail = () =>
      breaker.run(async () => {
        throw new Error('x');
      });
    await expect(fail()).rejects.toThrow('x');
    await expect(fail()).rejects.toThrow('x');
    expect(breaker.state).toBe('open');
    let called = false;
    await expect(
      breaker.run(async () => {
        called = true;
      }),
    ).rejects.toBeInstanceOf(BreakerOpenError);
    expect(called).toBe(false);
    now = 150;
    expect(breaker.state).toBe('half_open');
    await breaker.run(async () => 1);
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('does not count permanent errors as outages', async () => {
    const breaker = new CircuitBreaker('crm', { failureThreshold: 1 });
    await expect(
      breaker.run(
        async () => {
          throw new Error('400');
        },
        () => false,
      ),
    ).rejects.toThrow();
    expect(breaker.state).toBe('closed');
  });
});

describe('global ids', () => {
  it('parses source-prefixed ids and rejects others', () => {
    expect(parseGlobalId('salesforce:003000000000001AAA', CRM_NAMES)).toEqual({
      source: 'salesforce',
      sourceId: '003000000000001AAA',
    });
    expect(parseGlobalId('hubspot:51', CRM_NAMES)).toEqual({ source: 'hubspot', sourceId: '51' });
    expect(parseGlobalId('pipedrive:1', CRM_NAMES)).toBeNull();
    expect(parseGlobalId('salesforce:', CRM_NAMES)).toBeNull();
    expect(parseGlobalId('51', CRM_NAMES)).toBeNull();
  });
});
