import { DEV_SECRETS } from '../../shared/config.js';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import type { CrmSimulator, CrmSimulatorOptions } from '../module.js';
import type { SalesforceAccount } from './connection.js';

const SIM_CLIENT = { clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' };

/** The simulator's entry (the only file of crm/salesforce/ that imports sim/): an org on a port. */
export async function startSalesforceSimulator(
  options: CrmSimulatorOptions = {},
): Promise<CrmSimulator<SalesforceAccount> & { sim: SalesforceSim }> {
  const webhookSecret = options.webhookSecret ?? DEV_SECRETS.SALESFORCE_WEBHOOK_SECRET;
  const sim = await startSalesforceSim({
    port: options.port ?? 0,
    host: options.host,
    seed: options.seed,
    contacts: options.contacts,
    latency: options.latency,
    webhookTargets: options.webhookTargets,
    webhookSecret,
    ...SIM_CLIENT,
  });
  return {
    url: sim.url,
    port: sim.port,
    account: { loginUrl: sim.url, instanceUrl: sim.url, apiVersion: '62.0', ...SIM_CLIENT },
    webhookSecret,
    sim,
    close: () => sim.close(),
  };
}
