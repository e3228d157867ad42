import { loadTracingConfig } from '../../shared/config.js';
import { createLogger, logError } from '../../shared/logger.js';
import { startTracing } from '../../shared/tracing.js';
import { loadSalesforceSubgraphConfig } from './config.js';
import { startSalesforceSubgraph } from './server.js';

// CLI entry: load config once, start, stop cleanly on SIGTERM/SIGINT.
const config = loadSalesforceSubgraphConfig();
const log = createLogger('salesforce', { level: config.logLevel });
const tracing = await startTracing(loadTracingConfig(), { service: 'salesforce', log });
const running = await startSalesforceSubgraph({ ...config, log });
log.info({ url: running.url, webhook: running.webhookUrl }, 'salesforce subgraph started');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'salesforce subgraph stopping');
    running
      .close()
      .finally(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logError(log, error, 'salesforce subgraph did not close cleanly');
          process.exit(1);
        },
      );
  });
}
