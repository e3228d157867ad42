import { loadTracingConfig } from '../../shared/config.js';
import { createLogger, logError } from '../../shared/logger.js';
import { startTracing } from '../../shared/tracing.js';
import { loadHubspotSubgraphConfig } from './config.js';
import { startHubspotSubgraph } from './server.js';

// CLI entry: load config once, start, stop cleanly on SIGTERM/SIGINT.
const config = loadHubspotSubgraphConfig();
const log = createLogger('hubspot', { level: config.logLevel });
const tracing = await startTracing(loadTracingConfig(), { service: 'hubspot', log });
const running = await startHubspotSubgraph({ ...config, log });
log.info({ url: running.url, webhook: running.webhookUrl }, 'hubspot subgraph started');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'hubspot subgraph stopping');
    running
      .close()
      .finally(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logError(log, error, 'hubspot subgraph did not close cleanly');
          process.exit(1);
        },
      );
  });
}
