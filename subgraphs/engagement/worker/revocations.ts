import type { Logger } from '../../../shared/logger.js';
import { isDialplaneError } from '../../../shared/errors.js';
import type { ConsentClient } from './consent-client.js';
import type { EngagementMetrics } from '../metrics.js';
import type { EngagementStore } from '../store.js';

/**
 * Opt-out -> consent ledger. The revocation row is committed with the outcome; `push` is then
 * called at once (not awaited by the receipt) and again by the durable `consent-revoke` job until
 * consent has it. A lease keeps the immediate push and the job from calling consent together.
 */
export interface RevocationPusher {
  /** 'DONE' when consent has the revocation (now or before), 'PENDING' when it must be retried. */
  push(outcomeId: string): Promise<'DONE' | 'PENDING' | 'NONE'>;
}

export const REVOCATION_LEASE_MS = 10_000;

export function createRevocationPusher(deps: {
  store: EngagementStore;
  consent: ConsentClient;
  log: Logger;
  metrics: EngagementMetrics;
}): RevocationPusher {
  const { store, consent, log, metrics } = deps;
  return {
    async push(outcomeId) {
      const claimed = await store.claimRevocation(outcomeId, REVOCATION_LEASE_MS);
      if (!claimed) {
        const status = await store.revocationStatus(outcomeId);
        return status;
      }
      const started = performance.now();
      try {
        await consent.revoke({
          phone: claimed.phone,
          occurredAt: claimed.outcome.occurredAt,
          channel: claimed.outcome.disposition === 'OPTED_OUT' ? 'VOICE' : 'TRANSCRIPT',
          reference: `engagement:${outcomeId}`,
          decisionId: claimed.outcome.decisionId,
        });
        await store.completeRevocation(outcomeId);
        metrics.revocations.inc({ result: 'done' });
        metrics.revocationDuration.observe((performance.now() - started) / 1000);
        log.info({ outcomeId }, 'opt-out recorded in the consent ledger');
        return 'DONE';
      } catch (error) {
        const code = isDialplaneError(error) ? error.code : 'INTERNAL_SERVER_ERROR';
        await store.releaseRevocation(outcomeId, code);
        metrics.revocations.inc({ result: 'retry' });
        // The job retries; an unreachable consent ledger is worth a warning every time.
        log.warn({ outcomeId, code }, 'consent revocation not yet recorded; will retry');
        return 'PENDING';
      }
    },
  };
}
