import { loadConfig, tracingConfigOf } from '../../shared/config.js';
import { createLogger, logError } from '../../shared/logger.js';
import { startTracing } from '../../shared/tracing.js';
import { engagementEnv, toEngagementConfig } from './config.js';
import { startEngagementSubgraph } from './server.js';

// CLI entry: `tsx subgraphs/engagement/index.ts` (the worker runs inside unless ENGAGEMENT_WORKER=false).
const env = loadConfig(engagementEnv);
const log = createLogger('engagement', { level: env.LOG_LEVEL });
const tracing = await startTracing(tracingConfigOf(env), { service: 'engagement', log });
const subgraph = await startEngagementSubgraph(toEngagementConfig(env), { log });
log.info({ url: subgraph.url, worker: subgraph.worker ? 'in-process' : 'external' }, 'engagement subgraph started');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    subgraph
      .close()
      .finally(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logError(log, error, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
