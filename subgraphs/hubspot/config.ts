import { z } from 'zod';
import { crmClientEnv, loadConfig, portEnv, webhookSecretEnv } from '../../shared/config.js';
import { crmSubgraphRuntimeEnv, toCrmSubgraphRuntime } from '../../shared/crm/config.js';
import { mappingOverridesEnv } from '../../shared/crm/mapping-overrides.js';
import { hubspotAccountFromEnv } from '../../crm/hubspot/connection.js';

/**
 * The HubSpot subgraph's configuration: the shared env fragments it uses, resolved once at the
 * entry point (index.ts) and passed down. Tests build the object directly.
 */
export const hubspotSubgraphEnv = z
  .object({
    ...crmSubgraphRuntimeEnv,
    HUBSPOT_BASE_URL: crmClientEnv.HUBSPOT_BASE_URL,
    HUBSPOT_ACCESS_TOKEN: crmClientEnv.HUBSPOT_ACCESS_TOKEN,
    HUBSPOT_CLIENT_SECRET: webhookSecretEnv.HUBSPOT_CLIENT_SECRET,
    HUBSPOT_SUBGRAPH_PORT: portEnv.HUBSPOT_SUBGRAPH_PORT,
    /** The deployment connection's field-mapping overrides (JSON; docs/mapping-overrides.md). */
    HUBSPOT_MAPPING_OVERRIDES: mappingOverridesEnv,
  })
  .transform((env) => ({
    ...toCrmSubgraphRuntime(env),
    port: env.HUBSPOT_SUBGRAPH_PORT,
    hubspot: {
      ...hubspotAccountFromEnv(env),
      clientSecret: env.HUBSPOT_CLIENT_SECRET,
      mappingOverrides: env.HUBSPOT_MAPPING_OVERRIDES,
    },
  }));

export type HubspotSubgraphConfig = z.output<typeof hubspotSubgraphEnv>;

export function loadHubspotSubgraphConfig(env: NodeJS.ProcessEnv = process.env): HubspotSubgraphConfig {
  return loadConfig(hubspotSubgraphEnv, env);
}
