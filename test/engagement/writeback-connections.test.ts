import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmSimulator } from '../../crm/module.js';
import type { SalesforceAccount } from '../../crm/salesforce/connection.js';
import { salesforceCrm } from '../../crm/salesforce/index.js';
import type { CrmConnection } from '../../shared/crm/connection.js';
import { crmKeyOf } from '../../shared/crm/writer.js';
import type { SalesforceSim } from '../../sim/salesforce/server.js';
import { callOutcomeInput } from '../../subgraphs/engagement/intake/outcome.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import { startWriteBackWorker, type WriteBackWorker } from '../../subgraphs/engagement/worker/worker.js';
import { MemoryConnectionDirectory } from '../support/connection-directory.js';
import { eventually } from '../support/eventually.js';
import { DEV_SECRETS } from '../../shared/config.js';
import { startConnectionRuntime, type ConnectionRuntime } from '../../shared/crm/connections/runtime.js';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { createMetrics } from '../../shared/metrics.js';
import { outcome, quietLog, recordingConsent, testConfig } from './helpers.js';

/**
 * Write-backs by connection (issue 15): an outcome lands in its seller's own org, never in another
 * seller's or the deployment's; one seller's org down leaves the other seller's write-backs
 * flowing (a breaker per connection, no pause of the CRM's shared bucket).
 */
type Org = CrmSimulator<SalesforceAccount> & { sim: SalesforceSim };

