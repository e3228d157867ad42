import { loadTracingConfig } from '../../shared/config.js';
import { createLogger, logError } from '../../shared/logger.js';
import { startTracing } from '../../shared/tracing.js';
import { loadConsentConfig } from './config.js';
import { startConsentSubgraph } from './server.js';

// CLI entry: configuration is read here, once; everything below receives it.
const config = loadConsentConfig();
const log = createLogger('consent', { level: config.logLevel });
const tracing = await startTracing(loadTracingConfig(), { service: 'consent', log });
const running = await startConsentSubgraph(config, { log });
log.info({ url: running.url }, 'consent subgraph started');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'shutting down');
    running
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
