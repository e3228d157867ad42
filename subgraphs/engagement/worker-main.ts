import { loadConfig, tracingConfigOf } from '../../shared/config.js';
import { createLogger, logError } from '../../shared/logger.js';
import { startTracing } from '../../shared/tracing.js';
import { engagementEnv, toEngagementConfig } from './config.js';
import { startWriteBackWorker } from './worker/worker.js';

// `npm run worker`: the write-back worker alone. Several may run against one PostgreSQL
// (DATABASE_URL); they share the queue and the per-CRM rate limit through it. With PGlite the
// worker needs the subgraph's process (ENGAGEMENT_WORKER=true), since PGlite is not shared.
const env = loadConfig(engagementEnv);
const log = createLogger('engagement-worker', { level: env.LOG_LEVEL });
if (!env.DATABASE_URL)
  log.warn("DATABASE_URL is not set: this worker drains its own PGlite database, not the subgraph's");
// Signal handlers before the worker starts: a SIGTERM that arrives while it is still starting (its
// "started" line is logged before start-up returns) waits for it and then drains it.
const config = toEngagementConfig(env);
const tracing = startTracing(tracingConfigOf(env), { service: 'engagement-worker', log });
const starting = tracing.then(() => startWriteBackWorker(config));

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'worker shutting down');
    starting
      .then((worker) => worker.close(10_000))
      .finally(async () => (await tracing).shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logError(log, error, 'worker shutdown failed');
          process.exit(1);
        },
      );
  });
}
await starting;
