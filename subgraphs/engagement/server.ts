import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { Database } from '../../shared/db.js';
import { createLogger, logError, type Logger } from '../../shared/logger.js';
import { startSubgraph } from '../../shared/subgraph-server.js';
import type { EngagementConfig } from './config.js';
import type { ConsentClient } from './worker/consent-client.js';
import type { CrmWriter } from '../../shared/crm/writer.js';
import type { CrmName } from '../../crm/registry.js';
import { createOutcomeRecorder, type OutcomeRecorder } from './intake/recorder.js';
import { engagementContext, engagementResolvers, type EngagementContext } from './resolvers.js';
import { openEngagementRuntime, type EngagementRuntime } from './runtime.js';
import { callEndedRoute } from './intake/webhooks.js';
import { startWriteBackWorker, type WriteBackWorker } from './worker/worker.js';
import type { EventBus } from '../../shared/events.js';

export const ENGAGEMENT_TYPE_DEFS = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface RunningEngagementSubgraph {
  url: string;
  port: number;
  close(): Promise<void>;
  /** For tests and the all-in-one start: the shared runtime and the in-process worker (if any). */
  runtime: EngagementRuntime;
  recorder: OutcomeRecorder;
  worker: WriteBackWorker | null;
}

export interface EngagementSubgraphOptions {
  log?: Logger;
  /** Replace the consent client / CRM writers (tests); default: real HTTP clients from config. */
  consent?: ConsentClient;
  writers?: Record<CrmName, CrmWriter>;
  /** pg-boss maintenance interval (expiry of jobs a crashed worker held). */
  maintenanceIntervalSeconds?: number;
  /** How often the pending-age alert is evaluated. */
  alertIntervalMs?: number;
  /** A database shared with another component of this process (see RuntimeOptions.db); not closed here. */
  db?: Database;
  /** The event bus connection changes arrive on (npm start's in-process bus); else one from config. */
  bus?: EventBus;
}

/**
 * The engagement subgraph (default port 4004): the GraphQL API, `POST /webhooks/call-ended`,
 * readiness tied to the age of the oldest pending write-back, and (config.runWorker) the
 * write-back worker in the same process.
 */
export async function startEngagementSubgraph(
  config: EngagementConfig,
  options: EngagementSubgraphOptions = {},
): Promise<RunningEngagementSubgraph> {
  const log = options.log ?? createLogger('engagement', { level: config.logLevel });
  const runtime = await openEngagementRuntime(config, {
    log,
    consent: options.consent,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds,
    db: options.db,
  });
  const recorder = createOutcomeRecorder(runtime);
  let worker: WriteBackWorker | null = null;
  let alertTimer: NodeJS.Timeout | undefined;
  try {
    if (config.runWorker) {
      worker = await startWriteBackWorker(config, {
        runtime,
        writers: options.writers,
        ...(options.bus ? { bus: options.bus } : {}),
      });
      recorder.setWorkerNotifier(worker.notify);
    }

    // The pipeline alert: an error line while the oldest pending write-back is older than the
    // bound (once per interval, so a stuck queue is loud but not a flood).
    const overBound = async () => {
      const stats = await runtime.store.stats();
      return {
        stats,
        over: stats.oldestPendingAgeMs !== null && stats.oldestPendingAgeMs > config.policy.pendingAlertMs,
      };
    };
    alertTimer = setInterval(() => {
      void overBound()
        .then(({ stats, over }) => {
          if (over) {
            log.error(
              {
                oldestPendingAgeMs: stats.oldestPendingAgeMs,
                boundMs: config.policy.pendingAlertMs,
                pending: stats.pending,
                deadLettered: stats.deadLettered,
              },
              'write-back pipeline behind: oldest pending write-back older than the bound',
            );
          }
        })
        .catch((error: unknown) => logError(log, error, 'write-back stats unavailable'));
    }, options.alertIntervalMs ?? 30_000);
    alertTimer.unref();

    const subgraph = await startSubgraph<EngagementContext>({
      name: 'engagement',
      port: config.port,
      host: config.host,
      tls: config.tls,
      typeDefs: ENGAGEMENT_TYPE_DEFS,
      resolvers: engagementResolvers({ runtime, recorder, readYourWritesGraceMs: config.policy.readYourWritesGraceMs }),
      internalSecret: config.internalSecret,
      log,
      metrics: runtime.metrics,
      context: engagementContext(runtime),
      routes: [callEndedRoute({ secret: config.webhookSecret, recorder, log, metrics: runtime.metrics })],
      readiness: async () => {
        const { stats, over } = await overBound();
        if (over)
          log.error(
            { oldestPendingAgeMs: stats.oldestPendingAgeMs, boundMs: config.policy.pendingAlertMs },
            'not ready: write-back pipeline behind',
          );
        return {
          ok: !over,
          details: {
            pending: stats.pending,
            retrying: stats.retrying,
            deadLettered: stats.deadLettered,
            oldestPendingAgeMs: stats.oldestPendingAgeMs,
            pendingAlertMs: config.policy.pendingAlertMs,
            worker: worker ? 'in-process' : 'external',
          },
        };
      },
      onClose: async () => {
        clearInterval(alertTimer);
        await worker?.close();
        await recorder.settled();
        await runtime.close();
      },
    });
    return { url: subgraph.url, port: subgraph.port, close: subgraph.close, runtime, recorder, worker };
  } catch (error) {
    clearInterval(alertTimer);
    await worker?.close().catch(() => {});
    await runtime.close().catch(() => {});
    throw error;
  }
}
