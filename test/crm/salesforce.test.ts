import { DEV_SECRETS } from '../../shared/config.js';
import { silentLogger } from '../../shared/logger.js';
import { startSalesforceSim } from '../../sim/salesforce/server.js';
import { startSalesforceSubgraph } from '../../subgraphs/salesforce/server.js';
import { runCrmContractSuite } from './contract-suite.js';

const CLIENT = {
  clientId: 'dialplane-dev',
  clientSecret: 'dev-salesforce-secret',
  apiVersion: '62.0',
  webhookSecret: DEV_SECRETS.SALESFORCE_WEBHOOK_SECRET,
};

// The shared CRM contract suite, run unchanged against the Salesforce subgraph and simulator.
runCrmContractSuite({
  name: 'salesforce',
  startSim: async () => {
    const sim = await startSalesforceSim({ port: 0, contacts: 300, latency: { medianMs: 0, jitterMs: 0 } });
    return { url: sim.url, admin: sim.admin, close: () => sim.close() };
  },
  startSubgraph: ({ simUrl, runtime, bus }) =>
    startSalesforceSubgraph({
      port: 0,
      salesforce: { loginUrl: simUrl, instanceUrl: simUrl, ...CLIENT, timeoutMs: 5_000 },
      runtime,
      bus,
      log: silentLogger,
    }),
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
