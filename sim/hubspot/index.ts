import { createLogger } from '../../shared/logger.js';
import { loadHubspotSimConfig } from './config.js';
import { startHubspotSim } from './server.js';

// CLI entry of the standalone HubSpot simulator: load config once, start, stop on SIGTERM/SIGINT.
const config = loadHubspotSimConfig();
const log = createLogger('sim-hubspot', { level: config.logLevel });
const started = performance.now();
const sim = await startHubspotSim(config.options);
log.info(
  { url: sim.url, contacts: config.options.contacts, seed: config.options.seed, startMs: Math.round(performance.now() - started) },
  'hubspot simulator listening (admin API under /__sim/)',
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
