import type { Database } from '../../shared/db.js';
import type { EventBus } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import { revocationsAfter, type RevocationEntry } from './store/ledger.js';
import { logError } from '../../shared/logger.js';

/**
 * Delivers revocations to the subscriptions of this replica. The ledger is the source of truth;
 * the event bus (Redis pub/sub across replicas) only says "something new": on each notification,
 * and on a timer in case a notification was lost, the hub reads revocations after its cursor and
 * fans them out in sequence order. Ledger appends serialize on one lock, so sequence order is
 * commit order and reading "after the cursor" can never skip an event.
 */
export interface RevocationHub {
  start(): Promise<void>;
  /** Wakes the hub now (after a local append, without waiting for the bus). */
  poke(): void;
  /** `visible`: which events this subscriber may receive (seller scope, shared/seller-scope.ts). */
  subscribe(
    phones: Set<string> | null,
    after: number | null,
    visible?: (entry: RevocationEntry) => boolean,
  ): AsyncIterableIterator<RevocationEntry>;
  readonly subscribers: number;
  close(): Promise<void>;
}

export interface RevocationHubOptions {
  db: Database;
  bus: EventBus;
  log: Logger;
  pollMs: number;
  /** Told before new revocations are fanned out (the facts snapshot drops what it keeps). */
  onRevocations?: () => void;
}

export function createRevocationHub(options: RevocationHubOptions): RevocationHub {
  const { db, bus, log } = options;
  const listeners = new Set<(entry: RevocationEntry) => void>();
  let cursor = 0;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => Promise<void>) | null = null;
  let closed = false;

  const drain = async (): Promise<void> => {
    do {
      again = false;
      for (;;) {
        const batch = await revocationsAfter(db, cursor, null, 500);
        if (batch.length > 0) options.onRevocations?.();
        for (const entry of batch) {
          cursor = entry.seq;
          for (const l of listeners) l(entry);
        }
        if (batch.length < 500) break;
      }
    } while (again && !closed);
  };

  const poke = (): void => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => logError(log, error, 'revocation hub read failed'))
      .finally(() => {
        running = null;
      });
  };

  return {
    async start() {
      const max = await db.query<{ seq: number | null }>(
        "SELECT max(seq) AS seq FROM consent_ledger WHERE kind = 'REVOCATION'",
      );
      cursor = Number(max.rows[0]?.seq ?? 0);
      unsubscribe = await bus.subscribe('consent.revoked', () => poke());
      timer = setInterval(poke, options.pollMs);
      timer.unref();
    },
    poke,
    get subscribers() {
      return listeners.size;
    },
    subscribe(phones, after, visible) {
      const queue: RevocationEntry[] = [];
      let wake: ((r: IteratorResult<RevocationEntry>) => void) | null = null;
      let done = false;
      let delivered = after ?? -1;
      let replaying = after !== null;
      const held: RevocationEntry[] = [];
      const matches = (e: RevocationEntry) => (!phones || phones.has(e.e164)) && (!visible || visible(e));
      const push = (entry: RevocationEntry) => {
        if (done || entry.seq <= delivered || !matches(entry)) return;
        delivered = entry.seq;
        if (wake) {
          const w = wake;
          wake = null;
          w({ value: entry, done: false });
        } else queue.push(entry);
      };
      const listener = (entry: RevocationEntry) => (replaying ? held.push(entry) : push(entry));
      listeners.add(listener);
      if (after !== null) {
        // Replay from the ledger first, holding live events; then release what the replay did not cover.
        void (async () => {
          try {
            for (;;) {
              const page = await revocationsAfter(db, delivered, phones ? [...phones] : null, 500);
              for (const e of page) push(e);
              if (page.length < 500) break;
            }
          } catch (error) {
            logError(log, error, 'revocation replay failed');
          } finally {
            replaying = false;
            for (const e of held.splice(0)) push(e);
          }
        })();
      }
      const finish = async (): Promise<IteratorResult<RevocationEntry>> => {
        done = true;
        listeners.delete(listener);
        if (wake) wake({ value: undefined, done: true });
        return { value: undefined, done: true };
      };
      return {
        next() {
          if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
          if (done) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => {
            wake = resolve;
          });
        },
        return: finish,
        throw: finish,
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await unsubscribe?.().catch(() => undefined);
      await running;
      listeners.clear();
    },
  };
}
