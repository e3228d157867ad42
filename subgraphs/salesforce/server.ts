import {
  startInstrumentedCrmSubgraph,
  type CrmSubgraphOptions,
  type RunningCrmSubgraph,
} from '../../shared/crm/crm-subgraph.js';
import { createSalesforceConnector, type SalesforceConnectorOptions } from './connector.js';

/** What startSalesforceSubgraph needs: SalesforceSubgraphConfig (config.ts) satisfies it; tests build it directly. */
export interface SalesforceSubgraphOptions extends CrmSubgraphOptions {
  salesforce: Omit<SalesforceConnectorOptions, 'instrument'>;
}

/** Starts the Salesforce CRM subgraph: the shared contract served from Salesforce through the connector. */
export function startSalesforceSubgraph(options: SalesforceSubgraphOptions): Promise<RunningCrmSubgraph> {
  return startInstrumentedCrmSubgraph('salesforce', options, (instrument) =>
    createSalesforceConnector({ ...options.salesforce, instrument }),
  );
}
