import { DEV_SECRETS } from '../../shared/config.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import type { CrmSimulator, CrmSimulatorOptions } from '../module.js';
import type { HubspotAccount } from './connection.js';

const SIM_TOKEN = 'dev-hubspot-token';

/** The simulator's entry (the only file of crm/hubspot/ that imports sim/): a portal on a port. */
export async function startHubspotSimulator(
  options: CrmSimulatorOptions = {},
): Promise<CrmSimulator<HubspotAccount> & { sim: HubspotSim }> {
  const webhookSecret = options.webhookSecret ?? DEV_SECRETS.HUBSPOT_CLIENT_SECRET;
  const sim = await startHubspotSim({
    port: options.port ?? 0,
    host: options.host,
    seed: options.seed,
    contacts: options.contacts,
    latency: options.latency,
    webhookTargets: options.webhookTargets,
    accessToken: SIM_TOKEN,
    clientSecret: webhookSecret,
  });
  return {
    url: sim.url,
    port: sim.port,
    account: { baseUrl: sim.url, accessToken: SIM_TOKEN },
    webhookSecret,
    sim,
    close: () => sim.close(),
  };
}
