import type { Metrics } from '../metrics.js';
import type { BreakerState } from './circuit-breaker.js';
import { CrmCallError, type CrmSource } from './connector.js';

/**
 * The Prometheus series of a CRM subgraph (on top of the request metrics of startSubgraph):
 * CRM calls and latency per endpoint and outcome, batch sizes, cache results, drift errors and
 * breaker state. Label values are fixed sets (endpoint names, outcomes, canonical fields), never ids.
 */
export interface CrmMetrics {
  /** Times one CRM call and counts it by endpoint and outcome. Connectors wrap every client call in it. */
  call<T>(endpoint: string, fn: () => Promise<T>): Promise<T>;
  batchSize(size: number): void;
  /** `refresh`: a background refresh ahead of expiry was started (the read itself counted as a hit). */
  cache(result: 'hit' | 'miss' | 'stale' | 'unavailable' | 'refresh'): void;
  drift(field: string): void;
  /** Consent-critical CRM fields the drift watch currently knows to be missing. */
  criticalDrift(fields: number): void;
  breaker(state: BreakerState): void;
  /** Batch loads the adaptive concurrency allows in flight now (1 = group commit only). */
  batchConcurrency?(limit: number): void;
  webhookEvent(outcome: 'applied' | 'duplicate' | 'out_of_order' | 'rejected'): void;
  phoneLookup(via: 'index' | 'search'): void;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export function createCrmMetrics(metrics: Metrics, crm: CrmSource): CrmMetrics {
  const calls = metrics.counter('dialplane_crm_calls_total', 'CRM API calls by endpoint and outcome', [
    'crm',
    'endpoint',
    'outcome',
  ]);
  const callSeconds = metrics.histogram('dialplane_crm_call_duration_seconds', 'CRM API call latency', [
    'crm',
    'endpoint',
    'outcome',
  ]);
  const batch = metrics.histogram(
    'dialplane_crm_batch_size',
    'Contacts per CRM batch load',
    ['crm'],
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
  );
  const cache = metrics.counter('dialplane_crm_cache_total', 'Contact cache lookups by result', ['crm', 'result']);
  const drift = metrics.counter(
    'dialplane_crm_schema_drift_total',
    'Canonical fields not served because of CRM schema drift',
    ['crm', 'field'],
  );
  const critical = metrics.gauge(
    'dialplane_crm_consent_critical_drift',
    'Consent-critical CRM fields (do-not-call, phones) currently missing; decisions on this CRM fail closed',
    ['crm'],
  );
  const breaker = metrics.gauge(
    'dialplane_crm_breaker_state',
    'CRM circuit breaker state (0 closed, 1 half-open, 2 open)',
    ['crm'],
  );
  const webhooks = metrics.counter('dialplane_crm_change_events_total', 'CRM change events by outcome', [
    'crm',
    'outcome',
  ]);
  const phone = metrics.counter('dialplane_crm_phone_lookups_total', 'contactsByPhone resolutions by path', [
    'crm',
    'via',
  ]);
  const concurrency = metrics.gauge(
    'dialplane_crm_batch_concurrency',
    'Batch loads allowed in flight at once (adaptive: rises while the CRM reports budget to spare, 1 after a rate limit)',
    ['crm'],
  );
  breaker.set({ crm }, 0);
  critical.set({ crm }, 0);
  concurrency.set({ crm }, 1);
  return {
    async call(endpoint, fn) {
      const stop = callSeconds.startTimer({ crm, endpoint });
      let outcome = 'ok';
      try {
        return await fn();
      } catch (error) {
        outcome = error instanceof CrmCallError ? error.kind : 'error';
        throw error;
      } finally {
        stop({ outcome });
        calls.inc({ crm, endpoint, outcome });
      }
    },
    batchSize: (size) => batch.observe({ crm }, size),
    cache: (result) => cache.inc({ crm, result }),
    drift: (field) => drift.inc({ crm, field }),
    criticalDrift: (fields) => critical.set({ crm }, fields),
    breaker: (state) => breaker.set({ crm }, BREAKER_VALUE[state]),
    batchConcurrency: (limit) => concurrency.set({ crm }, limit),
    webhookEvent: (outcome) => webhooks.inc({ crm, outcome }),
    phoneLookup: (via) => phone.inc({ crm, via }),
  };
}
