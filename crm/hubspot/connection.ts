import { z } from 'zod';
import type { CrmConnection } from '../../shared/crm/connection.js';

/**
 * The one HubSpot credential parser: what a HubSpot account is (a portal reached with a private-app
 * or OAuth access token), read from the deployment's env or from a stored connection. The reader
 * (client.ts) and the writer (writer.ts) both take a HubspotAccount.
 */
export const hubspotAccountSchema = z.object({
  /** API base (`https://api.hubapi.com`, the simulator). */
  baseUrl: z.url(),
  accessToken: z.string().min(1),
});
export type HubspotAccount = z.output<typeof hubspotAccountSchema>;

/** The env keys of the deployment connection (shared/config.ts crmClientEnv validates them). */
export interface HubspotAccountEnv {
  HUBSPOT_BASE_URL: string;
  HUBSPOT_ACCESS_TOKEN: string;
}

/** The deployment connection: the env-configured portal. */
export function hubspotAccountFromEnv(env: HubspotAccountEnv): HubspotAccount {
  return hubspotAccountSchema.parse({ baseUrl: env.HUBSPOT_BASE_URL, accessToken: env.HUBSPOT_ACCESS_TOKEN });
}

/** The credentials a stored HubSpot connection carries (`CrmConnection.credentials`). */
export const hubspotCredentialsSchema = z.object({ accessToken: z.string().min(1) });

/** A stored connection's portal. Throws a ZodError on bad credentials. */
export function hubspotAccountOf(connection: Pick<CrmConnection, 'baseUrl' | 'credentials'>): HubspotAccount {
  const { accessToken } = hubspotCredentialsSchema.parse(connection.credentials);
  return hubspotAccountSchema.parse({ baseUrl: connection.baseUrl, accessToken });
}
