import { describe, expect, it } from 'vitest';
import {
  BatchConcurrency,
  budgetFraction,
  type BatchOutcome,
  type BatchTicket,
} from '../../shared/crm/batch-concurrency.js';
import { batchOutcome } from '../../shared/crm/contact-service.js';
import { BreakerOpenError } from '../../shared/crm/circuit-breaker.js';
import { CrmCallError, type CrmApiBudget } from '../../shared/crm/connector.js';
import { WindowBatcher, type DispatchSlots } from '../../shared/crm/window-batcher.js';

/** The policy on a hand-moved clock: every decision is a function of the calls and the clock. */
function policy(max = 4, extra: Partial<ConstructorParameters<typeof BatchConcurrency>[0]> = {}) {
  const clock = { t: 0 };
  const p = new BatchConcurrency({ max, now: () => clock.t, ...extra });
  return { p, clock };
}

/**
 * One round of load: a batch starts, and while `contended` further keys keep arriving every `step`
 * ms (starting batches when the policy lets them) until one is refused; every batch takes `ms` and
 * ends with `outcome` while the CRM reports `budget` left.
 */
function round(
  { p, clock }: ReturnType<typeof policy>,
  budget: number | null,
  { ms = 200, step = 50, outcome = 'ok' as BatchOutcome, contended = true } = {},
) {
  const t0 = clock.t;
  const first = p.tryStart();
  expect(first).not.toBeNull();
  const batches = [{ ticket: first!, end: t0 + ms }];
  if (contended) {
    for (let k = 1; p.running < p.limit && k * step < ms; k++) {
      clock.t = t0 + k * step;
      const extra = p.tryStart();
      if (extra) batches.push({ ticket: extra, end: clock.t + ms });
    }
    p.tryStart(); // one more key, refused: every slot busy (or still gathering)
  }
  for (const { ticket, end } of batches) {
    clock.t = end;
    p.finished(ticket, outcome, budget);
  }
}

describe('BatchConcurrency (adaptive batch loads in flight)', () => {
  it('starts at one batch in flight and always lets a batch start when none runs', () => {
    const { p } = policy();
    expect(p.limit).toBe(1);
    const first = p.tryStart();
    expect(first).not.toBeNull();
    expect(p.tryStart()).toBeNull();
    expect(p.running).toBe(1);
  });

  it('raises by one per batch that ended well while keys waited and the budget was ample, up to max', () => {
    const s = policy(3);
    round(s, 0.9);
    expect(s.p.limit).toBe(2);
    round(s, 0.9);
    expect(s.p.limit).toBe(3);
    round(s, 0.9);
    expect(s.p.limit).toBe(3);
  });

  it('does not raise when no key waited behind the batch (light load keeps one batch)', () => {
    const s = policy();
    round(s, 0.9, { contended: false });
    round(s, 0.9, { contended: false });
    expect(s.p.limit).toBe(1);
  });

  it('never raises on an unknown or middling budget, and holds the limit on a middling one', () => {
    const s = policy();
    round(s, null);
    expect(s.p.limit).toBe(1);
    round(s, 0.9);
    round(s, 0.9);
    expect(s.p.limit).toBe(3);
    round(s, 0.3); // between the floor (0.2) and the raise mark (0.5): hold
    expect(s.p.limit).toBe(3);
  });

  it('returns to one at once when the budget falls below the floor', () => {
    const s = policy();
    round(s, 0.9);
    round(s, 0.9);
    expect(s.p.limit).toBe(3);
    round(s, 0.1);
    expect(s.p.limit).toBe(1);
  });

  it('returns to one on a rate limit and does not raise again until the cooldown has passed', () => {
    const s = policy(4, { cooldownMs: 10_000 });
    round(s, 0.9);
    round(s, 0.9);
    expect(s.p.limit).toBe(3);
    round(s, 0.9, { outcome: 'rate_limited' });
    expect(s.p.limit).toBe(1);
    round(s, 0.9);
    expect(s.p.limit).toBe(1);
    s.clock.t += 10_000;
    round(s, 0.9);
    expect(s.p.limit).toBe(2);
  });

  it('returns to one on an outage and keeps the limit on a rejected batch', () => {
    const s = policy();
    round(s, 0.9);
    round(s, 0.9);
    round(s, 0.9, { outcome: 'rejected' });
    expect(s.p.limit).toBe(3);
    round(s, 0.9, { outcome: 'outage' });
    expect(s.p.limit).toBe(1);
  });

  it('lowers by one when a batch takes more than twice as long as usual (the CRM slows down)', () => {
    const s = policy();
    round(s, 0.9, { ms: 100, step: 30 });
    round(s, 0.9, { ms: 100, step: 30 });
    round(s, 0.9, { ms: 100, step: 30 });
    expect(s.p.limit).toBe(4);
    round(s, 0.9, { ms: 250, step: 30 });
    expect(s.p.limit).toBe(3);
  });

  it('lets keys gather a usual batch / max before an extra batch, and join a batch about to end', () => {
    const s = policy(4);
    round(s, 0.5, { ms: 100 }); // usual batch 100 ms, limit 2, max 4: gather 25 ms
    expect(s.p.limit).toBe(2);
    const a = s.p.tryStart()!;
    s.clock.t += 10; // only 10 ms since a started: the keys gather on
    expect(s.p.tryStart()).toBeNull();
    expect(s.p.retryInMs()).toBe(15);
    s.clock.t += 15; // a ends in ~75 ms: keys would sit behind it, so a second batch starts
    const b = s.p.tryStart();
    expect(b).not.toBeNull();
    s.clock.t += 55; // a ends in ~20 ms (within 25 ms): keys take its slot instead
    expect(s.p.tryStart()).toBeNull();
    expect(s.p.retryInMs()).toBeNull();
    s.clock.t += 20;
    s.p.finished(a, 'ok', 0.5);
    s.p.finished(b!, 'ok', 0.5);
    expect(s.p.tryStart()).not.toBeNull();
  });

  it('spreads batch starts evenly: with a ceiling of 2, keys gather half a usual batch', () => {
    const s = policy(2);
    round(s, 0.9, { ms: 100 });
    expect(s.p.limit).toBe(2);
    s.p.tryStart();
    s.clock.t += 10;
    expect(s.p.tryStart()).toBeNull();
    expect(s.p.retryInMs()).toBe(40);
    s.clock.t += 40; // half a batch in: the running one ends in ~50 ms, more than a quarter batch
    expect(s.p.tryStart()).not.toBeNull();
  });

  it('rejects a max below one', () => {
    expect(() => new BatchConcurrency({ max: 0 })).toThrow(RangeError);
  });

  it('ignores a ticket handed back twice', () => {
    const s = policy();
    const t = s.p.tryStart() as BatchTicket;
    s.p.finished(t, 'ok', 0.9);
    s.p.finished(t, 'ok', 0.9);
    expect(s.p.running).toBe(0);
  });
});

