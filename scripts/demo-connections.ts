import { DEFAULT_PORTS } from '../shared/config.js';
import type { ConnectionStore } from '../shared/crm/connections/store.js';
import type { CrmSource } from '../shared/crm/connector.js';
import { ACME_HUBSPOT_PORTAL, ACME_SALESFORCE_ORG } from '../sim/demo-accounts.js';

/**
 * The embedded demo's connections (`npm start`): two sellers, each with its own connection to
 * each CRM simulator, created through the store at start. Each seller uses a different grant, so
 * the demo exercises every credential shape: demo-seller on Salesforce client credentials and a
 * HubSpot private-app token, acme-seller on a Salesforce refresh token and HubSpot OAuth. All are
 * the simulators' development credentials: demo-seller on each simulator's default account,
 * acme-seller on its own org and portal (sim/demo-accounts.ts), so each seller reads only its own CRM.
 */
export const DEMO_SELLERS = ['demo-seller', 'acme-seller'] as const;

/** Each seller's account: the simulators' default org and portal, and acme-seller's own. */
const ACCOUNTS: Record<(typeof DEMO_SELLERS)[number], Record<CrmSource, string>> = {
  'demo-seller': { salesforce: '00DDp0000000001AAA', hubspot: '62515' },
  'acme-seller': { salesforce: ACME_SALESFORCE_ORG.orgId, hubspot: String(ACME_HUBSPOT_PORTAL.portalId) },
};

export function demoConnectionCredentials(
  seller: (typeof DEMO_SELLERS)[number],
  crm: CrmSource,
): Record<string, string> {
  if (crm === 'salesforce')
    return seller === 'demo-seller'
      ? { clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' }
      : {
          clientId: ACME_SALESFORCE_ORG.clientId,
          clientSecret: ACME_SALESFORCE_ORG.clientSecret,
          refreshToken: ACME_SALESFORCE_ORG.refreshToken,
        };
  return seller === 'demo-seller'
    ? { accessToken: 'dev-hubspot-token' }
    : {
        clientId: 'dev-hubspot-client-id',
        clientSecret: 'dev-hubspot-client-secret',
        refreshToken: ACME_HUBSPOT_PORTAL.refreshToken,
      };
}

/**
 * Creates each demo seller's connection to `crm` unless it has one (a DATA_DIR or DATABASE_URL
 * keeps them across restarts). Returns the ids, created or found.
 */
export async function ensureDemoConnections(
  store: ConnectionStore,
  crm: CrmSource,
  baseUrl: string = `http://127.0.0.1:${crm === 'salesforce' ? DEFAULT_PORTS.simSalesforce : DEFAULT_PORTS.simHubspot}`,
): Promise<{ seller: string; id: string }[]> {
  const existing = await store.list({ crm });
  const out: { seller: string; id: string }[] = [];
  for (const seller of DEMO_SELLERS) {
    const found = existing.find((c) => c.seller === seller);
    if (found) {
      out.push({ seller, id: found.id });
      continue;
    }
    const created = await store.create({
      seller,
      crm,
      account: ACCOUNTS[seller][crm],
      baseUrl,
      credentials: demoConnectionCredentials(seller, crm),
    });
    out.push({ seller, id: created.id });
  }
  return out;
}
