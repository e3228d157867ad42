import { loadConfig, tracingConfigOf } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { startTracing } from '../shared/tracing.js';
import { assertPlatformsProductionReady, platformsEnv, toPlatformsConfig } from './core/config.js';
import { startPlatformsService } from './service.js';

// CLI entry: `npm run start:platforms` (the gateway must be reachable at GATEWAY_URL). loadConfig
// refuses development secrets in production.
const env = loadConfig(platformsEnv);
assertPlatformsProductionReady(env);
const log = createLogger('platforms', { level: env.LOG_LEVEL });
const tracing = await startTracing(tracingConfigOf(env), { service: 'platforms', log });
const service = await startPlatformsService(toPlatformsConfig(env), { log });
log.info({ url: service.url }, 'voice-platforms service started');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    service
      .close()
      .finally(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
