import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmSimulator } from '../../crm/module.js';
import type { SalesforceAccount } from '../../crm/salesforce/connection.js';
import { salesforceCrm } from '../../crm/salesforce/index.js';
import type { CrmConnection } from '../../shared/crm/connection.js';
import type { CrmConnector } from '../../shared/crm/connector.js';
import type { RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import { IDENTITY_HEADER, signIdentity } from '../../shared/identity.js';
import { silentLogger } from '../../shared/logger.js';
import { startSalesforceSubgraph } from '../../subgraphs/salesforce/server.js';
import { MemoryConnectionDirectory } from '../support/connection-directory.js';
import type { GqlResult } from './contract-suite.js';

/**
 * Routing by connection (issue 15) over real HTTP: two sellers on two simulated Salesforce orgs
 * whose contacts have the same ids (ids are row numbers) but different people (different seeds),
 * and a third org as the deployment connection. Each seller sees only its own org's record; one
 * org down leaves the other seller's reads untouched; a change event for one org evicts only that
 * org's cached contact; a rotated connection gets a new pipeline, a disabled one falls back.
 */
const SECRET = 'connections-internal-secret';
const CONTACT = 'query($id: ID!) { contact(id: $id) { id name { full } email suppression { doNotCall } } }';

async function ask(url: string, seller: string | undefined, id: string): Promise<GqlResult> {
  const body = JSON.stringify({ query: CONTACT, variables: { id } });
  const identity = signIdentity(
    { sub: `agent-${seller ?? 'none'}`, roles: ['agent'], ...(seller ? { seller } : {}) },
    SECRET,
    { body },
  );
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: identity },
    body,
  });
  return (await res.json()) as GqlResult;
}

function connectionTo(sim: CrmSimulator<SalesforceAccount>, id: string, seller: string): CrmConnection {
  return {
    id,
    seller,
    crm: 'salesforce',
    account: `00D${id}`,
    baseUrl: sim.url,
    credentials: { clientId: sim.account.clientId, clientSecret: sim.account.clientSecret },
    mappingOverrides: {},
    revision: 1,
    status: 'active',
  };
}

type Sim = CrmSimulator<SalesforceAccount> & {
  sim: { admin: import('../../sim/common/admin-client.js').SimAdminClient };
};

