import { z } from 'zod';
import { crmClientEnv, loadConfig, portEnv, webhookSecretEnv } from '../../shared/config.js';
import { crmSubgraphRuntimeEnv, toCrmSubgraphRuntime } from '../../shared/crm/config.js';
import { mappingOverridesEnv } from '../../shared/crm/mapping-overrides.js';
import { salesforceAccountFromEnv } from '../../crm/salesforce/connection.js';

/**
 * The Salesforce subgraph's configuration: the shared env fragments it uses, resolved once at the
 * entry point (index.ts) and passed down. Tests build the object directly.
 */
export const salesforceSubgraphEnv = z
  .object({
    ...crmSubgraphRuntimeEnv,
    SALESFORCE_LOGIN_URL: crmClientEnv.SALESFORCE_LOGIN_URL,
    SALESFORCE_INSTANCE_URL: crmClientEnv.SALESFORCE_INSTANCE_URL,
    SALESFORCE_CLIENT_ID: crmClientEnv.SALESFORCE_CLIENT_ID,
    SALESFORCE_CLIENT_SECRET: crmClientEnv.SALESFORCE_CLIENT_SECRET,
    SALESFORCE_API_VERSION: crmClientEnv.SALESFORCE_API_VERSION,
    SALESFORCE_WEBHOOK_SECRET: webhookSecretEnv.SALESFORCE_WEBHOOK_SECRET,
    SALESFORCE_SUBGRAPH_PORT: portEnv.SALESFORCE_SUBGRAPH_PORT,
    /** The deployment connection's field-mapping overrides (JSON; docs/mapping-overrides.md). */
    SALESFORCE_MAPPING_OVERRIDES: mappingOverridesEnv,
  })
  .transform((env) => ({
    ...toCrmSubgraphRuntime(env),
    port: env.SALESFORCE_SUBGRAPH_PORT,
    salesforce: {
      ...salesforceAccountFromEnv(env),
      webhookSecret: env.SALESFORCE_WEBHOOK_SECRET,
      mappingOverrides: env.SALESFORCE_MAPPING_OVERRIDES,
    },
  }));

export type SalesforceSubgraphConfig = z.output<typeof salesforceSubgraphEnv>;

export function loadSalesforceSubgraphConfig(env: NodeJS.ProcessEnv = process.env): SalesforceSubgraphConfig {
  return loadConfig(salesforceSubgraphEnv, env);
}
