import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubspotConnector } from '../../crm/hubspot/connector.js';
import { createSalesforceConnector } from '../../crm/salesforce/connector.js';
import { DEV_SECRETS } from '../../shared/config.js';
import type { CrmConnection } from '../../shared/crm/connection.js';
import type { CrmConnector } from '../../shared/crm/connector.js';
import type { RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import { openDatabase, type Database } from '../../shared/db.js';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { IDENTITY_HEADER, signIdentity } from '../../shared/identity.js';
import { silentLogger } from '../../shared/logger.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import { startHubspotSubgraph } from '../../subgraphs/hubspot/server.js';
import { startSalesforceSubgraph } from '../../subgraphs/salesforce/server.js';
import type { GqlResult } from '../crm/contract-suite.js';
import jsforce from 'jsforce';
import { salesforceTaskOf } from '../../crm/salesforce/write-mapping.js';
import { HUBSPOT_CALL_KEY_PROPERTY, hubspotCallOf } from '../../crm/hubspot/write-mapping.js';
import { CrmWriterRouter } from '../../crm/writers.js';
import type { OutcomeToWrite } from '../../shared/crm/writer.js';

/**
 * Stored connections' tokens on the request path (issue 15), over real HTTP: a Salesforce
 * refresh-token connection and a HubSpot OAuth connection, each on its own account of a
 * multi-account simulator, read their own account's contact through the CRM subgraph with the
 * token the connection's ConnectionTokens granted (one grant for many concurrent first requests);
 * a revoked refresh token is an auth failure in /readyz and /metrics, and rotated credentials
 * recover without a restart.
 */
const SECRET = 'request-path-tokens-internal-secret';
const CONTACT = 'query($id: ID!) { contact(id: $id) { id email } }';
const ORG_B = '00DDp00000000B2AAA';
const SF_APP_B = { clientId: 'org-b-app', clientSecret: 'org-b-secret' };
const SF_REFRESH_B = 'org-b-refresh-token';
const PORTAL_B = 777_001;
const HS_REFRESH_B = 'portal-b-refresh-token';
const HS_OAUTH = { clientId: 'dev-hubspot-client-id', clientSecret: 'dev-hubspot-client-secret' };

async function ask(url: string, seller: string, id: string): Promise<GqlResult> {
  const body = JSON.stringify({ query: CONTACT, variables: { id } });
  const identity = signIdentity({ sub: `agent-${seller}`, roles: ['agent'], seller }, SECRET, { body });
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: identity },
    body,
  });
  return (await res.json()) as GqlResult;
}

async function emailIn(connector: CrmConnector, id: string): Promise<string | undefined> {
  const [result] = await connector.loadContacts([id]);
  return result?.kind === 'found' ? (result.contact.email ?? undefined) : undefined;
}

async function firstIds(connector: CrmConnector, n: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of connector.changedContactsSince(0)) {
    ids.push(...page.map((c) => c.sourceId));
    if (ids.length >= n) break;
  }
  return ids.slice(0, n);
}

