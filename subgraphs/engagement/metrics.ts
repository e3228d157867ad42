import type { Metrics } from '../../shared/metrics.js';
import type { EngagementStore } from './store.js';

/** Write-back pipeline metrics. Gauges read the store when scraped, so every process reports the fleet's queue. */
export function createEngagementMetrics(metrics: Metrics, store?: () => EngagementStore | undefined) {
  const stats = async () => {
    const s = store?.();
    return s ? s.stats().catch(() => null) : null;
  };
  return {
    outcomes: metrics.counter(
      'dialplane_outcomes_recorded_total',
      'Call outcomes accepted, by channel and whether a duplicate',
      ['channel', 'duplicate'],
    ),
    acknowledgment: metrics.histogram(
      'dialplane_outcome_ack_seconds',
      'Time to store an outcome and enqueue its write-back',
      ['channel'],
    ),
    attempts: metrics.counter('dialplane_writeback_attempts_total', 'Write-back attempts by CRM and result', [
      'crm',
      'result',
    ]),
    failures: metrics.counter(
      'dialplane_writeback_failures_total',
      'Failed write-back attempts by CRM and error code',
      ['crm', 'code'],
    ),
    writeDuration: metrics.histogram(
      'dialplane_writeback_write_seconds',
      'Duration of one write attempt against the CRM',
      ['crm'],
    ),
    latency: metrics.histogram(
      'dialplane_writeback_latency_seconds',
      'Outcome accepted -> written to the CRM',
      ['crm'],
      [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
    ),
    crmRequests: metrics.counter('dialplane_writeback_crm_requests_total', 'CRM requests made by write-backs', ['crm']),
    rateLimited: metrics.counter(
      'dialplane_writeback_rate_limited_total',
      'CRM rate-limit answers honored (shared pause)',
      ['crm'],
    ),
    revocations: metrics.counter(
      'dialplane_consent_revocations_total',
      'Opt-out pushes to the consent ledger by result',
      ['result'],
    ),
    revocationDuration: metrics.histogram(
      'dialplane_consent_revocation_seconds',
      'Duration of a successful opt-out push',
    ),
    queueDepth: metrics.gauge(
      'dialplane_writeback_queue_depth',
      'Write-backs not yet in the CRM, by CRM',
      ['crm'],
      async function () {
        const s = await stats();
        if (!s) return;
        this.reset();
        for (const [crm, n] of Object.entries(s.pendingByCrm)) this.set({ crm }, n);
      },
    ),
    oldestPendingAge: metrics.gauge(
      'dialplane_writeback_oldest_pending_age_seconds',
      'Age of the oldest write-back not yet in the CRM',
      [],
      async function () {
        const s = await stats();
        if (s) this.set((s.oldestPendingAgeMs ?? 0) / 1000);
      },
    ),
    deadLettered: metrics.gauge(
      'dialplane_writeback_dead_letter_count',
      'Write-backs in the dead-letter queue',
      [],
      async function () {
        const s = await stats();
        if (s) this.set(s.deadLettered);
      },
    ),
  };
}
export type EngagementMetrics = ReturnType<typeof createEngagementMetrics>;
