import type { Logger } from '../logger.js';
import { BreakerOpenError, CircuitBreaker } from './circuit-breaker.js';
import {
  CrmCallError,
  type CanonicalContact,
  type ContactLoadResult,
  type CrmConnector,
  type FieldDrift,
} from './connector.js';
import type { CrmMetrics } from './crm-metrics.js';
import type { ContactStore, CachedContactEntry } from './contact-store.js';
import {
  BatchConcurrency,
  DEFAULT_BATCH_CONCURRENCY_MAX,
  budgetFraction,
  type BatchOutcome,
} from './batch-concurrency.js';
import { CallerOverloadedError, WindowBatcher } from './window-batcher.js';

/** Contact loads one caller may have waiting for the CRM at once (fair sharing; beyond: RATE_LIMITED). */
export const DEFAULT_MAX_WAITING_PER_CALLER = 500;

/**
 * The read path of a CRM subgraph: cache → short-window cross-request batcher → circuit breaker →
 * connector (one CRM batch call per window and batch limit). On a CRM failure a cached entry is
 * served flagged stale; with nothing cached the answer is `unavailable`.
 */

export type ContactAnswer =
  | { kind: 'found'; contact: CanonicalContact; drift: FieldDrift[]; fetchedAt: number; stale: boolean }
  | { kind: 'notFound' }
  | { kind: 'unavailable'; reason: string }
  /** This caller already has its share of loads waiting for the CRM (fair sharing): retry later. */
  | { kind: 'overloaded' };

export interface ContactServiceOptions {
  connector: CrmConnector;
  store: ContactStore;
  metrics: CrmMetrics;
  log: Logger;
  batchWindowMs: number;
  /**
   * A fixed number of batch loads in flight, instead of the adaptive concurrency (benchmarks and
   * tests that compare settings).
   */
  maxConcurrentBatches?: number;
  /**
   * Ceiling of the adaptive batch concurrency (CRM_BATCH_CONCURRENCY_MAX), itself capped by
   * connector.limits.maxConcurrentBatches; 1 keeps one batch in flight. @default DEFAULT_BATCH_CONCURRENCY_MAX
   */
  batchConcurrencyMax?: number;
  breaker?: { failureThreshold?: number; openMs?: number };
  /** Loads one caller may have waiting in the batcher. @default DEFAULT_MAX_WAITING_PER_CALLER */
  maxWaitingPerCaller?: number;
  /**
   * Refresh ahead of expiry: a fresh entry read within this many ms of the end of its freshness is
   * re-read from the CRM in the background while callers keep getting the (still fresh) copy, so a
   * hot contact never makes a caller wait on the CRM when it expires. 0 disables. Clamped to half
   * the cache lifetime. @default 2000
   */
  refreshAheadMs?: number;
  /** Clock (epoch ms); the store must use the same one. @default Date.now */
  now?: () => number;
  /** Sees every batch the CRM answered, after it is stored (the drift watch reads its drift). */
  onLoaded?: (results: readonly ContactLoadResult[]) => Promise<void>;
}

export const DEFAULT_REFRESH_AHEAD_MS = 2_000;

/** Errors that mean "the CRM is down or overloaded" (open the breaker, serve stale). */
export function isOutage(error: unknown): boolean {
  return !(error instanceof CrmCallError) || error.isOutage;
}

export class ContactService {
  readonly breaker: CircuitBreaker;
  private readonly batcher: WindowBatcher<string, ContactLoadResult>;
  /** The adaptive limit of batch loads in flight; null with a fixed maxConcurrentBatches. */
  readonly batchConcurrency: BatchConcurrency | null;
  private readonly now: () => number;
  /** Ids with a background refresh in flight (one per id at a time). */
  private readonly refreshing = new Set<string>();

  constructor(private readonly options: ContactServiceOptions) {
    const { connector, metrics } = options;
    this.now = options.now ?? Date.now;
    this.breaker = new CircuitBreaker(connector.source, {
      ...options.breaker,
      now: this.now,
      onStateChange: (state) => {
        metrics.breaker(state);
        options.log.warn({ crm: connector.source, state }, 'CRM circuit breaker state changed');
      },
    });
    const fixed = options.maxConcurrentBatches;
    const policy = (this.batchConcurrency =
      fixed === undefined
        ? new BatchConcurrency({
            max: Math.max(
              1,
              Math.min(
                options.batchConcurrencyMax ?? DEFAULT_BATCH_CONCURRENCY_MAX,
                connector.limits.maxConcurrentBatches,
              ),
            ),
          })
        : null);
    this.batcher = new WindowBatcher<string, ContactLoadResult>({
      windowMs: options.batchWindowMs,
      maxBatchSize: connector.limits.maxBatchSize,
      ...(policy
        ? {
            slots: {
              tryStart: () => policy.tryStart(),
              retryInMs: () => policy.retryInMs(),
              finished: (ticket, error) => {
                const before = policy.limit;
                policy.finished(
                  ticket as Parameters<BatchConcurrency['finished']>[0],
                  batchOutcome(error),
                  this.budgetLeft(),
                );
                if (policy.limit !== before) metrics.batchConcurrency?.(policy.limit);
              },
            },
          }
        : { maxConcurrent: fixed }),
      maxWaitingPerCaller: options.maxWaitingPerCaller ?? DEFAULT_MAX_WAITING_PER_CALLER,
      dispatch: (ids) => this.fetch(ids),
    });
  }

