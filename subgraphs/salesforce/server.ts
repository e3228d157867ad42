import { startCrmSubgraph, type CrmRuntimeConfig, type RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import { createCrmMetrics } from '../../shared/crm/crm-metrics.js';
import type { EventBus } from '../../shared/events.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import { createSalesforceConnector, type SalesforceConnectorOptions } from './connector.js';

/** What startSalesforceSubgraph needs: SalesforceSubgraphConfig (config.ts) satisfies it; tests build it directly. */
export interface SalesforceSubgraphOptions {
  /** 0 = ephemeral (tests). */
  port: number;
  host?: string;
  salesforce: Omit<SalesforceConnectorOptions, 'instrument'>;
  runtime: CrmRuntimeConfig;
  log?: Logger;
  logLevel?: string;
  /** Publish change events on an existing bus instead of one built from runtime.redisUrl. */
  bus?: EventBus;
}

/** Starts the Salesforce CRM subgraph: the shared contract served from Salesforce through the connector. */
export async function startSalesforceSubgraph(options: SalesforceSubgraphOptions): Promise<RunningCrmSubgraph> {
  const log = options.log ?? createLogger('salesforce', { level: options.logLevel });
  // One registry for the runtime's series and the connector's per-call series.
  const metrics = createMetrics('salesforce');
  const crmMetrics = createCrmMetrics(metrics, 'salesforce');
  const connector = createSalesforceConnector({
    ...options.salesforce,
    instrument: (endpoint, fn) => crmMetrics.call(endpoint, fn),
  });
  return startCrmSubgraph({
    name: 'salesforce',
    port: options.port,
    host: options.host,
    connector,
    config: options.runtime,
    log,
    metrics,
    bus: options.bus,
  });
}
