import { setTimeout as sleep } from 'node:timers/promises';
import type PgBoss from 'pg-boss';
import { CircuitBreakers } from '../../../shared/crm/circuit-breaker.js';
import { ErrorCode } from '../../../shared/errors.js';
import { SpanAttr, SpanKind, recordSpanError, tracingActive, withSpan } from '../../../shared/tracing.js';
import type { WriteBackPolicy } from '../config.js';
import type { CrmName } from '../../../crm/registry.js';
import { CrmWriterRouter, type RoutedWriter } from '../../../crm/writers.js';
import type { ConnectionDirectory, CrmConnection } from '../../../shared/crm/connection.js';
import type { ConnectionTokenSource } from '../../../shared/crm/connections/tokens.js';
import { WriteBackError, type CrmWriter } from '../../../shared/crm/writer.js';
import type { StoredOutcome } from '../intake/outcome.js';
import type { WriteBackJobData } from '../queue/queue.js';
import { RateLimitWaitTooLong, type CrmRateLimiter } from '../queue/rate-limit.js';
import type { EngagementRuntime } from '../runtime.js';
import {
  BREAKER_MAX_PAUSE_MS,
  BREAKER_THRESHOLD,
  classifyFailure,
  crmThrottlePauseMs,
  decideAttempt,
  jobBudgetMs,
  outagePauseMs,
  waitInJob,
} from './attempt-policy.js';

/**
 * One write-back attempt, executed: count the attempt, make sure an opt-out is in the consent
 * ledger first, take a token from the CRM's shared bucket before every request, write
 * idempotently (Salesforce external-id upsert, HubSpot search-before-create) to the outcome's
 * seller's connection or the deployment's, then mark the row written and complete the job in one
 * transaction; on failure, do what attempt-policy.ts decides. worker.ts fetches the jobs and
 * calls the handler returned here.
 */

export interface AttemptDeps {
  runtime: EngagementRuntime;
  policy: WriteBackPolicy;
  writers: Record<CrmName, CrmWriter>;
  limiter: CrmRateLimiter;
  /** Aborted when the worker closes: in-job waits end, and an interrupted attempt is abandoned. */
  signal: AbortSignal;
  /** The sellers' own CRM connections: an outcome is written to its seller's (unset: all to `writers`). */
  connections?: ConnectionDirectory;
  /**
   * A stored connection's token source (the process's connection runtime: `tokens.sourceFor`):
   * its writer takes tokens from there (refresh-token and OAuth connections).
   */
  connectionTokens?: (connection: CrmConnection) => ConnectionTokenSource | undefined;
}

/** The CRM write of one attempt as a CLIENT span, with the call and decision it records. */
function traceCrmWrite<T>(crm: CrmName, outcome: StoredOutcome, attempt: number, write: () => Promise<T>): Promise<T> {
  if (!tracingActive()) return write();
  return withSpan(
    `${crm} write`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [SpanAttr.crm]: crm,
        [SpanAttr.outcomeId]: outcome.id,
        [SpanAttr.callId]: outcome.callId,
        [SpanAttr.decisionId]: outcome.decisionId,
        [SpanAttr.attempt]: attempt,
      },
    },
    write,
  );
}