  get source() {
    return this.options.connector.source;
  }

  /**
   * The fraction of the CRM's allowance its last answer reported left (this batch's, or a later
   * call's); the client stamps it with the wall clock, so it is aged with the wall clock too. A
   * connector that cannot say answers unknown, which never raises the concurrency.
   */
  private budgetLeft(): number | null {
    try {
      return budgetFraction(this.options.connector.apiBudget(), Date.now());
    } catch {
      return null;
    }
  }

  /** One answer per id, in order. Never throws. */
  async getMany(sourceIds: readonly string[], caller = ''): Promise<ContactAnswer[]> {
    const { store, metrics } = this.options;
    const now = this.now();
    const entries = await store.getMany(sourceIds);
    const refreshFrom = store.ttlMs - this.refreshAheadMs;
    return Promise.all(
      sourceIds.map(async (id, i): Promise<ContactAnswer> => {
        const entry = entries[i];
        if (entry && store.isFresh(entry, now)) {
          metrics.cache('hit');
          if (this.refreshAheadMs > 0 && now - entry.fetchedAt >= refreshFrom) this.refreshInBackground(id);
          return fromEntry(entry, false);
        }
        metrics.cache('miss');
        try {
          const result = await this.batcher.load(id, caller);
          return result.kind === 'found' ? { ...result, fetchedAt: this.now(), stale: false } : result;
        } catch (error) {
          if (entry) {
            metrics.cache('stale');
            return fromEntry(entry, true);
          }
          if (error instanceof CallerOverloadedError) return { kind: 'overloaded' };
          metrics.cache('unavailable');
          return { kind: 'unavailable', reason: describeFailure(error) };
        }
      }),
    );
  }

  /** Refresh-ahead window in ms (0 = off), at most half the freshness lifetime. */
  get refreshAheadMs(): number {
    const wanted = this.options.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS;
    return Math.max(0, Math.min(wanted, Math.floor(this.options.store.ttlMs / 2)));
  }

  /** Ids whose background refresh is in flight (tests). */
  get refreshesInFlight(): number {
    return this.refreshing.size;
  }

  /**
   * Re-reads one contact through the batcher (so it joins other loads in the window) without
   * anyone waiting on it; `fetch` stores the result, and a change event that lands meanwhile still
   * wins (ContactStore.putMany keeps a raced entry non-fresh). A failure is only logged: the
   * current copy stays fresh until its own lifetime ends, never longer.
   */
  private refreshInBackground(id: string): void {
    if (this.refreshing.has(id) || this.breaker.state === 'open') return;
    this.refreshing.add(id);
    this.options.metrics.cache('refresh');
    this.batcher
      .load(id)
      .catch((error: unknown) =>
        this.options.log.debug({ crm: this.source, err: describeFailure(error) }, 'refresh ahead of expiry failed'),
      )
      .finally(() => this.refreshing.delete(id));
  }

  /** Runs a non-batched CRM call (phone search) through the same breaker. */
  callThroughBreaker<T>(fn: () => Promise<T>): Promise<T> {
    return this.breaker.run(fn, isOutage);
  }

  private async fetch(ids: string[]): Promise<ContactLoadResult[]> {
    const { connector, store, metrics, log } = this.options;
    const startedAt = this.now();
    metrics.batchSize(ids.length);
    try {
      const results = await this.breaker.run(() => connector.loadContacts(ids), isOutage);
      // Written before the loads resolve, so a request arriving right after finds it.
      await store.putMany(
        ids.map((sourceId, i) => ({ sourceId, result: results[i]! })),
        startedAt,
      );
      await this.options.onLoaded?.(results);
      return results;
    } catch (error) {
      if (!(error instanceof BreakerOpenError)) {
        log.warn({ crm: connector.source, batch: ids.length, err: describeFailure(error) }, 'CRM batch load failed');
      }
      throw error;
    }
  }
}

/** How a batch load ended, for the concurrency policy. */
export function batchOutcome(error: unknown): BatchOutcome {
  if (error === undefined) return 'ok';
  if (error instanceof CrmCallError && error.kind === 'rate_limited') return 'rate_limited';
  // An open breaker is an outage seen earlier; anything not a CRM answer counts as one too.
  if (error instanceof BreakerOpenError || isOutage(error)) return 'outage';
  return 'rejected';
}

function fromEntry(entry: CachedContactEntry, stale: boolean): ContactAnswer {
  return entry.result.kind === 'found'
    ? { kind: 'found', contact: entry.result.contact, drift: entry.result.drift, fetchedAt: entry.fetchedAt, stale }
    : { kind: 'notFound' };
}

function describeFailure(error: unknown): string {
  if (error instanceof BreakerOpenError) return 'circuit breaker open';
  if (error instanceof CrmCallError)
    return `${error.endpoint}: ${error.kind}${error.status ? ` (${error.status})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
