import { migrate, openDatabase, type Database } from '../../db.js';
import { logError, type Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { ChangeHandler } from '../change-handler.js';
import type { CrmConnector } from '../connector.js';
import { RECONCILE_MIGRATIONS, ReconcileStateStore } from './cursor-store.js';
import { reconcileHealth, type ReconcileHealth, type ReconcileSettings } from './reconcile-policy.js';
import { Reconciler } from './reconciler.js';
import { startReconcileSchedule, type ReconcileSchedule } from './reconcile-schedule.js';

/**
 * A CRM subgraph's reconciliation: the durable state and job queue in a database, the reconciler
 * over the subgraph's own connector and change handler, the schedule, metrics, and the health
 * check readiness uses (red, with an error log line, when the CRM has not reconciled for longer
 * than `staleAlertMs`).
 */

export interface CrmReconciliationConfig extends ReconcileSettings {
  /** PostgreSQL shared by the replicas; unset = embedded PGlite (`dataDir`, or in memory). */
  databaseUrl?: string;
  dataDir?: string;
  /** How often health is checked for the log line. @default min(30000, staleAlertMs / 2) */
  alertCheckMs?: number;
}

export interface CrmReconciliation {
  reconciler: Reconciler;
  schedule: ReconcileSchedule;
  health(): Promise<ReconcileHealth>;
  stop(): Promise<void>;
}

export async function startCrmReconciliation(options: {
  connector: CrmConnector;
  changes: ChangeHandler;
  config: CrmReconciliationConfig;
  metrics: Metrics;
  log: Logger;
  /** An open database to keep state and jobs in (else opened from the config and closed on stop). */
  db?: Database;
  now?: () => Date;
}): Promise<CrmReconciliation> {
  const { connector, changes, config, metrics, log } = options;
  const now = options.now ?? (() => new Date());
  const crm = connector.source;
  const ownsDb = !options.db;
  const db =
    options.db ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, log, maxConnections: 3 }));
  const startedAt = now();
  try {
    await migrate(db, 'crm-reconcile', RECONCILE_MIGRATIONS);
    const state = new ReconcileStateStore(db);
    let lastSuccessAt: Date | null = null;

    const runs = metrics.counter('dialplane_crm_reconcile_runs_total', 'CRM reconciliation runs by outcome', [
      'crm',
      'outcome',
    ]);
    const records = metrics.counter(
      'dialplane_crm_reconcile_records_total',
      'Contacts read by reconciliation, by outcome (applied: missed by webhooks)',
      ['crm', 'outcome'],
    );
    metrics.gauge(
      'dialplane_crm_reconcile_last_success_timestamp_seconds',
      'When the last reconciliation run succeeded (0 = never)',
      ['crm'],
      function () {
        this.set({ crm }, lastSuccessAt ? lastSuccessAt.getTime() / 1000 : 0);
      },
    );
    metrics.gauge(
      'dialplane_crm_reconcile_lag_seconds',
      'Seconds since the last successful reconciliation (since start when none): how stale a missed change can be',
      ['crm'],
      function () {
        this.set({ crm }, (now().getTime() - (lastSuccessAt ?? startedAt).getTime()) / 1000);
      },
    );

    const reconciler = new Reconciler({
      connector,
      changes,
      state,
      settings: config,
      log,
      now,
      observer: {
        run: (outcome, _summary, at) => {
          runs.inc({ crm, outcome });
          if (outcome === 'success') lastSuccessAt = at;
        },
        records: (outcome, n) => {
          if (n > 0) records.inc({ crm, outcome }, n);
        },
      },
    });
    // Another replica may have succeeded recently: start from the durable record.
    lastSuccessAt = (await state.load(crm, now().getTime())).lastSuccessAt;

    const health = async (): Promise<ReconcileHealth> => reconcileHealth(lastSuccessAt, startedAt, now(), config);
    const alertTimer = setInterval(
      () => {
        void (async () => {
          // Runs on other replicas count: refresh from the shared state before judging.
          lastSuccessAt = (await state.load(crm, now().getTime())).lastSuccessAt ?? lastSuccessAt;
          const h = await health();
          if (!h.ok) {
            log.error(
              {
                crm,
                reason: h.reason,
                lastSuccessAt: h.lastSuccessAt?.toISOString() ?? null,
                boundMs: config.staleAlertMs,
                overdueMs: h.overdueMs,
              },
              'CRM not reconciled within the bound: changes the CRM failed to deliver may be missing',
            );
          }
        })().catch((error: unknown) => logError(log, error, 'reconciliation state unavailable', { crm }));
      },
      config.alertCheckMs ?? Math.min(30_000, Math.max(1_000, Math.floor(config.staleAlertMs / 2))),
    );
    alertTimer.unref();

    const schedule = await startReconcileSchedule({ db, reconciler, intervalMs: config.intervalMs, log });
    return {
      reconciler,
      schedule,
      health,
      async stop() {
        clearInterval(alertTimer);
        await schedule.stop();
        if (ownsDb) await db.close();
      },
    };
  } catch (error) {
    if (ownsDb) await db.close().catch(() => undefined);
    throw error;
  }
}
