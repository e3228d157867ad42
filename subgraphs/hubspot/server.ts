import { startCrmSubgraph, type CrmRuntimeConfig, type RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import { createCrmMetrics } from '../../shared/crm/crm-metrics.js';
import type { EventBus } from '../../shared/events.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import { createHubspotConnector } from './connector.js';

/** What startHubspotSubgraph needs: HubspotSubgraphConfig (config.ts) satisfies it; tests build it directly. */
export interface HubspotSubgraphOptions {
  /** 0 = ephemeral (tests). */
  port: number;
  host?: string;
  hubspot: { baseUrl: string; accessToken: string; clientSecret: string; timeoutMs?: number };
  runtime: CrmRuntimeConfig;
  log?: Logger;
  logLevel?: string;
  /** Publish change events on an existing bus instead of one built from runtime.redisUrl. */
  bus?: EventBus;
}

/** Starts the HubSpot CRM subgraph: the shared contract served from HubSpot through the connector. */
export async function startHubspotSubgraph(options: HubspotSubgraphOptions): Promise<RunningCrmSubgraph> {
  const log = options.log ?? createLogger('hubspot', { level: options.logLevel });
  // One registry for the runtime's series and the connector's per-call series.
  const metrics = createMetrics('hubspot');
  const crmMetrics = createCrmMetrics(metrics, 'hubspot');
  const connector = createHubspotConnector({
    ...options.hubspot,
    instrument: (endpoint, fn) => crmMetrics.call(endpoint, fn),
  });
  return startCrmSubgraph({
    name: 'hubspot',
    port: options.port,
    host: options.host,
    connector,
    config: options.runtime,
    log,
    metrics,
    bus: options.bus,
  });
}
