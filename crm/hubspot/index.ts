import type { CrmModule } from '../module.js';
import { hubspotAccountFromEnv, hubspotAccountOf, hubspotConnectionKind, type HubspotAccount } from './connection.js';
import { createHubspotConnector } from './connector.js';
import { HubspotWriter } from './writer.js';

/** HubSpot: one portal per connection, read through @hubspot/api-client, change events from signed webhooks (v3). */
export const hubspotCrm: CrmModule<'hubspot', HubspotAccount> = {
  name: 'hubspot',
  displayName: 'HubSpot',
  defaultWriteBackRate: '90/10000',
  webhookSecretEnv: 'HUBSPOT_CLIENT_SECRET',
  accountFromEnv: hubspotAccountFromEnv,
  connectionKind: hubspotConnectionKind(),
  accountOf: hubspotAccountOf,
  createConnector: (account, options) =>
    createHubspotConnector({
      ...account,
      clientSecret: options.webhookSecret,
      timeoutMs: options.timeoutMs,
      instrument: options.instrument,
      mappingOverrides: options.mappingOverrides,
    }),
  createWriter: (account) => new HubspotWriter(account),
  startSimulator: async (options) => (await import('./simulator.js')).startHubspotSimulator(options),
};
