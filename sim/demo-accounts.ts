/**
 * The second seller's own CRM accounts in the embedded demo (`npm start`, `npm run sim`): a second
 * Salesforce org and a second HubSpot portal on the same simulators, with their own data and
 * credentials, so two sellers each read only their own CRM (issue 15). scripts/demo-connections.ts
 * connects acme-seller to them; demo-seller keeps each simulator's default account.
 */
export const ACME_SALESFORCE_ORG = {
  orgId: '00DDp0000000002AAA',
  /** A connected app of its own: the simulator tells orgs apart by client id at the token endpoint. */
  clientId: 'acme-dev',
  clientSecret: 'acme-dev-salesforce-secret',
  username: 'agent@acme.dev',
  refreshToken: 'acme-salesforce-refresh-token',
} as const;

export const ACME_HUBSPOT_PORTAL = {
  portalId: 62_516,
  accessToken: 'acme-hubspot-token',
  refreshToken: 'acme-hubspot-refresh-token',
} as const;

/** Contacts in each of the second seller's accounts: a small book, to keep the embedded footprint low. */
export const ACME_CONTACTS = 1_000;
