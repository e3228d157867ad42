import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotConnectionKind } from '../../crm/hubspot/connection.js';
import { salesforceConnectionKind } from '../../crm/salesforce/connection.js';
import type { GatewayConfig } from '../../gateway/config.js';
import { signToken } from '../../gateway/dev-tokens.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { DEV_SECRETS } from '../../shared/config.js';
import { adminConnectionsBinding } from '../../shared/crm/connections/admin-routes.js';
import type { RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import { openDatabase, type Database } from '../../shared/db.js';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { IDENTITY_HEADER, signIdentity, type Identity } from '../../shared/identity.js';
import { createLogger, silentLogger } from '../../shared/logger.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { ORG_ID } from '../../sim/salesforce/oauth.js';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import { startHubspotSubgraph } from '../../subgraphs/hubspot/server.js';
import { startSalesforceSubgraph } from '../../subgraphs/salesforce/server.js';
import { fixtureSupergraph } from '../gateway/fixtures/subgraphs.js';

const SECRET = 'admin-api-internal-secret-0123456789';
const JWT = { secret: 'admin-api-jwt-secret-0123456789abcdef0123', issuer: 'dialplane', audience: 'dialplane-api' };
const SF_SECRET = 'dev-salesforce-secret';
const SF = { clientId: 'dialplane-dev', clientSecret: SF_SECRET };

describe('connection admin API through the gateway (real HTTP)', () => {
  let sfSim: SalesforceSim;
  let hsSim: HubspotSim;
  let db: Database;
  let bus: EventBus;
  let salesforce: RunningCrmSubgraph;
  let hubspot: RunningCrmSubgraph;
  let gateway: RunningGateway;
  const lines: string[] = [];
  const log = createLogger('admin-api-test', {
    level: 'trace',
    destination: new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const tokens: Record<string, string> = {};
  const identity = (roles: Identity['roles'], sellers?: string[]): Identity => ({
    sub: `test-${roles.join('-')}`,
    roles,
    seller: 'demo-seller',
    ...(sellers ? { sellers } : {}),
  });

  const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
    const res = await fetch(`${gateway.baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    sfSim = await startSalesforceSim({ port: 0, contacts: 5 });
    hsSim = await startHubspotSim({ port: 0 });
    db = await openDatabase();
    bus = await createEventBus();
    const runtime = {
      cacheTtlMs: 10_000,
      batchWindowMs: 3,
      internalSecret: SECRET,
      connections: { keyRing: DEV_SECRETS.CONNECTION_ENCRYPTION_KEYS },
    };
    salesforce = await startSalesforceSubgraph({
      port: 0,
      salesforce: {
        loginUrl: sfSim.url,
        instanceUrl: sfSim.url,
        ...SF,
        apiVersion: '62.0',
        webhookSecret: DEV_SECRETS.SALESFORCE_WEBHOOK_SECRET,
      },
      runtime,
      log,
      bus,
      connections: { kind: salesforceConnectionKind, db },
    });
    hubspot = await startHubspotSubgraph({
      port: 0,
      hubspot: { baseUrl: hsSim.url, accessToken: 'dev-hubspot-token', clientSecret: 'dev-hubspot-client-secret' },
      runtime,
      log,
      bus,
      connections: { kind: hubspotConnectionKind(), db },
    });
    const config: GatewayConfig = {
      port: 0,
      development: false,
      internalSecret: SECRET,
      jwt: JWT,
      supergraphSdl: fixtureSupergraph(),
      crmSubgraphs: [
        { name: 'salesforce', url: salesforce.url },
        { name: 'hubspot', url: hubspot.url },
      ],
      subgraphUrls: {},
      subgraphTimeoutMs: 2_000,
    };
    gateway = await startGateway(config, { log: silentLogger, collectDefaultMetrics: false });
    tokens.admin = await signToken(identity(['admin'], ['*']), JWT);
    tokens.agent = await signToken(identity(['agent']), JWT);
    tokens.compliance = await signToken(identity(['compliance'], ['*']), JWT);
    tokens.acmeAdmin = await signToken({ sub: 'acme-admin', roles: ['admin'], seller: 'acme-seller' }, JWT);
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([salesforce?.close(), hubspot?.close()]);
    await Promise.all([sfSim?.close(), hsSim?.close()]);
    await bus?.close();
    await db?.close();
  });

  it('attack: no token, a non-admin token, or a direct call without a valid gateway identity is refused before the body is parsed', async () => {
    const garbage = '{ not json at all';
    expect((await call('POST', '/admin/connections/salesforce', undefined, garbage)).status).toBe(401);
    for (const token of [tokens.agent, tokens.compliance]) {
      const answer = await call('POST', '/admin/connections/salesforce', token, garbage);
      expect(answer.status).toBe(403); // a parsed body would have answered 400
      expect(answer.json.error.code).toBe('FORBIDDEN');
    }
    // Straight to the subgraph, past the gateway: no header, a forged one, one signed for another body.
    const direct = `${salesforce.baseUrl}/admin/connections/salesforce`;
    const post = (headers: Record<string, string>, body: string) =>
      fetch(direct, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post({}, garbage)).status).toBe(401);
    expect((await post({ [IDENTITY_HEADER]: 'x.1.y' }, garbage)).status).toBe(401);
    const admin = identity(['admin'], ['*']);
    const other = signIdentity(admin, SECRET, {
      body: adminConnectionsBinding('POST', '/admin/connections/salesforce', Buffer.from('{}')),
    });
    expect((await post({ [IDENTITY_HEADER]: other }, garbage)).status).toBe(401);
    // A header for the list (GET) replayed onto a create: refused (bound to method and path).
    const listHeader = signIdentity(admin, SECRET, {
      body: adminConnectionsBinding('GET', '/admin/connections/salesforce', Buffer.from(garbage)),
    });
    expect((await post({ [IDENTITY_HEADER]: listHeader }, garbage)).status).toBe(401);
    // A valid identity of a non-admin role: 403 before parsing (garbage would be a 400).
    const agentHeader = signIdentity(identity(['agent']), SECRET, {
      body: adminConnectionsBinding('POST', '/admin/connections/salesforce', Buffer.from(garbage)),
    });
    expect((await post({ [IDENTITY_HEADER]: agentHeader }, garbage)).status).toBe(403);
    // The same request, correctly signed for an admin, is parsed: now the garbage is a 400.
    const adminHeader = signIdentity(admin, SECRET, {
      body: adminConnectionsBinding('POST', '/admin/connections/salesforce', Buffer.from(garbage)),
    });
    expect((await post({ [IDENTITY_HEADER]: adminHeader }, garbage)).status).toBe(400);
    expect((await call('GET', '/admin/connections', undefined)).status).toBe(401);
  });

  it('a bad body is a typed BAD_USER_INPUT naming the field, never echoing a credential', async () => {
    const missing = await call('POST', '/admin/connections/salesforce', tokens.admin, { seller: 'demo-seller' });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'baseUrl' } });
    const shape = await call('POST', '/admin/connections/salesforce', tokens.admin, {
      seller: 'demo-seller',
      baseUrl: sfSim.url,
      credentials: { clientId: 'x', password: 'p4ssw0rd-do-not-echo' },
    });
    expect(shape.status).toBe(400);
    expect(shape.json.error.details.field).toBe('credentials');
    expect(shape.text).not.toContain('p4ssw0rd-do-not-echo');
    const unknown = await call('POST', '/admin/connections/pipedrive', tokens.admin, {});
    expect(unknown.status).toBe(404);
  });

  it('bad credentials are refused at create with CONNECTION_CREDENTIALS_INVALID; nothing is saved, nothing leaks', async () => {
    const wrong = 'wrong-secret-must-not-leak';
    const refused = await call('POST', '/admin/connections/salesforce', tokens.admin, {
      seller: 'refused-seller',
      baseUrl: sfSim.url,
      credentials: { clientId: SF.clientId, clientSecret: wrong },
    });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('CONNECTION_CREDENTIALS_INVALID');
    expect(refused.text).not.toContain(wrong);
    const hsRefused = await call('POST', '/admin/connections/hubspot', tokens.admin, {
      seller: 'refused-seller',
      baseUrl: hsSim.url,
      account: '62515',
      credentials: { accessToken: wrong },
    });
    expect(hsRefused.status).toBe(422);
    const listed = await call('GET', '/admin/connections', tokens.admin);
    expect(listed.json.connections.filter((c: { seller: string }) => c.seller === 'refused-seller')).toEqual([]);
    expect(lines.join('')).not.toContain(wrong);
  });

  it('create, list, readiness, metrics, rotate, overrides, disable and delete, per seller scope', async () => {
    const created = await call('POST', '/admin/connections/salesforce', tokens.admin, {
      seller: 'demo-seller',
      baseUrl: sfSim.url,
      credentials: SF,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      seller: 'demo-seller',
      crm: 'salesforce',
      account: ORG_ID, // read from the token's identity URL
      credentialFields: ['clientId', 'clientSecret'],
      revision: 1,
      status: 'active',
    });
    expect(created.text).not.toContain(SF_SECRET);
    const id: string = created.json.id;

    const hs = await call('POST', '/admin/connections/hubspot', tokens.admin, {
      seller: 'demo-seller',
      baseUrl: hsSim.url,
      account: '62515',
      credentials: {
        clientId: 'dev-hubspot-client-id',
        clientSecret: 'dev-hubspot-client-secret',
        refreshToken: 'dev-hubspot-refresh-token',
      },
    });
    expect(hs.status).toBe(201);

    const all = await call('GET', '/admin/connections', tokens.admin);
    expect(all.json.unavailable).toEqual([]);
    expect(all.json.connections.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([id, hs.json.id]));
    expect(all.text).not.toMatch(/dev-salesforce-secret|dev-hubspot-client-secret|dev-hubspot-refresh-token/);

    // Readiness detail and metrics of the CRM subgraph name the connection, never its secrets.
    await expect
      .poll(async () => {
        const ready = (await (await fetch(`${salesforce.baseUrl}/readyz`)).json()) as any;
        return (ready.connections ?? ready.details?.connections ?? []).map((c: { id: string }) => c.id);
      })
      .toContain(id);
    // Checked after the change (a grant and a describe): last success and the org's API budget left.
    await expect
      .poll(async () => {
        const body = (await (await fetch(`${salesforce.baseUrl}/readyz`)).json()) as any;
        return (body.connections as any[]).find((c) => c.id === id);
      })
      .toMatchObject({ seller: 'demo-seller', authFailing: false, apiBudgetRemaining: expect.any(Number) });
    const ready = await (await fetch(`${salesforce.baseUrl}/readyz`)).text();
    expect(ready).not.toContain(SF_SECRET);
    const metrics = await (await fetch(`${salesforce.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`dialplane_connection_last_success_timestamp_seconds\\{[^}]*connection="${id}"[^}]*crm="salesforce"`),
    );
    expect(metrics).toMatch(new RegExp(`dialplane_connection_api_budget_remaining\\{[^}]*connection="${id}"`));
    expect(metrics).not.toContain(SF_SECRET);

    // Another seller's admin sees it as "not found" and may not create for demo-seller.
    expect((await call('GET', `/admin/connections/salesforce/${id}`, tokens.acmeAdmin)).status).toBe(404);
    expect(
      (
        await call('POST', '/admin/connections/salesforce', tokens.acmeAdmin, {
          seller: 'demo-seller',
          baseUrl: sfSim.url,
          credentials: SF,
        })
      ).status,
    ).toBe(403);
    expect(
      (await call('GET', '/admin/connections', tokens.acmeAdmin)).json.connections.map((c: { id: string }) => c.id),
    ).not.toContain(id);

    // A duplicate (seller, crm) is a conflict.
    expect(
      (
        await call('POST', '/admin/connections/salesforce', tokens.admin, {
          seller: 'demo-seller',
          baseUrl: sfSim.url,
          credentials: SF,
        })
      ).status,
    ).toBe(409);

    // Rotation: refused credentials change nothing; good ones bump the revision.
    const badRotate = await call('PUT', `/admin/connections/salesforce/${id}/credentials`, tokens.admin, {
      credentials: { clientId: SF.clientId, clientSecret: 'nope' },
    });
    expect(badRotate.status).toBe(422);
    const rotated = await call('PUT', `/admin/connections/salesforce/${id}/credentials`, tokens.admin, {
      credentials: SF,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json.revision).toBe(2);

    // Mapping overrides: bad shape refused (typed, field named); a good one saved; the directory follows.
    const badOverride = await call('PUT', `/admin/connections/salesforce/${id}/mapping-overrides`, tokens.admin, {
      mappingOverrides: { 'suppression.doNotCall': 'not a field!' },
    });
    expect(badOverride.status).toBe(400);
    expect(badOverride.json.error.details.field).toBe('mappingOverrides.suppression.doNotCall');
    // Against the org's live describe: a field it lacks, or of a type the mapping cannot read, is refused
    // with MAPPING_OVERRIDE_INVALID naming both fields; nothing is saved (the revision stays).
    const missing = await call('PUT', `/admin/connections/salesforce/${id}/mapping-overrides`, tokens.admin, {
      mappingOverrides: { 'suppression.doNotCall': 'Do_Not_Call__c' },
    });
    expect(missing.status).toBe(422);
    expect(missing.json.error).toMatchObject({
      code: 'MAPPING_OVERRIDE_INVALID',
      details: { field: 'suppression.doNotCall', crmField: 'Contact.Do_Not_Call__c', problem: 'missing' },
    });
    const mistyped = await call('PUT', `/admin/connections/salesforce/${id}/mapping-overrides`, tokens.admin, {
      mappingOverrides: { 'suppression.doNotCall': 'Email' },
    });
    expect(mistyped.status).toBe(422);
    expect(mistyped.json.error.details).toMatchObject({ crmField: 'Contact.Email', problem: 'wrong_type' });
    expect((await call('GET', `/admin/connections/salesforce/${id}`, tokens.admin)).json.revision).toBe(2);
    const override = await call('PUT', `/admin/connections/salesforce/${id}/mapping-overrides`, tokens.admin, {
      mappingOverrides: { 'suppression.doNotCall': 'DoNotCall' },
    });
    expect(override.status).toBe(200);
    await expect
      .poll(() => salesforce.connections!.directory.forSeller('demo-seller', 'salesforce')?.mappingOverrides)
      .toEqual({ 'suppression.doNotCall': 'DoNotCall' });

    expect((await call('POST', `/admin/connections/salesforce/${id}/disable`, tokens.admin)).json.status).toBe(
      'disabled',
    );
    await expect.poll(() => salesforce.connections!.directory.forSeller('demo-seller', 'salesforce')).toBeNull();
    expect((await call('DELETE', `/admin/connections/salesforce/${id}`, tokens.admin)).status).toBe(204);
    expect((await call('GET', `/admin/connections/salesforce/${id}`, tokens.admin)).status).toBe(404);
    expect(lines.join('')).not.toMatch(/dev-salesforce-secret|dev-hubspot-client-secret|dev-hubspot-refresh-token/);
  });

  it("a seller's HubSpot OAuth and Salesforce refresh-token connections serve its reads with tokens from the connection runtime", async () => {
    const seller = 'oauth-seller';
    for (const [crm, baseUrl, credentials] of [
      [
        'hubspot',
        hsSim.url,
        {
          clientId: 'dev-hubspot-client-id',
          clientSecret: 'dev-hubspot-client-secret',
          refreshToken: 'dev-hubspot-refresh-token',
        },
      ],
      [
        'salesforce',
        sfSim.url,
        { clientId: SF.clientId, clientSecret: SF_SECRET, refreshToken: 'dev-salesforce-refresh-token' },
      ],
    ] as const) {
      const created = await call('POST', `/admin/connections/${crm}`, tokens.admin, {
        seller,
        baseUrl,
        account: crm === 'hubspot' ? '62515' : ORG_ID,
        credentials,
      });
      expect(created.status).toBe(201);
    }
    const hsIds = (await (
      await fetch(`${hsSim.url}/crm/v3/objects/contacts?limit=2`, {
        headers: { authorization: 'Bearer dev-hubspot-token' },
      })
    ).json()) as { results: { id: string }[] };
    const hsTokenCalls = await hsSim.admin.count('oauth.token');
    const read = async (subgraph: RunningCrmSubgraph, ids: string[]) => {
      const body = JSON.stringify({ query: 'query($ids: [ID!]!) { contacts(ids: $ids) { id } }', variables: { ids } });
      const header = signIdentity({ sub: 'agent-oauth', roles: ['agent'], seller }, SECRET, { body });
      const res = await fetch(subgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: header },
        body,
      });
      return (await res.json()) as { data?: { contacts: ({ id: string } | null)[] }; errors?: unknown[] };
    };
    await expect.poll(() => hubspot.connections!.directory.forSeller(seller, 'hubspot')?.id).toBeTruthy();
    const hs = await read(
      hubspot,
      hsIds.results.map((r) => `hubspot:${r.id}`),
    );
    expect(hs.errors).toBeUndefined();
    expect(hs.data!.contacts.map((c) => c?.id)).toEqual(hsIds.results.map((r) => `hubspot:${r.id}`));
    // The connection has no private-app token: the read went out with an OAuth token, granted once.
    expect((await hsSim.admin.count('oauth.token')) - hsTokenCalls).toBeLessThanOrEqual(1);

    const sfContacts = (await sfSim.admin.requests({ endpoint: 'oauth.token' })).length;
    expect(sfContacts).toBeGreaterThan(0);
    const sf = await read(salesforce, ['salesforce:003000000000000AAA']);
    expect(sf.errors).toBeUndefined();
    expect(lines.join('')).not.toMatch(/dev-hubspot-refresh-token|dev-salesforce-refresh-token/);
  });
});
