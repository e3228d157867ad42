import type { CrmModule } from '../module.js';
import {
  salesforceAccountFromEnv,
  salesforceAccountOf,
  salesforceConnectionKind,
  type SalesforceAccount,
} from './connection.js';
import { createSalesforceConnector } from './connector.js';
import { SalesforceWriter } from './writer.js';

/** Salesforce: one org per connection, read through jsforce, change events from CDC via a signing relay. */
export const salesforceCrm: CrmModule<'salesforce', SalesforceAccount> = {
  name: 'salesforce',
  displayName: 'Salesforce',
  defaultWriteBackRate: '100/1000',
  webhookSecretEnv: 'SALESFORCE_WEBHOOK_SECRET',
  accountFromEnv: salesforceAccountFromEnv,
  connectionKind: salesforceConnectionKind,
  accountOf: salesforceAccountOf,
  createConnector: (account, options) =>
    createSalesforceConnector({
      ...account,
      webhookSecret: options.webhookSecret,
      timeoutMs: options.timeoutMs,
      driftRecheckMs: options.driftRecheckMs,
      instrument: options.instrument,
      mappingOverrides: options.mappingOverrides,
    }),
  createWriter: (account) => new SalesforceWriter(account),
  startSimulator: async (options) => (await import('./simulator.js')).startSalesforceSimulator(options),
};