async function tasksWithKey(org: Org, key: string): Promise<number> {
  const auth = await fetch(`${org.url}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: org.account.clientId,
      client_secret: org.account.clientSecret,
    }),
  });
  const { access_token } = (await auth.json()) as { access_token: string };
  const q = encodeURIComponent(`SELECT Id FROM Task WHERE Dialplane_Key__c = '${key}'`);
  const res = await fetch(`${org.url}/services/data/v62.0/query?q=${q}`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  return ((await res.json()) as { totalSize: number }).totalSize;
}

/** The record id of the first contact the org holds (every seeded org has one). */
async function firstContactId(org: Org): Promise<string> {
  const connector = salesforceCrm.createConnector(org.account, { webhookSecret: org.webhookSecret });
  try {
    for await (const page of connector.changedContactsSince(0)) if (page[0]) return page[0].sourceId;
    throw new Error('the simulated org holds no contact');
  } finally {
    await connector.close();
  }
}

function connectionTo(org: Org, id: string, seller: string): CrmConnection {
  return {
    id,
    seller,
    crm: 'salesforce',
    account: `00D${id}`,
    baseUrl: org.url,
    credentials: { clientId: org.account.clientId, clientSecret: org.account.clientSecret },
    mappingOverrides: {},
    revision: 1,
    status: 'active',
  };
}

describe('write-back by connection (Salesforce, PGlite)', () => {
  let orgA: Org;
  let orgB: Org;
  let deploymentOrg: Org;
  let engagement: RunningEngagementSubgraph;
  let worker: WriteBackWorker;
  let contactId: string;

  beforeAll(async () => {
    const zero = { medianMs: 0, jitterMs: 0 };
    [orgA, orgB, deploymentOrg] = (await Promise.all(
      ['a', 'b', 'deployment'].map((seed) => salesforceCrm.startSimulator({ seed, contacts: 5, latency: zero })),
    )) as Org[];
    contactId = await firstContactId(orgA);
    const config = { ...testConfig({ salesforceUrl: deploymentOrg.url }), runWorker: false };
    engagement = await startEngagementSubgraph(config, { log: quietLog, consent: recordingConsent() });
    worker = await startWriteBackWorker(config, {
      runtime: engagement.runtime,
      connections: new MemoryConnectionDirectory([
        connectionTo(orgA, 'conn_a', 'seller-a'),
        connectionTo(orgB, 'conn_b', 'seller-b'),
      ]),
    });
  });
  afterAll(async () => {
    await worker?.close();
    await engagement?.close();
    await Promise.allSettled([orgA, orgB, deploymentOrg].map((o) => o?.close()));
  });

  const record = async (seller: string | null) => {
    const input = outcome(`salesforce:${contactId}`, seller ? { seller } : {});
    const { receipt } = await engagement.runtime.store.recordOutcome(callOutcomeInput.parse(input), 'graphql');
    worker.notify();
    return { id: receipt.id, key: crmKeyOf(input.idempotencyKey as string) };
  };
  const status = async (id: string) => (await engagement.runtime.store.getWriteBack(id))?.status;

  it("writes each outcome to its seller's org, and an outcome without a connection to the deployment org", async () => {
    const [a, b, none] = [await record('seller-a'), await record('seller-b'), await record(null)];
    for (const w of [a, b, none]) await eventually(async () => (await status(w.id)) === 'WRITTEN', 20_000);
    expect(await Promise.all([orgA, orgB, deploymentOrg].map((o) => tasksWithKey(o, a.key)))).toEqual([1, 0, 0]);
    expect(await Promise.all([orgA, orgB, deploymentOrg].map((o) => tasksWithKey(o, b.key)))).toEqual([0, 1, 0]);
    expect(await Promise.all([orgA, orgB, deploymentOrg].map((o) => tasksWithKey(o, none.key)))).toEqual([0, 0, 1]);
  });

  it("keeps writing seller B's outcomes while seller A's org is down", async () => {
    await orgA.sim.admin.setFaults({ outage: true });
    try {
      const failing = await Promise.all([record('seller-a'), record('seller-a'), record('seller-a')]);
      await eventually(
        async () => (await Promise.all(failing.map((f) => status(f.id)))).every((s) => s === 'RETRYING'),
        20_000,
      );
      // Seller A's outage stops at A's breaker: the CRM's shared bucket (the deployment's and every
      // other seller's slot) is not paused for it.
      const { rows } = await engagement.runtime.db.query<{ paused: boolean }>(
        `SELECT paused_until > clock_timestamp() AS paused FROM engagement.rate_bucket WHERE crm = 'salesforce'`,
      );
      expect(rows).toEqual([{ paused: false }]);
      const b = await record('seller-b');
      await eventually(async () => (await status(b.id)) === 'WRITTEN', 10_000);
      expect(await tasksWithKey(orgB, b.key)).toBe(1);
      expect(await status(failing[0]!.id)).not.toBe('WRITTEN');
    } finally {
      await orgA.sim.admin.setFaults({ outage: false });
    }
  }, 60_000);
});

describe('write-back by stored connection (the worker reads the connection table)', () => {
  let orgB: Org;
  let deploymentOrg: Org;
  let engagement: RunningEngagementSubgraph;
  let worker: WriteBackWorker;
  let bus: EventBus;
  let admin: ConnectionRuntime;
  let contactId: string;

  beforeAll(async () => {
    const zero = { medianMs: 0, jitterMs: 0 };
    [orgB, deploymentOrg] = (await Promise.all(
      ['b', 'deployment'].map((seed) => salesforceCrm.startSimulator({ seed, contacts: 5, latency: zero })),
    )) as Org[];
    contactId = await firstContactId(orgB);
    bus = await createEventBus({});
    const config = {
      ...testConfig({ salesforceUrl: deploymentOrg.url }),
      runWorker: false,
      connections: { keyRing: DEV_SECRETS.CONNECTION_ENCRYPTION_KEYS, resyncMs: 60_000 },
    };
    engagement = await startEngagementSubgraph(config, { log: quietLog, consent: recordingConsent() });
    // What a CRM subgraph's admin API does: a connection stored (sealed) in the shared table.
    admin = await startConnectionRuntime({
      db: engagement.runtime.db,
      bus,
      keyRing: DEV_SECRETS.CONNECTION_ENCRYPTION_KEYS,
      kinds: [salesforceCrm.connectionKind],
      metrics: createMetrics('test-admin', { collectDefault: false }),
      log: quietLog,
      checkOnChange: false,
    });
    worker = await startWriteBackWorker(config, { runtime: engagement.runtime, bus });
  });
  afterAll(async () => {
    await worker?.close();
    await admin?.close();
    await engagement?.close();
    await bus?.close();
    await Promise.allSettled([orgB, deploymentOrg].map((o) => o?.close()));
  });

  it("writes a seller's outcome to the org of the connection stored after the worker started", async () => {
    await admin.store.create({
      seller: 'seller-b',
      crm: 'salesforce',
      account: '00DStoredB00001AAA',
      baseUrl: orgB.url,
      credentials: { clientId: orgB.account.clientId, clientSecret: orgB.account.clientSecret },
    });
    const input = outcome(`salesforce:${contactId}`, { seller: 'seller-b' });
    // The worker's directory hears the change on the bus (until then the outcome would go to the deployment org).
    await eventually(() => worker.connections?.forSeller('seller-b', 'salesforce') != null, 5_000);
    const { receipt } = await engagement.runtime.store.recordOutcome(callOutcomeInput.parse(input), 'graphql');
    worker.notify();
    await eventually(
      async () => (await engagement.runtime.store.getWriteBack(receipt.id))?.status === 'WRITTEN',
      20_000,
    );
    const key = crmKeyOf(input.idempotencyKey as string);
    expect(await Promise.all([orgB, deploymentOrg].map((o) => tasksWithKey(o, key)))).toEqual([1, 0]);
  }, 60_000);
});
