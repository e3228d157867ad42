import { SpanAttr, tracingActive, withSpan } from '../../../shared/tracing.js';
import type { CallOutcomeInput } from './outcome.js';
import type { EngagementRuntime } from '../runtime.js';
import type { Receipt } from '../store.js';
import { logError } from '../../../shared/logger.js';

/**
 * The one path by which an outcome enters, shared by `recordCallOutcome` and the post-call
 * webhook: one statement (outcome + write-back job + revocation job), then, without making the
 * caller wait, the opt-out push to consent and a nudge to the local worker.
 */
export interface OutcomeRecorder {
  record(input: CallOutcomeInput, channel: 'graphql' | 'webhook', webhookEventId?: string): Promise<Receipt>;
  /** Set by the server when a worker runs in this process. */
  notifyWorker(): void;
  setWorkerNotifier(notify: () => void): void;
  /** Resolves when every opt-out push started so far has settled (tests, graceful shutdown). */
  settled(): Promise<void>;
}

export function createOutcomeRecorder(runtime: EngagementRuntime): OutcomeRecorder {
  const { store, revocations, engagementMetrics: m, log } = runtime;
  let notify: () => void = () => {};
  const pushes = new Set<Promise<unknown>>();
  const recordOutcome = async (
    input: CallOutcomeInput,
    channel: 'graphql' | 'webhook',
    webhookEventId?: string,
  ): Promise<Receipt> => {
    const started = performance.now();
    const { receipt, revocationPending } = await store.recordOutcome(input, channel, webhookEventId);
    m.acknowledgment.observe({ channel }, (performance.now() - started) / 1000);
    m.outcomes.inc({ channel, duplicate: String(receipt.duplicate) });
    if (!receipt.duplicate) {
      log.info(
        {
          outcomeId: receipt.id,
          crm: input.contactId.crm,
          disposition: input.disposition,
          channel,
          optOut: revocationPending,
        },
        'call outcome accepted',
      );
      notify();
    }
    if (revocationPending) {
      const p = revocations
        .push(receipt.id)
        .catch((error: unknown) =>
          logError(log, error, 'opt-out push failed; the job will retry', { outcomeId: receipt.id }),
        )
        .finally(() => pushes.delete(p));
      pushes.add(p);
    }
    return receipt;
  };
  return {
    record(input, channel, webhookEventId) {
      if (!tracingActive()) return recordOutcome(input, channel, webhookEventId);
      // The call outcome's span: the voice platform's call id and the decision it acted on.
      return withSpan(
        'engagement.recordCallOutcome',
        {
          attributes: {
            [SpanAttr.callId]: input.callId,
            [SpanAttr.decisionId]: input.decisionId,
            [SpanAttr.crm]: input.contactId.crm,
            'dialplane.outcome.disposition': input.disposition,
            'dialplane.outcome.channel': channel,
          },
        },
        async (span) => {
          const receipt = await recordOutcome(input, channel, webhookEventId);
          span?.setAttributes({ [SpanAttr.outcomeId]: receipt.id, 'dialplane.outcome.duplicate': receipt.duplicate });
          return receipt;
        },
      );
    },
    notifyWorker: () => notify(),
    setWorkerNotifier(fn) {
      notify = fn;
    },
    async settled() {
      await Promise.allSettled([...pushes]);
    },
  };
}