describe('CRM subgraph routing by connection (Salesforce)', () => {
  let orgA: Sim;
  let orgB: Sim;
  let deploymentOrg: Sim;
  let direct: Record<'a' | 'b' | 'deployment', CrmConnector>;
  let directory: MemoryConnectionDirectory;
  let subgraph: RunningCrmSubgraph;
  let ids: string[];
  const started: { close(): Promise<void> }[] = [];

  const start = (deploymentConnection: boolean, dir: MemoryConnectionDirectory) =>
    startSalesforceSubgraph({
      port: 0,
      salesforce: { ...deploymentOrg.account, webhookSecret: deploymentOrg.webhookSecret, timeoutMs: 2_000 },
      runtime: {
        cacheTtlMs: 600_000,
        batchWindowMs: 1,
        internalSecret: SECRET,
        deploymentConnection,
        breaker: { failureThreshold: 2, openMs: 600_000 },
      },
      connections: { directory: dir },
      log: silentLogger,
    });

  beforeAll(async () => {
    const zero = { medianMs: 0, jitterMs: 0 };
    [orgA, orgB, deploymentOrg] = (await Promise.all(
      ['seller-a-org', 'seller-b-org', 'deployment-org'].map((seed) =>
        salesforceCrm.startSimulator({ seed, contacts: 20, latency: zero }),
      ),
    )) as Sim[];
    started.push(orgA!, orgB!, deploymentOrg!);
    const connector = (sim: Sim) => salesforceCrm.createConnector(sim.account, { webhookSecret: sim.webhookSecret });
    direct = { a: connector(orgA), b: connector(orgB), deployment: connector(deploymentOrg) };
    for (const c of Object.values(direct)) started.push(c);
    ids = [];
    for await (const page of direct.a.changedContactsSince(0)) ids.push(...page.map((c) => c.sourceId));
    directory = new MemoryConnectionDirectory([
      connectionTo(orgA, 'conn_a', 'seller-a'),
      connectionTo(orgB, 'conn_b', 'seller-b'),
    ]);
    subgraph = await start(true, directory);
    started.push(subgraph);
  });
  afterAll(async () => {
    await Promise.allSettled(started.map((s) => s.close()));
  });

  const emailIn = async (connector: CrmConnector, id: string) => {
    const [result] = await connector.loadContacts([id]);
    return result?.kind === 'found' ? result.contact.email : undefined;
  };

  it("resolves the same id in each seller's own org only", async () => {
    const id = ids[0]!;
    const [a, b, none] = await Promise.all([
      ask(subgraph.url, 'seller-a', `salesforce:${id}`),
      ask(subgraph.url, 'seller-b', `salesforce:${id}`),
      ask(subgraph.url, 'seller-c', `salesforce:${id}`),
    ]);
    const [emailA, emailB, emailDeployment] = await Promise.all([
      emailIn(direct.a, id),
      emailIn(direct.b, id),
      emailIn(direct.deployment, id),
    ]);
    // Different people behind the same id: the check below could not pass by accident.
    expect(new Set([emailA, emailB, emailDeployment]).size).toBe(3);
    expect(a).toMatchObject({ data: { contact: { id: `salesforce:${id}`, email: emailA } } });
    expect(b).toMatchObject({ data: { contact: { id: `salesforce:${id}`, email: emailB } } });
    // A seller without a connection: the deployment connection (CRM_DEPLOYMENT_CONNECTION=on).
    expect(none).toMatchObject({ data: { contact: { email: emailDeployment } } });
    expect(none.errors).toBeUndefined();
  });

  it('answers CRM_CONNECTION_MISSING to a seller without a connection when the deployment connection is off', async () => {
    const strict = await start(false, directory);
    started.push(strict);
    const [missing, own] = await Promise.all([
      ask(strict.url, 'seller-c', `salesforce:${ids[1]!}`),
      ask(strict.url, 'seller-a', `salesforce:${ids[1]!}`),
    ]);
    expect(missing.data?.contact ?? null).toBeNull();
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'CRM_CONNECTION_MISSING', crm: 'salesforce' });
    expect(own).toMatchObject({ data: { contact: { email: await emailIn(direct.a, ids[1]!) } } });
  });

  it("evicts only the changed org's contact on a change event for that org", async () => {
    const id = ids[2]!;
    const read = async (seller: string) =>
      (await ask(subgraph.url, seller, `salesforce:${id}`)).data?.contact.suppression.doNotCall as boolean;
    const [beforeA, beforeB] = [await read('seller-a'), await read('seller-b')];
    // The same person edit in both orgs; only org A delivers its change event (to its connection's URL).
    await orgB.sim.admin.edit({ kind: 'doNotCall', contactId: id, value: !beforeB });
    await orgA.sim.admin.setWebhooks([`${subgraph.webhookUrl}/conn_a`]);
    await orgA.sim.admin.edit({ kind: 'doNotCall', contactId: id, value: !beforeA });
    await orgA.sim.admin.waitForDeliveries();
    expect((await orgA.sim.admin.stats()).deliveries).toMatchObject({ pending: 0 });
    await expect.poll(() => read('seller-a'), { timeout: 5_000 }).toBe(!beforeA);
    // A's event has been applied (witness above); B's cached answer is still the one before its edit.
    expect(await read('seller-b')).toBe(beforeB);
  });

  it('rebuilds a rotated connection with a fresh cache and falls back once it is disabled', async () => {
    const id = ids[3]!;
    const first = await ask(subgraph.url, 'seller-a', `salesforce:${id}`);
    const before = subgraph.router!.forConnectionId('conn_a')!;
    expect(before.revision).toBe(1);
    directory.put({ ...connectionTo(orgA, 'conn_a', 'seller-a'), revision: 2 });
    expect(subgraph.router!.open().some((p) => p === before)).toBe(false);
    const rotated = await ask(subgraph.url, 'seller-a', `salesforce:${id}`);
    expect(rotated.data?.contact).toEqual(first.data?.contact);
    const after = subgraph.router!.forConnectionId('conn_a')!;
    expect(after).not.toBe(before);
    expect(after.revision).toBe(2);

    directory.put({ ...connectionTo(orgA, 'conn_a', 'seller-a'), revision: 3, status: 'disabled' });
    const fallback = await ask(subgraph.url, 'seller-a', `salesforce:${id}`);
    expect(fallback).toMatchObject({ data: { contact: { email: await emailIn(direct.deployment, id) } } });
    expect(subgraph.router!.open().some((p) => p.connectionId === 'conn_a')).toBe(false);
  });

  // Last: A's breaker stays open for the rest of the run (openMs 10 min).
  it("keeps seller B's reads working, on its own breaker, while seller A's org is down", async () => {
    directory.put(connectionTo(orgA, 'conn_a', 'seller-a'));
    const pipelineA = subgraph.router!.forConnectionId('conn_a')!;
    const pipelineB = subgraph.router!.forConnectionId('conn_b')!;
    expect(pipelineA.service.breaker).not.toBe(pipelineB.service.breaker);
    await orgA.sim.admin.setFaults({ outage: true });
    try {
      // Contacts nobody read yet: nothing cached, so A's reads must reach A's org.
      for (const id of ids.slice(5, 8)) {
        const res = await ask(subgraph.url, 'seller-a', `salesforce:${id}`);
        expect(res.errors?.[0]?.extensions?.code).toBe('CRM_UNAVAILABLE');
      }
      expect(pipelineA.service.breaker.state).toBe('open');
      for (const id of ids.slice(5, 8)) {
        const res = await ask(subgraph.url, 'seller-b', `salesforce:${id}`);
        expect(res.errors).toBeUndefined();
        expect(res.data?.contact.email).toBe(await emailIn(direct.b, id));
      }
      expect(pipelineB.service.breaker.state).toBe('closed');
    } finally {
      await orgA.sim.admin.setFaults({ outage: false });
    }
  });

  it('refuses a change event addressed to an unknown connection', async () => {
    const res = await fetch(`${subgraph.webhookUrl}/conn_unknown`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });
});
