import { createLogger, logError } from '../../shared/logger.js';
import { loadConsentConfig } from './config.js';
import { startConsentSubgraph } from './server.js';

// CLI entry: configuration is read here, once; everything below receives it.
const config = loadConsentConfig();
const log = createLogger('consent', { level: config.logLevel });
const running = await startConsentSubgraph(config, { log });
log.info({ url: running.url }, 'consent subgraph started');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logError(log, error, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
