import {
  startInstrumentedCrmSubgraph,
  type CrmSubgraphOptions,
  type RunningCrmSubgraph,
} from '../../shared/crm/crm-subgraph.js';
import type { HubspotAccount } from '../../crm/hubspot/connection.js';
import { hubspotCrm } from '../../crm/hubspot/index.js';

/** What startHubspotSubgraph needs: HubspotSubgraphConfig (config.ts) satisfies it; tests build it directly. */
export interface HubspotSubgraphOptions extends CrmSubgraphOptions {
  hubspot: HubspotAccount & {
    /** Webhook signature v3 secret (the app's client secret). */
    clientSecret: string;
    timeoutMs?: number;
  };
}

/** Starts the HubSpot CRM subgraph: the shared contract served from HubSpot through its CRM module (crm/hubspot/). */
export function startHubspotSubgraph(options: HubspotSubgraphOptions): Promise<RunningCrmSubgraph> {
  const { clientSecret, timeoutMs, ...account } = options.hubspot;
  // Connections (docs/connections.md): served whenever the runtime config has a key ring.
  const withConnections = { ...options, connections: { kind: hubspotCrm.connectionKind, ...options.connections } };
  return startInstrumentedCrmSubgraph('hubspot', withConnections, (instrument, connection) =>
    hubspotCrm.createConnector(connection ? hubspotCrm.accountOf(connection) : account, {
      webhookSecret: clientSecret,
      timeoutMs,
      instrument,
    }),
  );
}
