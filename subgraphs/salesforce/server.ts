import {
  startInstrumentedCrmSubgraph,
  type CrmSubgraphOptions,
  type RunningCrmSubgraph,
} from '../../shared/crm/crm-subgraph.js';
import type { SalesforceAccount } from '../../crm/salesforce/connection.js';
import { salesforceCrm } from '../../crm/salesforce/index.js';

/** What startSalesforceSubgraph needs: SalesforceSubgraphConfig (config.ts) satisfies it; tests build it directly. */
export interface SalesforceSubgraphOptions extends CrmSubgraphOptions {
  salesforce: SalesforceAccount & {
    /** Secret of the signing relay in front of `POST /webhooks/salesforce` (SALESFORCE_WEBHOOK_SECRET). */
    webhookSecret: string;
    timeoutMs?: number;
    /** How long learned field drift holds before describe is asked again. @default 30000 */
    driftRecheckMs?: number;
    /** The deployment connection's field-mapping overrides (SALESFORCE_MAPPING_OVERRIDES). */
    mappingOverrides?: Readonly<Record<string, string>>;
  };
}

/** Starts the Salesforce CRM subgraph: the shared contract served from Salesforce through its CRM module (crm/salesforce/). */
export function startSalesforceSubgraph(options: SalesforceSubgraphOptions): Promise<RunningCrmSubgraph> {
  const { webhookSecret, timeoutMs, driftRecheckMs, mappingOverrides, ...account } = options.salesforce;
  // Connections (docs/connections.md): served whenever the runtime config has a key ring.
  const withConnections = { ...options, connections: { kind: salesforceCrm.connectionKind, ...options.connections } };
  return startInstrumentedCrmSubgraph('salesforce', withConnections, (instrument, connection, tokens) =>
    salesforceCrm.createConnector(connection ? salesforceCrm.accountOf(connection, tokens) : account, {
      webhookSecret,
      timeoutMs,
      driftRecheckMs,
      instrument,
      // A connection reads through its own overrides; the deployment account through SALESFORCE_MAPPING_OVERRIDES.
      mappingOverrides: connection ? connection.mappingOverrides : mappingOverrides,
    }),
  );
}
