import { DEV_SECRETS } from '../../shared/config.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import type { CrmRuntimeConfig } from '../../shared/crm/crm-subgraph.js';
import { silentLogger } from '../../shared/logger.js';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import { createSalesforceConnector } from '../../crm/salesforce/connector.js';
import { startSalesforceSubgraph } from '../../subgraphs/salesforce/server.js';
import { uniquePrefix } from '../support/services.js';
import { gql } from './contract-suite.js';

/**
 * Salesforce-specific behaviour against the simulator over real HTTP (the shared contract is in
 * salesforce.test.ts): drift inside the child subquery, token expiry, hangs and the breaker,
 * the live mapping check, unknown ids.
 */

const SECRET = 'contract-suite-internal-secret';
const CLIENT = {
  clientId: 'dialplane-dev',
  clientSecret: 'dev-salesforce-secret',
  apiVersion: '62.0',
  webhookSecret: DEV_SECRETS.SALESFORCE_WEBHOOK_SECRET,
};
const DEAL_QUERY = `query($ids: [ID!]!) { contacts(ids: $ids) { id crmIntentStage openDeal { id name stage crmStage closed won } suppression { doNotCall } } }`;

describe('Salesforce subgraph against the simulator', () => {
  let sim: SalesforceSim;
  let ids: string[];
  let sg: RunningCrmSubgraph | undefined;

  const start = async (runtime: Partial<CrmRuntimeConfig> = {}, timeoutMs = 1_000) => {
    sg = await startSalesforceSubgraph({
      port: 0,
      salesforce: { loginUrl: sim.url, instanceUrl: sim.url, ...CLIENT, timeoutMs },
      runtime: {
        cacheTtlMs: 10_000,
        batchWindowMs: 3,
        internalSecret: SECRET,
        keyPrefix: uniquePrefix('sf'),
        ...runtime,
      },
      log: silentLogger,
    });
    return sg;
  };

  beforeAll(async () => {
    sim = await startSalesforceSim({ port: 0, contacts: 200, latency: { medianMs: 0, jitterMs: 0 } });
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
    const token = (await (await fetch(`${sim.url}/services/oauth2/token`, { method: 'POST', body: form })).json()) as {
      access_token: string;
    };
    const res = await fetch(
      `${sim.url}/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Contact ORDER BY Id LIMIT 100')}`,
      { headers: { authorization: `Bearer ${token.access_token}` } },
    );
    ids = ((await res.json()) as { records: { Id: string }[] }).records.map((r) => r.Id);
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(async () => {
    await sim.admin.reset('all');
  });
  afterEach(async () => {
    await sg?.close();
    sg = undefined;
  });

  it('a renamed Opportunity field drifts only the deal fields it feeds', async () => {
    const s = await start();
    const plain = await gql(s.url, DEAL_QUERY, { ids: ids.slice(0, 60).map((id) => `salesforce:${id}`) });
    const withDeal = (plain.data!.contacts as { id: string; openDeal: unknown }[]).find((c) => c.openDeal)!;
    expect(withDeal).toBeTruthy();
    await s.close();
    await sim.admin.setDrift({ object: 'Opportunity', field: 'StageName', action: 'rename', to: 'Stage__c' });
    const s2 = await start();
    const res = await gql(s2.url, DEAL_QUERY, { ids: [withDeal.id] });
    const paths = (res.errors ?? []).map((e) => e.path!.join('.')).sort();
    expect(paths).toEqual(['contacts.0.crmIntentStage', 'contacts.0.openDeal.crmStage', 'contacts.0.openDeal.stage']);
    for (const e of res.errors!)
      expect(e.extensions).toMatchObject({
        code: 'CRM_SCHEMA_DRIFT',
        crm: 'salesforce',
        field: 'Opportunity.StageName',
        mappingVersion: 'salesforce@2',
      });
    const c = res.data!.contacts[0];
    expect(c.openDeal.id).toMatch(/^salesforce:006/);
    expect(typeof c.openDeal.closed).toBe('boolean');
    expect(typeof c.suppression.doNotCall).toBe('boolean');
  });

  it('re-runs the client_credentials grant when the session expires', async () => {
    const s = await start();
    await gql(s.url, DEAL_QUERY, { ids: [`salesforce:${ids[0]}`] });
    sim.expireSessions();
    await sim.admin.reset('stats');
    const res = await gql(s.url, DEAL_QUERY, { ids: [`salesforce:${ids[1]}`] });
    expect(res.errors).toBeUndefined();
    expect(res.data!.contacts[0].id).toBe(`salesforce:${ids[1]}`);
    expect(await sim.admin.count('oauth.token')).toBe(1);
  });

  it('a hanging CRM times out, serves stale, and the breaker opens (readyz 503, no further CRM calls)', async () => {
    let nowMs = Date.now();
    const s = await start({ cacheTtlMs: 100, breaker: { failureThreshold: 2, openMs: 60_000 }, now: () => nowMs }, 300);
    await gql(s.url, DEAL_QUERY, { ids: [`salesforce:${ids[0]}`] });
    nowMs += 150; // past the freshness lifetime on the subgraph's clock
    await sim.admin.setFaults({ hangRate: 1 });
    const t0 = Date.now();
    const stale = await gql(s.url, `query($id: ID!) { contact(id: $id) { id freshness { stale } } }`, {
      id: `salesforce:${ids[0]}`,
    });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(stale.data!.contact.freshness.stale).toBe(true);
    const unavailable = await gql(s.url, `query($id: ID!) { contact(id: $id) { id } }`, { id: `salesforce:${ids[2]}` });
    expect(unavailable.errors?.[0]?.extensions?.code).toBe('CRM_UNAVAILABLE');
    expect((await fetch(`${s.baseUrl}/readyz`)).status).toBe(503);
    const before = (await sim.admin.stats()).total;
    const fast = await gql(s.url, `query($id: ID!) { contact(id: $id) { id } }`, { id: `salesforce:${ids[3]}` });
    expect(fast.errors?.[0]?.extensions?.code).toBe('CRM_UNAVAILABLE');
    expect((await sim.admin.stats()).total).toBe(before);
    const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/dialplane_crm_breaker_state\{[^}]*\} 2/);
  });

  it('answers null for an unknown contact id and BAD_USER_INPUT for a malformed one', async () => {
    const s = await start();
    const res = await gql(s.url, DEAL_QUERY, { ids: [`salesforce:${ids[0]}`, 'salesforce:003000000000000ZZZ'] });
    expect(res.errors).toBeUndefined();
    expect(res.data!.contacts[1]).toBeNull();
    const bad = await gql(s.url, DEAL_QUERY, { ids: ['salesforce:not-an-id'] });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids.0' });
  });

  it('mapping:check compares the live describe with the mapping and names drifted fields', async () => {
    const connector = createSalesforceConnector({ loginUrl: sim.url, instanceUrl: sim.url, ...CLIENT });
    const clean = await connector.checkMapping();
    expect(clean.differences).toEqual([]);
    expect(clean.fieldsChecked).toBeGreaterThan(20);
    await sim.admin.setDrift({ object: 'Contact', field: 'DoNotCall', action: 'rename', to: 'Do_Not_Call__c' });
    const drifted = await connector.checkMapping();
    expect(drifted.differences).toEqual([{ crmField: 'Contact.DoNotCall', problem: 'missing', expected: 'boolean' }]);
    await connector.close();
  });
});
