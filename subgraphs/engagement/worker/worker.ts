import { setTimeout as sleep } from 'node:timers/promises';
import type PgBoss from 'pg-boss';
import { CircuitBreakers } from '../../../shared/crm/circuit-breaker.js';
import { ErrorCode } from '../../../shared/errors.js';
import { createLogger, logError } from '../../../shared/logger.js';
import {
  SpanAttr,
  SpanKind,
  contextFromCarrier,
  recordSpanError,
  tracingActive,
  withSpan,
} from '../../../shared/tracing.js';
import type { EngagementConfig, WriteBackPolicy } from '../config.js';
import { CRM_NAMES, createCrmWriters, type CrmName } from '../../../crm/registry.js';
import { CrmWriterRouter, type RoutedWriter } from '../../../crm/writers.js';
import type { ConnectionDirectory } from '../../../shared/crm/connection.js';
import { WriteBackError, type CrmWriter } from '../../../shared/crm/writer.js';
import type { StoredOutcome } from '../intake/outcome.js';
import { QUEUES, type WriteBackJobData } from '../queue/queue.js';
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
import { RateLimitWaitTooLong, createCrmRateLimiter, type CrmRateLimiter } from '../queue/rate-limit.js';
import { openEngagementRuntime, type EngagementRuntime } from '../runtime.js';

/**
 * The write-back worker: drains the pg-boss queues. Per job: count the attempt, make sure an
 * opt-out is in the consent ledger first, take a token from the CRM's shared bucket before every
 * request, write idempotently (Salesforce external-id upsert, HubSpot search-before-create), then
 * mark the row written and complete the job in one transaction. A crash anywhere leaves the job
 * active until pg-boss expires it; the retry finds the CRM record the first attempt made.
 */

export interface WriteBackWorker {
  /** Wake the fetch loop now (a job was just enqueued in this process). */
  notify(): void;
  /** Stops fetching, waits for in-flight jobs (up to `timeoutMs`), and closes what it opened. */
  close(timeoutMs?: number): Promise<void>;
}

export interface WorkerDeps {
  runtime: EngagementRuntime;
  policy: WriteBackPolicy;
  writers: Record<CrmName, CrmWriter>;
  limiter: CrmRateLimiter;
  /** The sellers' own CRM connections: an outcome is written to its seller's (unset: all to `writers`). */
  connections?: ConnectionDirectory;
}

/** A CRM whose next slot is further away than this is not fetched for (its jobs stay queued). */
const FETCH_BLOCK_MS = 1_000;

/**
 * A job's CONSUMER span (tracing on), a child of the enqueue's span whose context the job carries:
 * the trace of the request that recorded the outcome continues here, attempt after attempt.
 */
function processJob(
  name: string,
  job: PgBoss.JobWithMetadata<WriteBackJobData>,
  handler: (j: PgBoss.JobWithMetadata<WriteBackJobData>) => Promise<void>,
): Promise<void> {
  if (!tracingActive()) return handler(job);
  return withSpan(
    `${name} process`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextFromCarrier(job.data.trace),
      attributes: {
        'messaging.system': 'pg-boss',
        'messaging.operation.type': 'process',
        'messaging.destination.name': name,
        'messaging.message.id': job.id,
        [SpanAttr.writeBackId]: job.data.writeBackId,
        [SpanAttr.attempt]: job.retryCount + 1,
      },
    },
    () => handler(job),
  );
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

