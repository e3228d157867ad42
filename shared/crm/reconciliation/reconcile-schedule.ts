import PgBoss from 'pg-boss';
import type { Database } from '../../db.js';
import { pgBossDb } from '../../job-queue.js';
import type { Logger } from '../../logger.js';
import type { Reconciler } from './reconciler.js';
import { logError } from '../../logger.js';

/**
 * Runs a CRM's reconciliation on the job queue dialplane already runs (pg-boss), so that across
 * every replica of a CRM subgraph exactly one run is active at a time and runs never pile up:
 * each replica ticks every interval and sends a job to the CRM's `stately` queue, which holds at
 * most one queued and one active job; whichever replica's worker fetches it runs it. A replica
 * dying mid-run has its job expired by pg-boss maintenance, and the cursor (checkpointed after
 * every page) tells the next run where to resume.
 */

export const RECONCILE_QUEUE_SCHEMA = 'crm_reconcile_queue';
export const reconcileQueueName = (crm: string): string => `crm-reconcile-${crm}`;

export interface ReconcileScheduleOptions {
  db: Database;
  reconciler: Reconciler;
  intervalMs: number;
  log: Logger;
  /** How long a run may take before pg-boss expires it (a replica died). @default 900 */
  runTimeoutSeconds?: number;
}

export interface ReconcileSchedule {
  /** Asks for a run now (joins the queue; no-op when one is already waiting). */
  trigger(): Promise<void>;
  stop(): Promise<void>;
}

export async function startReconcileSchedule(options: ReconcileScheduleOptions): Promise<ReconcileSchedule> {
  const { db, reconciler, intervalMs, log } = options;
  const queue = reconcileQueueName(reconciler.source);
  const boss = new PgBoss({
    db: pgBossDb(db, db),
    schema: RECONCILE_QUEUE_SCHEMA,
    supervise: true,
    schedule: false,
    migrate: true,
    maintenanceIntervalSeconds: 60,
    monitorStateIntervalSeconds: 300,
  });
  boss.on('error', (error) => log.error({ crm: reconciler.source, err: error.message }, 'reconciliation queue error'));
  await boss.start();
  if (!(await boss.getQueue(queue))) {
    await boss
      .createQueue(queue, {
        name: queue,
        policy: 'stately',
        // A failed run is not retried as such: the next tick is the retry, from the saved cursor.
        retryLimit: 0,
        expireInSeconds: options.runTimeoutSeconds ?? 900,
        retentionDays: 1,
      })
      .catch(async (error: unknown) => {
        // Another replica created it first.
        if (!(await boss.getQueue(queue))) throw error;
      });
  }
  const pollingIntervalSeconds = Math.min(2, Math.max(0.5, intervalMs / 4_000));
  await boss.work(queue, { pollingIntervalSeconds, batchSize: 1 }, async () => {
    // Errors are logged and recorded by the reconciler; the job fails and the next tick retries.
    await reconciler.runOnce();
  });

  let stopped = false;
  const trigger = async () => {
    if (stopped) return;
    try {
      await boss.send(queue, {});
    } catch (error) {
      logError(log, error, 'could not queue a reconciliation run', { crm: reconciler.source });
    }
  };
  const timer = setInterval(() => void trigger(), intervalMs);
  timer.unref();
  void trigger();
  return {
    trigger,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await boss.stop({ graceful: true, timeout: 5_000, wait: true });
    },
  };
}
