import { DEV_SECRETS } from '../../shared/config.js';
import { silentLogger } from '../../shared/logger.js';
import { startSalesforceSim } from '../../sim/salesforce/server.js';
import { startSalesforceSubgraph } from '../../subgraphs/salesforce/server.js';
import { MemoryConnectionDirectory } from '../support/connection-directory.js';
import { runCrmContractSuite } from './contract-suite.js';

/**
 * The CRM contract suite, unchanged, for a seller served from its own connection: the deployment's
 * env-configured org is unreachable and not shared (CRM_DEPLOYMENT_CONNECTION=off), so every
 * answer the suite checks came through the seller's connection pipeline (its own connector built
 * from the connection's URL and credentials, cache namespace, batcher and breaker).
 */
const SELLER = 'contract-seller';
const CLIENT = { clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' };

runCrmContractSuite({
  name: 'salesforce',
  seller: SELLER,
  startSim: async () => {
    const sim = await startSalesforceSim({ port: 0, contacts: 300, latency: { medianMs: 0, jitterMs: 0 } });
    return { url: sim.url, admin: sim.admin, close: () => sim.close() };
  },
  // The sim delivers change events to the connection's own webhook URL.
  startSubgraph: async ({ simUrl, runtime, bus }) => {
    const running = await startSalesforceSubgraph({
      port: 0,
      salesforce: {
        loginUrl: 'http://127.0.0.1:1',
        instanceUrl: 'http://127.0.0.1:1',
        apiVersion: '62.0',
        ...CLIENT,
        webhookSecret: DEV_SECRETS.SALESFORCE_WEBHOOK_SECRET,
        timeoutMs: 5_000,
      },
      runtime: { ...runtime, deploymentConnection: false },
      connections: {
        directory: new MemoryConnectionDirectory([
          {
            id: 'conn_contract',
            seller: SELLER,
            crm: 'salesforce',
            account: '00Dcontract',
            baseUrl: simUrl,
            credentials: CLIENT,
            mappingOverrides: {},
            revision: 1,
            status: 'active',
          },
        ]),
      },
      bus,
      log: silentLogger,
    });
    return { ...running, webhookUrl: `${running.webhookUrl}/conn_contract` };
  },
  sampleSourceIds: async (sim, n) => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
    const token = (await (await fetch(`${sim.url}/services/oauth2/token`, { method: 'POST', body: form })).json()) as {
      access_token: string;
    };
    const q = encodeURIComponent(`SELECT Id FROM Contact ORDER BY Id LIMIT ${n}`);
    const res = await fetch(`${sim.url}/services/data/v62.0/query?q=${q}`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    return ((await res.json()) as { records: { Id: string }[] }).records.map((r) => r.Id);
  },
  contactBatchEndpoints: ['query'],
  callsPerBatch: 1,
  overheadEndpoints: ['oauth.token', 'sobject.describe'],
  doNotCallDrift: { object: 'Contact', field: 'DoNotCall', to: 'Do_Not_Call__c' },
  mobilePhoneField: 'MobilePhone',
});
