/**
 * CLI entry of the gateway (`npm run start:gateway`, the `gateway` service in docker-compose):
 * load config from the environment, start, shut down in order on SIGTERM/SIGINT.
 */
import { ConfigError, loadTracingConfig } from '../shared/config.js';
import { createLogger, logError } from '../shared/logger.js';
import { startTracing } from '../shared/tracing.js';
import { loadGatewayConfig } from './config.js';
import { startGateway } from './server.js';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const log = createLogger('gateway', { level: config.logLevel });
  const tracing = await startTracing(loadTracingConfig(), { service: 'gateway', log });
  const gateway = await startGateway(config, { log });
  log.info({ url: gateway.url }, 'gateway ready');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    gateway
      .close()
      .finally(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logError(log, error, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('gateway failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
