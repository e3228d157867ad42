import { z } from 'zod';
import type { CrmConnection } from '../../shared/crm/connection.js';

/**
 * The one Salesforce credential parser: what a Salesforce account is (an org reached by OAuth
 * client credentials), read from the deployment's env or from a stored connection. The reader
 * (client.ts) and the writer (writer.ts) both take a SalesforceAccount.
 */
export const salesforceAccountSchema = z.object({
  /** OAuth token endpoint host (`https://login.salesforce.com`, a My Domain, the simulator). */
  loginUrl: z.url(),
  /** The org's instance URL (REST API host). */
  instanceUrl: z.url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  apiVersion: z.string().regex(/^\d+\.\d$/),
});
export type SalesforceAccount = z.output<typeof salesforceAccountSchema>;

/** The env keys of the deployment connection (shared/config.ts crmClientEnv validates them). */
export interface SalesforceAccountEnv {
  SALESFORCE_LOGIN_URL: string;
  SALESFORCE_INSTANCE_URL: string;
  SALESFORCE_CLIENT_ID: string;
  SALESFORCE_CLIENT_SECRET: string;
  SALESFORCE_API_VERSION: string;
}

/** The deployment connection: the env-configured org. */
export function salesforceAccountFromEnv(env: SalesforceAccountEnv): SalesforceAccount {
  return salesforceAccountSchema.parse({
    loginUrl: env.SALESFORCE_LOGIN_URL,
    instanceUrl: env.SALESFORCE_INSTANCE_URL,
    clientId: env.SALESFORCE_CLIENT_ID,
    clientSecret: env.SALESFORCE_CLIENT_SECRET,
    apiVersion: env.SALESFORCE_API_VERSION,
  });
}

/** The credentials a stored Salesforce connection carries (`CrmConnection.credentials`). */
export const salesforceCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** The login host when it differs from the instance (a sandbox, a My Domain). */
  loginUrl: z.url().optional(),
  apiVersion: z
    .string()
    .regex(/^\d+\.\d$/)
    .default('62.0'),
});

/** A stored connection's org: `baseUrl` is the instance URL. Throws a ZodError on bad credentials. */
export function salesforceAccountOf(connection: Pick<CrmConnection, 'baseUrl' | 'credentials'>): SalesforceAccount {
  const credentials = salesforceCredentialsSchema.parse(connection.credentials);
  return salesforceAccountSchema.parse({
    loginUrl: credentials.loginUrl ?? connection.baseUrl,
    instanceUrl: connection.baseUrl,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    apiVersion: credentials.apiVersion,
  });
}
