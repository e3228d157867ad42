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
    /** The deployment connection's field-mapping overrides (HUBSPOT_MAPPING_OVERRIDES). */
    mappingOverrides?: Readonly<Record<string, string>>;
  };
}

/** Starts the HubSpot CRM subgraph: the shared contract served from HubSpot through its CRM module (crm/hubspot/). */
export function startHubspotSubgraph(options: HubspotSubgraphOptions): Promise<RunningCrmSubgraph> {
  const { clientSecret, timeoutMs, mappingOverrides, ...account } = options.hubspot;
  // Connections (docs/connections.md): served whenever the runtime config has a key ring.
  const withConnections = { ...options, connections: { kind: hubspotCrm.connectionKind, ...options.connections } };
  return startInstrumentedCrmSubgraph('hubspot', withConnections, (instrument, connection, tokens) =>
    hubspotCrm.createConnector(connection ? hubspotCrm.accountOf(connection, tokens) : account, {
      webhookSecret: clientSecret,
      timeoutMs,
      instrument,
      // A connection reads through its own overrides; the deployment account through HUBSPOT_MAPPING_OVERRIDES.
      mappingOverrides: connection ? connection.mappingOverrides : mappingOverrides,
    }),
  );
}