describe('stored connections read with their own tokens (real HTTP)', () => {
  let sf: SalesforceSim;
  let hs: HubspotSim;
  let db: Database;
  let bus: EventBus;
  let salesforce: RunningCrmSubgraph;
  let hubspot: RunningCrmSubgraph;
  let direct: { sfA: CrmConnector; sfB: CrmConnector; hsA: CrmConnector; hsB: CrmConnector };
  let sfIds: string[];
  let hsIds: string[];

  beforeAll(async () => {
    const zero = { medianMs: 0, jitterMs: 0 };
    sf = await startSalesforceSim({
      port: 0,
      seed: 1,
      contacts: 30,
      latency: zero,
      orgs: [
        {
          orgId: ORG_B,
          seed: 2,
          contacts: 30,
          latency: zero,
          ...SF_APP_B,
          username: 'agent@org-b.dev',
          refreshTokens: [SF_REFRESH_B],
          rotateRefreshTokens: true,
        },
      ],
    });
    hs = await startHubspotSim({
      port: 0,
      seed: 'portal-a',
      contacts: 30,
      latency: zero,
      portals: [
        {
          portalId: PORTAL_B,
          accessToken: 'portal-b-private-token',
          refreshTokens: [HS_REFRESH_B],
          seed: 'portal-b',
          contacts: 30,
          latency: zero,
        },
      ],
    });
    db = await openDatabase();
    bus = await createEventBus();
    const runtime = {
      cacheTtlMs: 600_000,
      batchWindowMs: 1,
      internalSecret: SECRET,
      connections: { keyRing: DEV_SECRETS.CONNECTION_ENCRYPTION_KEYS },
    };
    const sfDeployment = {
      loginUrl: sf.url,
      instanceUrl: sf.url,
      clientId: 'dialplane-dev',
      clientSecret: 'dev-salesforce-secret',
      apiVersion: '62.0',
    };
    salesforce = await startSalesforceSubgraph({
      port: 0,
      salesforce: { ...sfDeployment, webhookSecret: DEV_SECRETS.SALESFORCE_WEBHOOK_SECRET },
      runtime,
      log: silentLogger,
      bus,
      connections: { db },
    });
    hubspot = await startHubspotSubgraph({
      port: 0,
      hubspot: { baseUrl: hs.url, accessToken: 'dev-hubspot-token', clientSecret: HS_OAUTH.clientSecret },
      runtime,
      log: silentLogger,
      bus,
      connections: { db },
    });
    direct = {
      sfA: createSalesforceConnector({ ...sfDeployment, webhookSecret: 'x' }),
      sfB: createSalesforceConnector({ ...sfDeployment, ...SF_APP_B, webhookSecret: 'x' }),
      hsA: createHubspotConnector({ baseUrl: hs.url, accessToken: 'dev-hubspot-token', clientSecret: 'x' }),
      hsB: createHubspotConnector({ baseUrl: hs.url, accessToken: 'portal-b-private-token', clientSecret: 'x' }),
    };
    sfIds = await firstIds(direct.sfB, 12);
    hsIds = await firstIds(direct.hsB, 12);
  });
  afterAll(async () => {
    await Promise.allSettled([salesforce?.close(), hubspot?.close()]);
    await Promise.allSettled(Object.values(direct ?? {}).map((c) => c.close()));
    await Promise.allSettled([sf?.close(), hs?.close()]);
    await bus?.close();
    await db?.close();
  });

  async function connect(
    subgraph: RunningCrmSubgraph,
    input: Omit<CrmConnection, 'id' | 'revision' | 'status' | 'mappingOverrides'>,
  ) {
    const created = await subgraph.connections!.store.create(input);
    await expect.poll(() => subgraph.connections!.directory.byId(created.id)?.id).toBe(created.id);
    return created;
  }

  it('a Salesforce refresh-token connection reads its own org; 40 concurrent first requests, one grant', async () => {
    const adminB = sf.admin.forAccount(ORG_B);
    const grantsBefore = await adminB.count('oauth.token');
    const created = await connect(salesforce, {
      seller: 'seller-sf-refresh',
      crm: 'salesforce',
      account: ORG_B,
      baseUrl: sf.url,
      credentials: { ...SF_APP_B, refreshToken: SF_REFRESH_B },
    });
    const answers = await Promise.all(
      sfIds
        .slice(0, 8)
        .flatMap((id) => Array.from({ length: 5 }, () => ask(salesforce.url, 'seller-sf-refresh', `salesforce:${id}`))),
    );
    for (const a of answers) expect(a.errors).toBeUndefined();
    const id = sfIds[0]!;
    const [own, other] = await Promise.all([emailIn(direct.sfB, id), emailIn(direct.sfA, id)]);
    expect(own).not.toBe(other); // the same id names different people in the two orgs
    expect(answers[0]).toMatchObject({ data: { contact: { id: `salesforce:${id}`, email: own } } });
    // The connection's one refresh-token grant (the runtime's check and every request share it).
    expect((await adminB.count('oauth.token')) - grantsBefore).toBe(1);
    const health = salesforce.connections!.health.get(created.id);
    expect(health?.lastSuccessAt).not.toBeNull();
    expect(health?.apiBudgetRemaining).toBeGreaterThan(0);
    // Readiness lists the connection's pipeline state; /metrics has its own series, no secret.
    const ready = (await (await fetch(`${salesforce.baseUrl}/readyz`)).json()) as {
      connections: { id: string; breaker: string; lastSuccessAt: string | null }[];
    };
    expect(ready.connections.find((c) => c.id === created.id)).toMatchObject({ breaker: 'closed' });
    expect(ready.connections.find((c) => c.id === created.id)?.lastSuccessAt).not.toBeNull();
    const metrics = await (await fetch(`${salesforce.baseUrl}/metrics`)).text();
    const labels = `connection="${created.id}",crm="salesforce"`;
    const series = (name: string, value: string) => new RegExp(`${name}\\{${labels}[^}]*\\} ${value}`);
    expect(metrics).toMatch(series('dialplane_connection_breaker_state', '0'));
    expect(metrics).toMatch(series('dialplane_connection_last_success_timestamp_seconds', '\\d'));
    expect(metrics).toMatch(series('dialplane_connection_api_budget_remaining', '[1-9]'));
    for (const secret of [SF_APP_B.clientSecret, SF_REFRESH_B]) expect(metrics).not.toContain(secret);
  });

  it('a HubSpot OAuth connection reads its own portal with the granted token; 40 concurrent first requests, one grant', async () => {
    const adminB = hs.admin.forAccount(String(PORTAL_B));
    const grantsBefore = await adminB.count('oauth.token');
    await connect(hubspot, {
      seller: 'seller-hs-oauth',
      crm: 'hubspot',
      account: String(PORTAL_B),
      baseUrl: hs.url,
      credentials: { ...HS_OAUTH, refreshToken: HS_REFRESH_B },
    });
    const answers = await Promise.all(
      hsIds
        .slice(0, 8)
        .flatMap((id) => Array.from({ length: 5 }, () => ask(hubspot.url, 'seller-hs-oauth', `hubspot:${id}`))),
    );
    for (const a of answers) expect(a.errors).toBeUndefined();
    const id = hsIds[0]!;
    const [own, other] = await Promise.all([emailIn(direct.hsB, id), emailIn(direct.hsA, id)]);
    expect(own).toBeDefined();
    expect(own).not.toBe(other);
    expect(answers[0]).toMatchObject({ data: { contact: { id: `hubspot:${id}`, email: own } } });
    expect((await adminB.count('oauth.token')) - grantsBefore).toBe(1);
  });

  it('a revoked refresh token is an auth failure in /readyz and /metrics; rotated credentials recover without a restart', async () => {
    const created = await connect(hubspot, {
      seller: 'seller-hs-revoked',
      crm: 'hubspot',
      account: String(PORTAL_B),
      baseUrl: hs.url,
      credentials: { ...HS_OAUTH, refreshToken: hs.revokeOAuth(PORTAL_B) },
    });
    const ok = await ask(hubspot.url, 'seller-hs-revoked', `hubspot:${hsIds[8]!}`);
    expect(ok.errors).toBeUndefined();
    // The app is uninstalled: the access token now answers 401, and the refresh token is refused.
    const next = hs.revokeOAuth(PORTAL_B);
    const refused = await ask(hubspot.url, 'seller-hs-revoked', `hubspot:${hsIds[9]!}`);
    expect(refused.errors?.[0]?.extensions?.code).toBeDefined();
    expect(refused.data?.contact ?? null).toBeNull();
    const readiness = async () =>
      (await (await fetch(`${hubspot.baseUrl}/readyz`)).json()) as {
        connections: { id: string; authFailing: boolean; authFailures: number }[];
      };
    expect((await readiness()).connections.find((c) => c.id === created.id)).toMatchObject({ authFailing: true });
    const metrics = await (await fetch(`${hubspot.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`dialplane_connection_auth_failing\\{connection="${created.id}",crm="hubspot"[^}]*\\} 1`),
    );
    expect(metrics).not.toContain(next);

    await hubspot.connections!.store.rotateCredentials(created.id, { ...HS_OAUTH, refreshToken: next });
    await expect
      .poll(async () => (await ask(hubspot.url, 'seller-hs-revoked', `hubspot:${hsIds[9]!}`)).errors, {
        timeout: 5_000,
      })
      .toBeUndefined();
    expect((await readiness()).connections.find((c) => c.id === created.id)).toMatchObject({ authFailing: false });
  });
  it('a write-back for a refresh-token connection lands in its own org, with a token from the connection runtime', async () => {
    const created = await connect(salesforce, {
      seller: 'seller-sf-writer',
      crm: 'salesforce',
      account: ORG_B,
      baseUrl: sf.url,
      credentials: { ...SF_APP_B, refreshToken: sf.revokeRefreshTokens(ORG_B) },
    });
    const runtime = salesforce.connections!;
    // The runtime's check has granted the connection's token: the writer must use that one, not a grant of its own.
    await expect.poll(() => runtime.health.get(created.id)?.lastSuccessAt ?? null).not.toBeNull();
    const adminB = sf.admin.forAccount(ORG_B);
    const grantsBefore = await adminB.count('oauth.token');
    // The deployment writers are never used here: the seller has its own connection.
    const deployment = {
      salesforce: { crm: 'salesforce', write: () => Promise.reject(new Error('deployment')), close() {} },
    };
    const router = new CrmWriterRouter(deployment as never, runtime.directory, (c) => runtime.tokens.sourceFor(c.id));
    const route = router.writerFor('salesforce', 'seller-sf-writer');
    expect(route.connectionId).toBe(created.id);
    const outcome: OutcomeToWrite = {
      id: 'outcome-writer-1',
      idempotencyKey: `writer-${created.id}`,
      crmContactId: sfIds[10]!,
      callId: 'call-writer-1',
      decisionId: 'decision-writer-1',
      disposition: 'CONNECTED',
      summary: null,
      intentStage: null,
      nextAction: null,
      nextActionAt: null,
      durationSeconds: 42,
      occurredAt: new Date().toISOString(),
      optOut: false,
    };
    await route.writer.write(outcome, () => Promise.resolve());
    router.close();
    expect((await adminB.count('oauth.token')) - grantsBefore).toBe(0);
    const key = salesforceTaskOf(outcome).key;
    const soql = `SELECT Id, WhoId FROM Task WHERE Dialplane_Key__c = '${key}'`;
    const inOrg = async (clientId: string, clientSecret: string) => {
      const conn = new jsforce.Connection({
        loginUrl: sf.url,
        instanceUrl: sf.url,
        version: '62.0',
        oauth2: { loginUrl: sf.url, clientId, clientSecret },
      });
      await conn.authorize({ grant_type: 'client_credentials' });
      return (await conn.query<{ WhoId: string }>(soql)).records;
    };
    expect(await inOrg(SF_APP_B.clientId, SF_APP_B.clientSecret)).toMatchObject([{ WhoId: sfIds[10] }]);
    expect(await inOrg('dialplane-dev', 'dev-salesforce-secret')).toEqual([]);
  });
  it("a write-back for a HubSpot OAuth connection lands in its own portal with the runtime's token", async () => {
    const created = await connect(hubspot, {
      seller: 'seller-hs-writer',
      crm: 'hubspot',
      account: String(PORTAL_B),
      baseUrl: hs.url,
      credentials: { ...HS_OAUTH, refreshToken: hs.revokeOAuth(PORTAL_B) },
    });
    const runtime = hubspot.connections!;
    await expect.poll(() => runtime.health.get(created.id)?.lastSuccessAt ?? null).not.toBeNull();
    const deployment = {
      hubspot: { crm: 'hubspot', write: () => Promise.reject(new Error('deployment')), close() {} },
    };
    const router = new CrmWriterRouter(deployment as never, runtime.directory, (c) => runtime.tokens.sourceFor(c.id));
    const route = router.writerFor('hubspot', 'seller-hs-writer');
    expect(route.connectionId).toBe(created.id);
    const outcome: OutcomeToWrite = {
      id: 'outcome-hs-writer-1',
      idempotencyKey: `hs-writer-${created.id}`,
      crmContactId: hsIds[11]!,
      callId: 'call-hs-writer-1',
      decisionId: 'decision-hs-writer-1',
      disposition: 'CONNECTED',
      summary: null,
      intentStage: null,
      nextAction: null,
      nextActionAt: null,
      durationSeconds: 42,
      occurredAt: new Date().toISOString(),
      optOut: false,
    };
    const result = await route.writer.write(outcome, () => Promise.resolve());
    router.close();
    const key = hubspotCallOf(outcome).properties[HUBSPOT_CALL_KEY_PROPERTY];
    const inPortal = async (token: string) => {
      const res = await fetch(`${hs.url}/crm/v3/objects/calls/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          filterGroups: [{ filters: [{ propertyName: HUBSPOT_CALL_KEY_PROPERTY, operator: 'EQ', value: key }] }],
          properties: [HUBSPOT_CALL_KEY_PROPERTY],
          limit: 10,
        }),
      });
      return ((await res.json()) as { results: { id: string }[] }).results.map((r) => r.id);
    };
    expect(await inPortal('portal-b-private-token')).toEqual([result.crmRecordId]);
    expect(await inPortal('dev-hubspot-token')).toEqual([]);
  });
});
