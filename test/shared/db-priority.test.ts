import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../../shared/db.js';
import { prioritized } from '../../shared/db-priority.js';
import { pgBossDb } from '../../shared/job-queue.js';

/**
 * The embedded database runs one statement at a time in arrival order; a request's statement must
 * not queue behind a worker's burst (issue 17: acknowledgment p99 independent of what the CRMs
 * are doing), and the worker must still drain under constant request load.
 */
describe('prioritized embedded database', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({});
  });
  afterAll(async () => {
    await db.close();
  });

  /** Runs `sql` on `handle` and records the order of completion under `label`. */
  const track = (
    order: string[],
    handle: Database,
    label: string,
    sql = 'SELECT count(*) FROM generate_series(1, 20000)',
  ) => handle.query(sql).then(() => order.push(label));

  it('runs a request statement after at most the one worker statement already inside', async () => {
    const { foreground, background } = prioritized(db, { maxWaitMs: 10_000 });
    const order: string[] = [];
    const burst = Array.from({ length: 10 }, (_, i) => track(order, background, `worker-${i}`));
    const request = track(order, foreground, 'request');
    await Promise.all([...burst, request]);
    expect(order.indexOf('request')).toBeLessThanOrEqual(1);
    expect(order).toHaveLength(11);
  });

  it('holds no request behind a worker transaction that has not started yet', async () => {
    const { foreground, background } = prioritized(db, { maxWaitMs: 10_000 });
    const order: string[] = [];
    const first = background.transaction(async (tx) => {
      await tx.query('SELECT count(*) FROM generate_series(1, 20000)');
      order.push('worker-tx-1');
    });
    const second = background.transaction(async (tx) => {
      await tx.query('SELECT count(*) FROM generate_series(1, 20000)');
      order.push('worker-tx-2');
    });
    const request = track(order, foreground, 'request');
    await Promise.all([first, second, request]);
    expect(order.indexOf('request')).toBeLessThan(order.indexOf('worker-tx-2'));
    expect(order).toHaveLength(3);
  });

  it('lets the worker in after maxWaitMs while requests keep it out', async () => {
    // A database whose statements end when the test says (a request that stays inside).
    const calls: string[] = [];
    const ends: (() => void)[] = [];
    const fake: Database = {
      ...db,
      query: ((sql: string) => {
        calls.push(sql);
        return new Promise((resolve) => ends.push(() => resolve({ rows: [], rowCount: 0 })));
      }) as Database['query'],
    };
    const { foreground, background } = prioritized(fake, { maxWaitMs: 30 });
    const request = foreground.query('request');
    const started = performance.now();
    const worker = background.query('worker');
    expect(calls).toEqual(['request']);
    await vi.waitFor(() => expect(calls).toEqual(['request', 'worker']), { timeout: 2_000, interval: 5 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    for (const end of ends) end();
    await Promise.all([request, worker]);
  });

  it("orders pg-boss's parameterless maintenance statements too (they used to go straight to PGlite)", async () => {
    const calls: string[] = [];
    const ends: (() => void)[] = [];
    const fake: Database = {
      ...db,
      query: ((sql: string) => {
        calls.push(sql);
        return new Promise((resolve) => ends.push(() => resolve({ rows: [], rowCount: 0 })));
      }) as Database['query'],
    };
    const { foreground, background } = prioritized(fake, { maxWaitMs: 10_000 });
    const request = foreground.query('request');
    // pg-boss's handle over the ordering one, noting when a statement is handed to it.
    const handedOver = vi.fn();
    const ordered: Database = {
      ...background,
      query: ((sql: string, params?: unknown[]) => {
        handedOver(sql);
        return background.query(sql, params);
      }) as Database['query'],
    };
    const maintenance = pgBossDb(ordered, ordered).executeSql('SELECT count(*) FROM engagement_queue.job', []);
    await vi.waitFor(() => expect(handedOver).toHaveBeenCalled(), { timeout: 2_000, interval: 5 });
    // Handed to the ordering, it waits there while the request is inside.
    expect(calls).toEqual(['request']);
    ends.shift()!();
    await vi.waitFor(() => expect(calls).toHaveLength(2), { timeout: 2_000, interval: 5 });
    ends.shift()!();
    await Promise.all([request, maintenance]);
  });

  // pg-boss's maintenance (expire, archive, drop) is a parameterless script (BEGIN; advisory lock;
  // statement; COMMIT), 5-50 ms on a few thousand jobs: it must wait for requests like any other
  // background statement.
  it("orders pg-boss's multi-statement maintenance scripts too", async () => {
    const ends: (() => void)[] = [];
    let requestDone = false;
    const fake: Database = {
      ...db,
      query: (() => new Promise((resolve) => ends.push(() => resolve({ rows: [], rowCount: 0 })))) as Database['query'],
    };
    const { foreground, background } = prioritized(fake, { maxWaitMs: 10_000 });
    const request = foreground.query('request').then(() => {
      requestDone = true;
    });
    let scriptRanAfterRequest: boolean | undefined;
    const maintenance = pgBossDb(background, background)
      .executeSql('BEGIN; SELECT 1 AS one; COMMIT;', [])
      .then((result) => {
        scriptRanAfterRequest = requestDone;
        return result;
      });
    await vi.waitFor(() => expect(ends).toHaveLength(1), { timeout: 2_000, interval: 5 });
    // Give a script that jumped the queue the time to finish.
    await new Promise((r) => setImmediate(r));
    ends.shift()!();
    await Promise.all([request, maintenance]);
    expect(scriptRanAfterRequest).toBe(true);
  });

  it('is the database itself on PostgreSQL (a pool orders nothing)', () => {
    const fake = { ...db, kind: 'postgres' as const };
    const { foreground, background } = prioritized(fake);
    expect(foreground).toBe(fake);
    expect(background).toBe(fake);
  });
});