/** The handler of the write-back queues' jobs (one call per fetched job), and what closes its writers. */
export function writeBackAttempts(deps: AttemptDeps): {
  handle: (job: PgBoss.JobWithMetadata<WriteBackJobData>) => Promise<void>;
  close: () => void;
} {
  const { runtime, policy, writers, limiter, signal } = deps;
  const router = new CrmWriterRouter(writers, deps.connections, deps.connectionTokens);
  const { workerStore: store, queue, revocations, engagementMetrics: m, log } = runtime;
  const boss = queue.boss;
  // Consecutive outage failures per connection (the deployment's: per CRM), for the outage pause.
  const breakers = new CircuitBreakers({ failureThreshold: BREAKER_THRESHOLD, openMs: BREAKER_MAX_PAUSE_MS });

  async function handleWriteBack(job: PgBoss.JobWithMetadata<WriteBackJobData>): Promise<void> {
    const id = job.data.writeBackId;
    const begun = await store.beginAttempt(id);
    if (!begun) {
      // Already written or dead-lettered (a crash after our commit, or a replayed duplicate).
      await boss.complete(job.name, job.id, { skipped: true });
      return;
    }
    const { outcome } = begun;
    const crm = outcome.crm;
    const attempt = job.retryCount + 1;
    const started = performance.now();
    const budgetMs = jobBudgetMs(Number(job.expireInSeconds));
    const route = router.writerFor(crm, outcome.seller);
    try {
      const crmRecordId = await writeOnce(outcome, route, attempt, started, budgetMs);
      m.writeDuration.observe({ crm }, (performance.now() - started) / 1000);
      breakers.get(route.key).recordSuccess();
      await store.db.transaction(async (tx) => {
        await store.markWritten(tx, id, crmRecordId);
        await boss.complete(
          job.name,
          job.id,
          { crmRecordId },
          { db: { executeSql: (t: string, v: unknown[]) => tx.query(t, v) } },
        );
      });
      m.attempts.inc({ crm, result: 'written' });
      m.latency.observe({ crm }, (Date.now() - Date.parse(outcome.acceptedAt)) / 1000);
      log.info({ writeBackId: id, crm, attempt, crmRecordId }, 'write-back written');
    } catch (error) {
      await settleFailure(job, crm, route, attempt, started, error);
    }
  }

  /**
   * One attempt's CRM work: the opt-out into the consent ledger first, then the idempotent write,
   * waiting out the CRM's rate-limit answers in the job while the policy allows. Throws what failed.
   */
  async function writeOnce(
    outcome: StoredOutcome,
    route: RoutedWriter,
    attempt: number,
    started: number,
    budgetMs: number,
  ) {
    const crm = outcome.crm;
    const jobSignal = AbortSignal.any([signal, AbortSignal.timeout(budgetMs)]);
    // A seller's connection whose CRM is down fails fast until its breaker lets a probe through;
    // the deployment connection pauses the CRM's shared bucket instead (below).
    if (route.connectionId !== null && breakers.get(route.key).state === 'open')
      throw new WriteBackError(ErrorCode.CRM_UNAVAILABLE, `${crm} connection unavailable (breaker open)`, true, {
        crm,
        crmCode: ErrorCode.CRM_UNAVAILABLE,
        step: 'breaker',
      });
    // A CRM's "slow down" is fleet-wide for the deployment account; a seller's own account only
    // slows that seller's write-backs (this job waits), never the other sellers'.
    const pause = (ms: number) =>
      route.connectionId === null ? limiter.pause(crm, ms) : sleep(ms, undefined, { signal: jobSignal });
    if (outcome.optOut) {
      // Never write the CRM before the ledger has the opt-out.
      const status = await revocations.push(outcome.id);
      if (status === 'PENDING') {
        throw new WriteBackError(ErrorCode.SUBGRAPH_UNAVAILABLE, 'opt-out not yet in the consent ledger', true, {
          crm,
          crmCode: ErrorCode.CONSENT_PENDING,
          step: 'consent.revoke',
        });
      }
    }
    const takeToken = async () => {
      try {
        await limiter.acquire(crm, {
          signal: jobSignal,
          maxWaitMs: Math.max(0, budgetMs - (performance.now() - started)),
        });
      } catch (error) {
        if (signal.aborted) throw error;
        const waitMs = error instanceof RateLimitWaitTooLong ? error.waitMs : undefined;
        throw new WriteBackError(
          ErrorCode.CRM_RATE_LIMITED,
          `${crm} rate limit: no request slot within the job's time budget`,
          true,
          { crm, crmCode: ErrorCode.RATE_LIMIT_WAIT, step: 'rate-limit' },
          waitMs,
        );
      }
      m.crmRequests.inc({ crm });
    };
    for (let waits = 0; ; waits++) {
      try {
        const result = await traceCrmWrite(crm, outcome, attempt, () => route.writer.write(outcome, takeToken));
        return result.crmRecordId;
      } catch (error) {
        const pauseMs = crmThrottlePauseMs(classifyFailure(error));
        if (pauseMs === null) throw error;
        // Honor the CRM's answer for the whole fleet, then maybe try again in this job.
        m.rateLimited.inc({ crm });
        await pause(pauseMs);
        if (!waitInJob(pauseMs, { waits, elapsedMs: performance.now() - started, budgetMs })) throw error;
      }
    }
  }

  /** A failed attempt: the outage pause, then what attempt-policy.ts decides (retry, dead-letter, abandon). */
  async function settleFailure(
    job: PgBoss.JobWithMetadata<WriteBackJobData>,
    crm: CrmName,
    route: RoutedWriter,
    attempt: number,
    started: number,
    error: unknown,
  ): Promise<void> {
    const id = job.data.writeBackId;
    const failure = classifyFailure(error);
    const decision = decideAttempt({
      attempt,
      policy,
      failure,
      interruptedByShutdown: signal.aborted && !(error instanceof WriteBackError),
      random: Math.random,
    });
    if (decision.action === 'abandon') {
      await boss.fail(job.name, job.id, { code: ErrorCode.SHUTDOWN }).catch(() => {});
      return;
    }
    recordSpanError(error);
    const { code, message } = failure;
    m.failures.inc({ crm, code });
    m.writeDuration.observe({ crm }, (performance.now() - started) / 1000);
    if (failure.outage) {
      const breaker = breakers.get(route.key);
      breaker.recordFailure();
      const pauseMs = outagePauseMs(breaker.consecutiveFailures);
      // A seller's connection stops at its own breaker; only the deployment account pauses the CRM's bucket.
      if (pauseMs !== null && route.connectionId === null) {
        await limiter.pause(crm, pauseMs).catch(() => {});
        log.warn(
          { crm, consecutiveFailures: breaker.consecutiveFailures, pauseMs },
          'CRM unavailable: write-backs paused',
        );
      }
    }
    if (decision.action === 'dead-letter') {
      await store.markDeadLettered(id, code, message);
      await boss.complete(job.name, job.id, { deadLettered: true, code });
      m.attempts.inc({ crm, result: 'dead_lettered' });
      log.error({ writeBackId: id, crm, attempt, code, retryable: failure.retryable }, 'write-back dead-lettered');
      return;
    }
    if (decision.action !== 'retry') return;
    const next = await queue.failAttempt(crm, job.id, { code, message }, decision.maxDelayMs);
    await store.markRetrying(id, code, message, next);
    m.attempts.inc({ crm, result: 'retry' });
    log.warn({ writeBackId: id, crm, attempt, code }, 'write-back failed; will retry');
  }

  return { handle: handleWriteBack, close: () => router.close() };
}