export async function runWriteBackWorker(deps: WorkerDeps): Promise<WriteBackWorker> {
  const { runtime, policy, writers, limiter } = deps;
  const router = new CrmWriterRouter(writers, deps.connections);
  const { store, queue, revocations, engagementMetrics: m, log } = runtime;
  const boss = queue.boss;
  const abort = new AbortController();
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const idle = new Set<Promise<void>>();
  // Consecutive outage failures per CRM (keyed by name; a connection id later), for the outage pause.
  const breakers = new CircuitBreakers({ failureThreshold: BREAKER_THRESHOLD, openMs: BREAKER_MAX_PAUSE_MS });

  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const waitForWork = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

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
    const jobSignal = AbortSignal.any([abort.signal, AbortSignal.timeout(budgetMs)]);
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
        if (abort.signal.aborted) throw error;
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
      interruptedByShutdown: abort.signal.aborted && !(error instanceof WriteBackError),
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

  async function handleRevocation(job: PgBoss.JobWithMetadata<WriteBackJobData>): Promise<void> {
    const status = await revocations.push(job.data.writeBackId);
    if (status === 'PENDING') await boss.fail(QUEUES.consentRevoke, job.id, { code: ErrorCode.CONSENT_PENDING });
    else await boss.complete(QUEUES.consentRevoke, job.id, { status });
  }

  const run = (
    name: string,
    job: PgBoss.JobWithMetadata<WriteBackJobData>,
    handler: (j: PgBoss.JobWithMetadata<WriteBackJobData>) => Promise<void>,
  ) => {
    inFlight++;
    const p = processJob(name, job, handler)
      .catch((error: unknown) => {
        // The handler records its own failures; reaching here means the database failed us. The
        // job stays active and pg-boss expiry retries it.
        logError(log, error, 'write-back handler failed', { queue: name, jobId: job.id });
      })
      .finally(() => {
        inFlight--;
        idle.delete(p);
        notify();
      });
    idle.add(p);
  };

  // Which CRMs to fetch for: one whose shared bucket is paused (rate limit, breaker) is skipped, so
  // its jobs wait in the queue instead of occupying workers; refreshed from the database, since the
  // pause may come from another worker.
  let blocked: Record<string, number> = {};
  let blockedCheckedAt = 0;
  const refreshBlocked = async () => {
    if (Date.now() - blockedCheckedAt < policy.pollIntervalMs) return;
    blockedCheckedAt = Date.now();
    blocked = await limiter.blockedForMs().catch(() => blocked);
  };
  let lastRevokeFetch = 0;

  const loop = (async () => {
    while (!abort.signal.aborted) {
      let fetched = 0;
      try {
        await refreshBlocked();
        const queues: [string, (j: PgBoss.JobWithMetadata<WriteBackJobData>) => Promise<void>][] = [];
        // Revocations are rare: look for them once per poll interval, not on every loop.
        if (Date.now() - lastRevokeFetch >= policy.pollIntervalMs) {
          lastRevokeFetch = Date.now();
          queues.push([QUEUES.consentRevoke, handleRevocation]);
        }
        for (const crm of CRM_NAMES)
          if ((blocked[crm] ?? 0) <= FETCH_BLOCK_MS) queues.push([QUEUES.writeBack(crm), handleWriteBack]);
        for (const [name, handler] of queues) {
          const free = policy.concurrency - inFlight;
          if (free <= 0 || abort.signal.aborted) break;
          const jobs = await boss.fetch<WriteBackJobData>(name, { batchSize: free, includeMetadata: true });
          for (const job of jobs) run(name, job, handler);
          fetched += jobs.length;
        }
      } catch (error) {
        logError(log, error, 'write-back fetch failed');
        await sleep(policy.pollIntervalMs);
      }
      if (abort.signal.aborted) break;
      if (fetched === 0 || inFlight >= policy.concurrency) await waitForWork(policy.pollIntervalMs);
    }
  })();

  return {
    notify,
    async close(timeoutMs = 5_000) {
      abort.abort();
      notify();
      await loop;
      await Promise.race([Promise.allSettled([...idle]), sleep(timeoutMs)]);
      router.close();
    },
  };
}

/**
 * The worker as its own process (`npm run worker`) or inside the subgraph: opens the runtime
 * (unless given one), the CRM writers and the shared rate limiter, and starts draining.
 */
export async function startWriteBackWorker(
  config: EngagementConfig,
  options: {
    runtime?: EngagementRuntime;
    writers?: Record<CrmName, CrmWriter>;
    /** The sellers' own CRM connections (write-backs go to the outcome's seller's). */
    connections?: ConnectionDirectory;
  } = {},
): Promise<WriteBackWorker> {
  const log = options.runtime?.log ?? createLogger('engagement-worker', { level: config.logLevel });
  const runtime = options.runtime ?? (await openEngagementRuntime(config, { log }));
  const writers = options.writers ?? createCrmWriters(config.crm);
  const limiter = await createCrmRateLimiter(runtime.db, config.policy.rateLimits);
  const worker = await runWriteBackWorker({
    runtime,
    policy: config.policy,
    writers,
    limiter,
    ...(options.connections ? { connections: options.connections } : {}),
  });
  log.info({ concurrency: config.policy.concurrency, crms: CRM_NAMES }, 'write-back worker started');
  return {
    notify: worker.notify,
    async close(timeoutMs) {
      await worker.close(timeoutMs);
      if (!options.writers) for (const w of Object.values(writers)) w.close();
      if (!options.runtime) await runtime.close();
    },
  };
}
