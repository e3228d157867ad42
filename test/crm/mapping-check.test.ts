import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mappingCheckTargets, runMappingCheck } from '../../crm/mapping-check.js';
import { crmClientEnv, loadConfig, webhookSecretEnv } from '../../shared/config.js';
import type { CrmConnection } from '../../shared/crm/connection.js';
import { type HubspotSim, startHubspotSim } from '../../sim/hubspot/server.js';
import { type SalesforceSim, startSalesforceSim } from '../../sim/salesforce/server.js';

/**
 * `npm run mapping:check` per connection (issue 15): the deployment connection of each CRM and
 * each stored connection are checked with their own mapping against their own account; drift on
 * a field one connection's override reads is reported under that connection only.
 */

const ORG_B = '00DDp00000000B2AAA';
const ZERO = { medianMs: 0, jitterMs: 0 };
let salesforce: SalesforceSim;
let hubspot: HubspotSim;

beforeAll(async () => {
  salesforce = await startSalesforceSim({
    port: 0,
    contacts: 10,
    latency: ZERO,
    orgs: [
      {
        orgId: ORG_B,
        contacts: 10,
        latency: ZERO,
        clientId: 'org-b-app',
        clientSecret: 'org-b-secret',
        username: 'agent@org-b.dev',
        customFields: [{ object: 'Contact', name: 'Do_Not_Call__c', type: 'boolean' }],
      },
    ],
  });
  hubspot = await startHubspotSim({ port: 0, latency: ZERO });
});
afterAll(async () => {
  await salesforce.close();
  await hubspot.close();
});

function connection(id: string, seller: string, credentials: Record<string, string>, overrides = {}): CrmConnection {
  return {
    id,
    seller,
    crm: 'salesforce',
    account: credentials.clientId === 'org-b-app' ? ORG_B : '00DDp0000000001AAA',
    baseUrl: salesforce.url,
    credentials,
    mappingOverrides: overrides,
    revision: 1,
    status: 'active',
  };
}

describe('mapping:check per connection', () => {
  it('checks the deployment and every stored connection, each with its own mapping, and prints each', async () => {
    const env = loadConfig(z.object({ ...crmClientEnv, ...webhookSecretEnv }), {
      SALESFORCE_LOGIN_URL: salesforce.url,
      SALESFORCE_INSTANCE_URL: salesforce.url,
      HUBSPOT_BASE_URL: hubspot.url,
    } as NodeJS.ProcessEnv);
    const connections = [
      connection(
        'conn_acme',
        'acme',
        { clientId: 'org-b-app', clientSecret: 'org-b-secret' },
        {
          'suppression.doNotCall': 'Do_Not_Call__c',
        },
      ),
      connection('conn_demo', 'demo', { clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' }),
      { ...connection('conn_off', 'gone', { clientId: 'x', clientSecret: 'y' }), status: 'disabled' as const },
    ];
    await salesforce.admin.forAccount(ORG_B).setDrift({ object: 'Contact', field: 'Do_Not_Call__c', action: 'remove' });
    const lines: string[] = [];
    const { outcomes, differences, unreachable } = await runMappingCheck(
      mappingCheckTargets(env, connections),
      (line) => lines.push(line),
    );
    expect(outcomes.map((o) => o.label)).toEqual([
      'salesforce deployment',
      `salesforce connection conn_acme (seller acme, account ${ORG_B})`,
      'salesforce connection conn_demo (seller demo, account 00DDp0000000001AAA)',
      'hubspot deployment',
    ]);
    expect(unreachable).toBe(0);
    expect(differences).toBe(1);
    const acme = outcomes[1]!.report!;
    expect(acme.mappingVersion).toMatch(/\+[0-9a-f]{8}$/);
    expect(acme.differences).toEqual([{ crmField: 'Contact.Do_Not_Call__c', problem: 'missing', expected: 'boolean' }]);
    for (const i of [0, 2, 3]) expect(outcomes[i]!.report!.differences).toEqual([]);
    expect(lines.join('\n')).toMatch(/conn_acme .*1 difference\(s\)\n {2}missing +Contact\.Do_Not_Call__c/);
  });

  it('reports an unreachable account under its connection and goes on with the others', async () => {
    const env = loadConfig(z.object({ ...crmClientEnv, ...webhookSecretEnv }), {
      SALESFORCE_LOGIN_URL: salesforce.url,
      SALESFORCE_INSTANCE_URL: salesforce.url,
    } as NodeJS.ProcessEnv);
    const refused = connection('conn_bad', 'bad', { clientId: 'no-such-app', clientSecret: 'nope' });
    const { outcomes, unreachable } = await runMappingCheck(
      mappingCheckTargets(env, [refused], 'salesforce'),
      () => undefined,
    );
    expect(unreachable).toBe(1);
    expect(outcomes.map((o) => o.report === null)).toEqual([false, true]);
    expect(outcomes[1]!.label).toContain('conn_bad');
    expect(outcomes[1]!.error).not.toContain('nope');
  });
});