describe('budgetFraction', () => {
  const base: CrmApiBudget = { used: 100, limit: 1_000, remaining: 900, window: 'daily', reportedAtMs: 1_000 };
  it('is the tighter of the daily allowance and a current burst window', () => {
    expect(budgetFraction(null, 0)).toBeNull();
    expect(budgetFraction(base, 2_000)).toBeCloseTo(0.9);
    const burst = { ...base, burst: { limit: 190, remaining: 19, intervalMs: 10_000 } };
    expect(budgetFraction(burst, 2_000)).toBeCloseTo(0.1);
    // The burst reading is older than its window: the window has turned over, only the daily counts.
    expect(budgetFraction(burst, 11_000)).toBeCloseTo(0.9);
  });
});

describe('batchOutcome', () => {
  it('tells a rate limit, an outage and a rejection apart', () => {
    expect(batchOutcome(undefined)).toBe('ok');
    expect(batchOutcome(new CrmCallError('hubspot', 'contacts.batchRead', 'rate_limited', '429', 429))).toBe(
      'rate_limited',
    );
    expect(batchOutcome(new CrmCallError('hubspot', 'contacts.batchRead', 'timeout', 'slow'))).toBe('outage');
    expect(batchOutcome(new BreakerOpenError('hubspot'))).toBe('outage');
    expect(batchOutcome(new CrmCallError('hubspot', 'contacts.batchRead', 'rejected', '400', 400))).toBe('rejected');
  });
});

describe('WindowBatcher with adaptive slots', () => {
  it('asks the slots for every extra dispatch and hands each handle back with the failure', async () => {
    const finished: [number, unknown][] = [];
    let allowed = 2;
    let handles = 0;
    const slots: DispatchSlots<number> = {
      tryStart: () => (handles - finished.length < allowed ? ++handles : null),
      finished: (h, error) => void finished.push([h, error]),
    };
    const releases: (() => void)[] = [];
    const batches: string[][] = [];
    const batcher = new WindowBatcher<string, string>({
      windowMs: 0,
      maxBatchSize: 100,
      slots: slots as DispatchSlots<unknown>,
      dispatch: (keys) => {
        batches.push(keys);
        if (keys.includes('bad')) return Promise.reject(new Error('boom'));
        return new Promise((resolve) => releases.push(() => resolve(keys.map((k) => k.toUpperCase()))));
      },
    });
    const a = batcher.load('a');
    await expect.poll(() => batches.length).toBe(1);
    const b = batcher.load('b');
    await expect.poll(() => batches.length).toBe(2); // a second slot: b does not wait behind a
    allowed = 0;
    const c = batcher.load('c');
    const d = batcher.load('d');
    await expect.poll(() => batcher.waiting).toBe(2);
    expect(batches.length).toBe(2);
    allowed = 2; // b still runs: one more may start
    releases.shift()!();
    await expect(a).resolves.toBe('A');
    await expect.poll(() => batches.length).toBe(3);
    expect(batches[2]).toEqual(['c', 'd']); // the waiting keys went out together
    releases.shift()!();
    releases.shift()!();
    await expect(Promise.all([b, c, d])).resolves.toEqual(['B', 'C', 'D']);
    await expect(batcher.load('bad')).rejects.toThrow('boom');
    await expect.poll(() => finished.length).toBe(4);
    expect(finished.slice(0, 3).every(([, e]) => e === undefined)).toBe(true);
    expect((finished[3]![1] as Error).message).toBe('boom');
  });

  it('asks again when the slots said keys gather for a while, without waiting for a dispatch to end', async () => {
    let gathering = true;
    const slots: DispatchSlots<number> = {
      tryStart: () => (gathering ? null : 1),
      finished: () => {},
      retryInMs: () => {
        gathering = false;
        return 5;
      },
    };
    const batches: string[][] = [];
    const batcher = new WindowBatcher<string, string>({
      windowMs: 0,
      maxBatchSize: 100,
      slots: slots as DispatchSlots<unknown>,
      dispatch: async (keys) => {
        batches.push(keys);
        return keys;
      },
    });
    await expect(batcher.load('a')).resolves.toBe('a');
    expect(batches).toEqual([['a']]);
  });
});
