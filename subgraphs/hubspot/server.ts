import {
  startInstrumentedCrmSubgraph,
  type CrmSubgraphOptions,
  type RunningCrmSubgraph,
} from '../../shared/crm/crm-subgraph.js';
import { createHubspotConnector } from './connector.js';

/** What startHubspotSubgraph needs: HubspotSubgraphConfig (config.ts) satisfies it; tests build it directly. */
export interface HubspotSubgraphOptions extends CrmSubgraphOptions {
  hubspot: { baseUrl: string; accessToken: string; clientSecret: string; timeoutMs?: number };
}

/** Starts the HubSpot CRM subgraph: the shared contract served from HubSpot through the connector. */
export function startHubspotSubgraph(options: HubspotSubgraphOptions): Promise<RunningCrmSubgraph> {
  return startInstrumentedCrmSubgraph('hubspot', options, (instrument) =>
    createHubspotConnector({ ...options.hubspot, instrument }),
  );
}
