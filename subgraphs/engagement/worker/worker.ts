import { setTimeout as sleep } from 'node:timers/promises';
import type PgBoss from 'pg-boss';
import { ErrorCode } from '../../../shared/errors.js';
import { createLogger, logError } from '../../../shared/logger.js';
import { SpanAttr, SpanKind, contextFromCarrier, tracingActive, withSpan } from '../../../shared/tracing.js';
import type { EngagementConfig, WriteBackPolicy } from '../config.js';
import { CRM_NAMES, createCrmWriters, type CrmName } from '../../../crm/registry.js';
import type { ConnectionDirectory, CrmConnection } from '../../../shared/crm/connection.js';
import type { ConnectionTokenSource } from '../../../shared/crm/connections/tokens.js';
import type { CrmWriter } from '../../../shared/crm/writer.js';
import { QUEUES, type WriteBackJobData } from '../queue/queue.js';
import { createCrmRateLimiter, type CrmRateLimiter } from '../queue/rate-limit.js';
import { openEngagementRuntime, type EngagementRuntime } from '../runtime.js';
import { writeBackAttempts } from './write-back-attempt.js';
import { openWorkerConnections } from './connections.js';
import type { EventBus } from '../../../shared/events.js';

/**
 * The write-back worker: drains the pg-boss queues, skipping CRMs whose shared bucket is paused.
 * Each write-back job is one attempt (write-back-attempt.ts: consent first, token, idempotent
 * write to the seller's connection or the deployment's, marked written with the job completed in
 * one transaction; on failure what attempt-policy.ts decides). A crash anywhere leaves the job
 * active until pg-boss expires it; the retry finds the CRM record the first attempt made.
 */

export interface WriteBackWorker {
  /** Wake the fetch loop now (a job was just enqueued in this process). */
  notify(): void;
  /** Stops fetching, waits for in-flight jobs (up to `timeoutMs`), and closes what it opened. */
  close(timeoutMs?: number): Promise<void>;
  /** The sellers' connections it writes by (startWriteBackWorker: given or read from the store). */
  connections?: ConnectionDirectory;
}

export interface WorkerDeps {
  runtime: EngagementRuntime;
  policy: WriteBackPolicy;
  writers: Record<CrmName, CrmWriter>;
  limiter: CrmRateLimiter;
  /** The sellers' own CRM connections: an outcome is written to its seller's (unset: all to `writers`). */
  connections?: ConnectionDirectory;
  /**
   * A stored connection's token source (the process's connection runtime: `tokens.sourceFor`):
   * its writer takes tokens from there (refresh-token and OAuth connections).
   */
  connectionTokens?: (connection: CrmConnection) => ConnectionTokenSource | undefined;
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

export async function runWriteBackWorker(deps: WorkerDeps): Promise<WriteBackWorker> {
  const { runtime, policy, writers, limiter } = deps;
  const { queue, revocations, log } = runtime;
  const boss = queue.boss;
  const abort = new AbortController();
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const idle = new Set<Promise<void>>();
  const attempts = writeBackAttempts({
    runtime,
    policy,
    writers,
    limiter,
    signal: abort.signal,
    ...(deps.connections ? { connections: deps.connections } : {}),
    ...(deps.connectionTokens ? { connectionTokens: deps.connectionTokens } : {}),
  });
  const handleWriteBack = attempts.handle;

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
      attempts.close();
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
    /** Their token sources (a connection runtime's `tokens.sourceFor`). */
    connectionTokens?: (connection: CrmConnection) => ConnectionTokenSource | undefined;
    /** The bus connection changes arrive on (npm start's in-process one); else one from config.redisUrl. */
    bus?: EventBus;
  } = {},
): Promise<WriteBackWorker> {
  const log = options.runtime?.log ?? createLogger('engagement-worker', { level: config.logLevel });
  const runtime = options.runtime ?? (await openEngagementRuntime(config, { log }));
  const writers = options.writers ?? createCrmWriters(config.crm);
  const limiter = await createCrmRateLimiter(runtime.workerDb, config.policy.rateLimits);
  // The stored connections (unless given): each outcome is written to its seller's own account.
  const stored = options.connections
    ? undefined
    : await openWorkerConnections(config, { db: runtime.workerDb, log, ...(options.bus ? { bus: options.bus } : {}) });
  const connections = options.connections ?? stored?.runtime.directory;
  const connectionTokens = options.connectionTokens ?? stored?.tokensFor;
  const worker = await runWriteBackWorker({
    runtime,
    policy: config.policy,
    writers,
    limiter,
    ...(connections ? { connections } : {}),
    ...(connectionTokens ? { connectionTokens } : {}),
  });
  log.info({ concurrency: config.policy.concurrency, crms: CRM_NAMES }, 'write-back worker started');
  return {
    notify: worker.notify,
    ...(connections ? { connections } : {}),
    async close(timeoutMs) {
      await worker.close(timeoutMs);
      await stored?.close();
      if (!options.writers) for (const w of Object.values(writers)) w.close();
      if (!options.runtime) await runtime.close();
    },
  };
}
