import { migrate, openDatabase, type Database } from '../../shared/db.js';
import { prioritized } from '../../shared/db-priority.js';
import { errorForLog, type Logger } from '../../shared/logger.js';
import { createMetrics, type Metrics } from '../../shared/metrics.js';
import type { EngagementConfig } from './config.js';
import { createConsentClient, type ConsentClient } from './worker/consent-client.js';
import { createEngagementMetrics, type EngagementMetrics } from './metrics.js';
import { MIGRATIONS, MIGRATION_COMPONENT } from './migrations.js';
import { startWriteBackQueue, type WriteBackQueue } from './queue/queue.js';
import { createRevocationPusher, type RevocationPusher } from './worker/revocations.js';
import { EngagementStore } from './store.js';
import type { Latest } from './read-your-writes/overlay.js';
import { OverlayCache, reportingWrites } from './read-your-writes/overlay-cache.js';

/**
 * Everything the subgraph and the worker share: the database (migrated), the pg-boss queue, the
 * store, the metrics and the consent push. One per process; with PGlite the subgraph and its
 * in-process worker must share it (PGlite is a single connection).
 */
export interface EngagementRuntime {
  /** The request path's handle (acknowledgments, reads of the API). */
  db: Database;
  queue: WriteBackQueue;
  store: EngagementStore;
  /**
   * The worker's handles: on the embedded database its statements give way to the request path's
   * (shared/db-priority.ts), so an acknowledgment never queues behind a burst of write-back work;
   * on PostgreSQL they are `db` and `store`. pg-boss (fetch, complete, fail, maintenance) uses it.
   */
  workerDb: Database;
  workerStore: EngagementStore;
  metrics: Metrics;
  engagementMetrics: EngagementMetrics;
  consent: ConsentClient;
  revocations: RevocationPusher;
  /** Newest outcome per contact, kept in memory and dropped on every write (read-your-writes/overlay-cache.ts). */
  overlay: OverlayCache<Latest>;
  log: Logger;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  log: Logger;
  metrics?: Metrics;
  /** Run pg-boss maintenance (expiry of jobs lost with a crashed worker) in this process. */
  supervise?: boolean;
  maintenanceIntervalSeconds?: number;
  /** Replace the consent client (tests). */
  consent?: ConsentClient;
  /**
   * An already-open database to use instead of opening one from config (migrated here, not closed
   * here): `npm start` gives consent and engagement one embedded PGlite (they use separate schemas)
   * instead of one each, which halves the embedded stack's memory.
   */
  db?: Database;
}

/** How long an overlay answer may be served from memory (bounds only what other processes write). */
export const DEFAULT_OVERLAY_CACHE_MS = 1_000;

export async function openEngagementRuntime(
  config: EngagementConfig,
  options: RuntimeOptions,
): Promise<EngagementRuntime> {
  const { log } = options;
  const ownsDb = !options.db;
  const overlay = new OverlayCache<Latest>({ maxAgeMs: config.overlayCacheMs ?? DEFAULT_OVERLAY_CACHE_MS });
  // Every component of this process (store, queue, worker) writes through this handle, so the
  // overlay cache hears of each write to the tables it mirrors.
  const shared = reportingWrites(
    options.db ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, log })),
    () => overlay.changed(),
  );
  const { foreground: db, background: workerDb } = prioritized(shared);
  try {
    await migrate(db, MIGRATION_COMPONENT, MIGRATIONS);
    const queue = await startWriteBackQueue(workerDb, {
      policy: config.policy,
      supervise: options.supervise ?? true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? config.policy.maintenanceIntervalSeconds,
      onError: (error) => log.error({ err: error.message }, 'write-back queue error'),
    });
    const store = new EngagementStore(db, queue);
    const workerStore = db === workerDb ? store : new EngagementStore(workerDb, queue);
    const metrics = options.metrics ?? createMetrics('engagement');
    const engagementMetrics = createEngagementMetrics(metrics, () => store);
    const consent = options.consent ?? createConsentClient({ url: config.consentUrl, secret: config.internalSecret });
    // The opt-out push runs after the acknowledgment (nobody waits on it) and in the worker.
    const revocations = createRevocationPusher({ store: workerStore, consent, log, metrics: engagementMetrics });
    let closing: Promise<void> | undefined;
    return {
      db,
      queue,
      store,
      workerDb,
      workerStore,
      metrics,
      engagementMetrics,
      consent,
      revocations,
      overlay,
      log,
      close: () =>
        (closing ??= (async () => {
          await queue.stop().catch((e: unknown) => log.warn({ err: errorForLog(e) }, 'queue stop failed'));
          if (ownsDb) await db.close();
        })()),
    };
  } catch (error) {
    if (ownsDb) await db.close().catch(() => {});
    throw error;
  }
}
