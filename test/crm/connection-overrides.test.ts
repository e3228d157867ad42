import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmConnection } from '../../shared/crm/connection.js';
import type { RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import { IDENTITY_HEADER, signIdentity } from '../../shared/identity.js';
import { silentLogger } from '../../shared/logger.js';
import { generateSalesforceDataset } from '../../sim/data/index.js';
import { type SalesforceSim, startSalesforceSim } from '../../sim/salesforce/server.js';
import { startSalesforceSubgraph } from '../../subgraphs/salesforce/server.js';
import { MemoryConnectionDirectory } from '../support/connection-directory.js';

/**
 * Mapping overrides per connection through the CRM subgraph's routing (issue 15): two sellers on
 * the same org, one whose connection says do-not-call lives in `Do_Not_Call__c`, one without
 * overrides; each reads through its own mapping, and changing a connection's overrides (a new
 * revision) makes the next read follow the new mapping instead of the cached shape.
 */
const SECRET = 'connection-overrides-secret';
const ORG = '00DDp00000000B2AAA';
const QUERY = 'query($id: ID!) { contact(id: $id) { id suppression { doNotCall } } }';
const rows = [...generateSalesforceDataset({ seed: 2, contacts: 30 }).Contact.values()];
const contactId = rows.find((c, row) => row > 6 && c.DoNotCall === false)!.Id as string;

async function doNotCall(url: string, seller: string): Promise<unknown> {
  const body = JSON.stringify({ query: QUERY, variables: { id: `salesforce:${contactId}` } });
  const identity = signIdentity({ sub: `agent-${seller}`, roles: ['agent'], seller }, SECRET, { body });
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: identity },
    body,
  });
  const json = (await res.json()) as { data?: { contact?: { suppression?: { doNotCall?: unknown } } } };
  return json.data?.contact?.suppression?.doNotCall;
}

describe('a connection reads through its own mapping overrides', () => {
  let sim: SalesforceSim;
  let subgraph: RunningCrmSubgraph;
  let directory: MemoryConnectionDirectory;
  const connection = (id: string, seller: string, mappingOverrides: Record<string, string>, revision = 1) =>
    ({
      id,
      seller,
      crm: 'salesforce',
      account: ORG,
      baseUrl: sim.url,
      credentials: { clientId: 'org-b-app', clientSecret: 'org-b-secret' },
      mappingOverrides,
      revision,
      status: 'active',
    }) satisfies CrmConnection;

  beforeAll(async () => {
    sim = await startSalesforceSim({
      port: 0,
      contacts: 10,
      latency: { medianMs: 0, jitterMs: 0 },
      orgs: [
        {
          orgId: ORG,
          seed: 2,
          contacts: 30,
          latency: { medianMs: 0, jitterMs: 0 },
          clientId: 'org-b-app',
          clientSecret: 'org-b-secret',
          username: 'agent@org-b.dev',
          customFields: [{ object: 'Contact', name: 'Do_Not_Call__c', type: 'boolean' }],
        },
      ],
    });
    await sim.admin
      .forAccount(ORG)
      .edit({ kind: 'set', object: 'Contact', id: contactId, fields: { Do_Not_Call__c: true } });
    directory = new MemoryConnectionDirectory([
      connection('conn_custom', 'seller-custom', { 'suppression.doNotCall': 'Do_Not_Call__c' }),
      connection('conn_plain', 'seller-plain', {}),
    ]);
    subgraph = await startSalesforceSubgraph({
      port: 0,
      salesforce: {
        loginUrl: sim.url,
        instanceUrl: sim.url,
        clientId: 'dialplane-dev',
        clientSecret: 'dev-salesforce-secret',
        apiVersion: '62.0',
        webhookSecret: 'unused-in-this-test',
        timeoutMs: 2_000,
      },
      runtime: { cacheTtlMs: 600_000, batchWindowMs: 1, internalSecret: SECRET, deploymentConnection: false },
      connections: { directory },
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await subgraph?.close();
    await sim?.close();
  });

  it("answers each seller from its own connection's mapping", async () => {
    expect(await doNotCall(subgraph.url, 'seller-custom')).toBe(true);
    expect(await doNotCall(subgraph.url, 'seller-plain')).toBe(false);
  });

  it('follows a change of overrides (a new revision) instead of the cached shape', async () => {
    // Cached under the old revision (10 minutes), then the overrides go away.
    expect(await doNotCall(subgraph.url, 'seller-custom')).toBe(true);
    directory.put(connection('conn_custom', 'seller-custom', {}, 2));
    await expect.poll(() => doNotCall(subgraph.url, 'seller-custom')).toBe(false);
  });
});
