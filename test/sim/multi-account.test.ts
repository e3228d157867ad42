import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import jsforce, { type Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimAdminError } from '../../sim/common/admin-client.js';
import { generateHubspotDataset, generateSalesforceDataset } from '../../sim/data/index.js';
import { type HubspotSim, startHubspotSim } from '../../sim/hubspot/server.js';
import { ORG_ID_HEADER, type SalesforceSim, startSalesforceSim } from '../../sim/salesforce/server.js';
import { eventually } from '../support/eventually.js';

/**
 * One simulator, several accounts (issue 15): each Salesforce org / HubSpot portal has its own
 * data, credentials and knobs, a token reaches only its own account, and one account down or
 * rate-limited leaves the other untouched. Over real HTTP with jsforce and @hubspot/api-client.
 */

const ORG_A = '00DDp0000000001AAA';
const ORG_B = '00DDp00000000B2AAA';
const ORG_C = '00DDp00000000C3AAA';
const ZERO = { medianMs: 0, jitterMs: 0 };

/** Same id in both orgs, different people: row 20 lies past the demo rows every seed shares. */
const sharedContactId = [...generateSalesforceDataset({ seed: 1, contacts: 30 }).Contact.values()][20]!.Id as string;

async function clientCredentials(url: string, clientId: string, clientSecret: string): Promise<Connection> {
  const conn = new jsforce.Connection({ oauth2: { loginUrl: url, clientId, clientSecret }, version: '62.0' });
  await conn.authorize({ grant_type: 'client_credentials' });
  return conn;
}

describe('Salesforce sim with several orgs', () => {
  let sim: SalesforceSim;
  let a: Connection;
  let b: Connection;

  beforeAll(async () => {
    sim = await startSalesforceSim({
      port: 0,
      contacts: 30,
      seed: 1,
      latency: ZERO,
      orgs: [
        {
          orgId: ORG_B,
          seed: 2,
          contacts: 30,
          latency: ZERO,
          clientId: 'org-b-app',
          clientSecret: 'org-b-secret',
          username: 'agent@org-b.dev',
          refreshTokens: ['org-b-refresh'],
          customFields: [{ object: 'Contact', name: 'Do_Not_Call__c', type: 'boolean', label: 'Do Not Call (custom)' }],
        },
      ],
    });
    a = await clientCredentials(sim.url, 'dialplane-dev', 'dev-salesforce-secret');
    b = await clientCredentials(sim.url, 'org-b-app', 'org-b-secret');
  });
  afterAll(() => sim.close());

  it('binds each token to the org whose connected app asked for it', async () => {
    expect(a.accessToken!.startsWith(ORG_A.slice(0, 15))).toBe(true);
    expect(b.accessToken!.startsWith(ORG_B.slice(0, 15))).toBe(true);
    expect((await a.identity()).organization_id).toBe(ORG_A);
    expect((await b.identity()).organization_id).toBe(ORG_B);
    // Org B's token cannot read org A's identity document.
    const res = await fetch(`${sim.url}/id/${ORG_A}/005Dp0000000009IAA`, {
      headers: { authorization: `Bearer ${b.accessToken}` },
    });
    expect(res.status).toBe(404);
  });

  it('answers the same record id from each token own org, with different people', async () => {
    const expectedB = [...generateSalesforceDataset({ seed: 2, contacts: 30 }).Contact.values()][20]!;
    const [fromA] = (await a.retrieve('Contact', [sharedContactId], { fields: ['Id', 'LastName', 'Phone'] })) as {
      LastName: string;
    }[];
    const [fromB] = (await b.retrieve('Contact', [sharedContactId], { fields: ['Id', 'LastName', 'Phone'] })) as {
      LastName: string;
    }[];
    expect(fromB!.LastName).toBe(expectedB.LastName);
    expect(fromA!.LastName).not.toBe(fromB!.LastName);
    const soql = `SELECT Id, LastName FROM Contact WHERE Id = '${sharedContactId}'`;
    expect((await b.query<{ LastName: string }>(soql)).records[0]!.LastName).toBe(expectedB.LastName);
    // A write lands in its own org only.
    await b.sobject('Contact').update({ Id: sharedContactId, Title: 'Org B buyer' });
    const titleA = (
      await a.query<{ Title: string | null }>(`SELECT Title FROM Contact WHERE Id = '${sharedContactId}'`)
    ).records[0]!.Title;
    expect(titleA).not.toBe('Org B buyer');
  });

  it('describes each org with its own custom fields', async () => {
    const names = async (conn: Connection) => (await conn.sobject('Contact').describe()).fields.map((f) => f.name);
    expect(await names(b)).toContain('Do_Not_Call__c');
    expect(await names(a)).not.toContain('Do_Not_Call__c');
    // An unset checkbox reads false, as in orgs; an admin edit sets it.
    await sim.admin.forAccount(ORG_B).edit({
      kind: 'set',
      object: 'Contact',
      id: sharedContactId,
      fields: { Do_Not_Call__c: true },
    });
    const rows = (await b.query<{ Do_Not_Call__c: boolean }>(`SELECT Id, Do_Not_Call__c FROM Contact LIMIT 30`))
      .records;
    expect(rows.filter((r) => r.Do_Not_Call__c).length).toBe(1);
  });

  it('issues org-bound tokens for the refresh_token grant and refuses unknown refresh tokens', async () => {
    const oauth2 = new jsforce.OAuth2({ loginUrl: sim.url, clientId: 'org-b-app', clientSecret: 'org-b-secret' });
    const res = await oauth2.refreshToken('org-b-refresh');
    expect(res.access_token.startsWith(ORG_B.slice(0, 15))).toBe(true);
    const viaRefresh = new jsforce.Connection({ instanceUrl: res.instance_url, accessToken: res.access_token });
    expect((await viaRefresh.identity()).organization_id).toBe(ORG_B);
    await expect(oauth2.refreshToken('made-up')).rejects.toThrow(/invalid_grant|expired/);
    // Org A's app cannot spend org B's refresh token.
    const wrongApp = new jsforce.OAuth2({
      loginUrl: sim.url,
      clientId: 'dialplane-dev',
      clientSecret: 'dev-salesforce-secret',
    });
    await expect(wrongApp.refreshToken('org-b-refresh')).rejects.toThrow(/client identifier invalid/);
    // Revoking org B's refresh tokens leaves the default org's alone.
    const next = sim.revokeRefreshTokens(ORG_B);
    await expect(oauth2.refreshToken('org-b-refresh')).rejects.toThrow(/expired access\/refresh token/);
    expect((await oauth2.refreshToken(next)).access_token.startsWith(ORG_B.slice(0, 15))).toBe(true);
    const defaultApp = new jsforce.OAuth2({
      loginUrl: sim.url,
      clientId: 'dialplane-dev',
      clientSecret: 'dev-salesforce-secret',
    });
    expect(
      (await defaultApp.refreshToken('dev-salesforce-refresh-token')).access_token.startsWith(ORG_A.slice(0, 15)),
    ).toBe(true);
  });

  it('keeps one org healthy while the other is down or over its rate limit', async () => {
    const ids = [sharedContactId];
    const adminB = sim.admin.forAccount(ORG_B);
    await sim.admin.reset('stats');
    await adminB.reset('stats');
    await adminB.setFaults({ outage: true });
    try {
      // collections retrieve is a POST: jsforce does not retry it, so the outage surfaces at once.
      await expect(b.retrieve('Contact', ids, { fields: ['Id'] })).rejects.toThrow(/SERVER_UNAVAILABLE|maintenance/);
      expect(await a.retrieve('Contact', ids, { fields: ['Id'] })).toHaveLength(1);
    } finally {
      await adminB.setFaults({ outage: false });
    }
    await adminB.setRateLimit({ enabled: true, limit: 1, windowMs: 60_000 });
    try {
      await b.retrieve('Contact', ids, { fields: ['Id'] });
      await expect(b.retrieve('Contact', ids, { fields: ['Id'] })).rejects.toThrow(/Limit exceeded/);
      for (let i = 0; i < 5; i++) expect(await a.retrieve('Contact', ids, { fields: ['Id'] })).toHaveLength(1);
    } finally {
      await adminB.setRateLimit({ enabled: false, limit: 1, windowMs: 60_000 });
    }
    // Counters are per org: A saw only its own calls.
    expect(await sim.admin.count('collections.retrieve')).toBe(6);
    expect(await adminB.count('collections.retrieve')).toBe(3);
    expect((await adminB.knobs()).faults.outage).toBe(false);
  });

  it('sends each org change events to its own receivers, naming the org', async () => {
    const seen: { org: string | undefined; ids: string[] }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const event = JSON.parse(body) as { payload: { ChangeEventHeader: { recordIds: string[] } } };
        seen.push({
          org: req.headers[ORG_ID_HEADER] as string | undefined,
          ids: event.payload.ChangeEventHeader.recordIds,
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/salesforce`;
    try {
      await sim.admin.forAccount(ORG_B).setWebhooks([target]);
      await sim.admin.forAccount(ORG_B).edit({ kind: 'phone', contactId: sharedContactId, phone: '+1 415 555 0199' });
      await sim.admin.forAccount(ORG_B).waitForDeliveries();
      // The default org has no receiver: its edit reaches nobody.
      await sim.admin.edit({ kind: 'phone', contactId: sharedContactId, phone: '+1 415 555 0198' });
      expect(seen).toEqual([{ org: ORG_B, ids: [sharedContactId] }]);
      expect((await sim.admin.stats()).deliveries.pending).toBe(0);
    } finally {
      await sim.admin.forAccount(ORG_B).setWebhooks([]);
      await new Promise<void>((r) => {
        receiver.close(() => r());
        receiver.closeAllConnections();
      });
    }
  });

  it('adds an org through the admin API and refuses a client id another org uses', async () => {
    const listed = await sim.admin.accounts();
    expect(listed.default).toBe(ORG_A);
    await sim.admin.addAccount({
      orgId: ORG_C,
      seed: 3,
      contacts: 10,
      latency: ZERO,
      clientId: 'org-c-app',
      clientSecret: 'org-c-secret',
      username: 'agent@org-c.dev',
    });
    const c = await clientCredentials(sim.url, 'org-c-app', 'org-c-secret');
    expect((await c.identity()).organization_id).toBe(ORG_C);
    expect((await c.query('SELECT COUNT() FROM Contact')).totalSize).toBe(10);
    const dup = await sim.admin
      .addAccount({ orgId: '00DDp00000000D4AAA', clientId: 'org-c-app', username: 'x@y.dev' })
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(SimAdminError);
    expect((dup as SimAdminError).status).toBe(409);
    const bad = await sim.admin.addAccount({ orgId: 'not-an-org' }).catch((e: unknown) => e);
    expect((bad as SimAdminError).status).toBe(400);
    await expect(sim.admin.forAccount('00DDp00000000Z9AAA').stats()).rejects.toThrow(/404/);
  });

  it('expires one org sessions without touching the other', async () => {
    const conn = await clientCredentials(sim.url, 'org-b-app', 'org-b-secret');
    const other = await clientCredentials(sim.url, 'dialplane-dev', 'dev-salesforce-secret');
    sim.expireSessions(ORG_B);
    expect((await other.query('SELECT COUNT() FROM Contact')).totalSize).toBe(30);
    const plain = new jsforce.Connection({ instanceUrl: sim.url, accessToken: conn.accessToken!, version: '62.0' });
    await expect(plain.query('SELECT COUNT() FROM Contact')).rejects.toThrow(/INVALID_SESSION_ID|Session expired/);
  });
});

describe('HubSpot sim with several portals', () => {
  const PORTAL_A = 62_515;
  const PORTAL_B = 71_002;
  let sim: HubspotSim;
  let a: Client;
  let b: Client;
  let receiver: Server;
  const received: { portalId: number; objectId: number; propertyName: string }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(...(JSON.parse(body) as typeof received));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/hubspot`;
    sim = await startHubspotSim({
      port: 0,
      seed: 1,
      contacts: 30,
      latency: ZERO,
      webhookTargets: [target],
      portals: [
        {
          portalId: PORTAL_B,
          accessToken: 'portal-b-token',
          refreshTokens: ['portal-b-refresh'],
          seed: 2,
          contacts: 30,
          latency: ZERO,
          webhookTargets: [target],
          customProperties: [{ object: 'contacts', name: 'do_not_call_flag', type: 'bool' }],
        },
      ],
    });
    a = new Client({ accessToken: 'dev-hubspot-token', basePath: sim.url });
    b = new Client({ accessToken: 'portal-b-token', basePath: sim.url });
  });
  afterAll(async () => {
    await sim.close();
    await new Promise<void>((r) => {
      receiver.close(() => r());
      receiver.closeAllConnections();
    });
  });

  it('answers the same contact id from each token own portal, with different people', async () => {
    const id = [...generateHubspotDataset({ seed: 1, contacts: 30 }).contacts.values()][20]!.id;
    const expectedB = [...generateHubspotDataset({ seed: 2, contacts: 30 }).contacts.values()][20]!;
    const fromA = await a.crm.contacts.basicApi.getById(id, ['lastname']);
    const fromB = await b.crm.contacts.basicApi.getById(id, ['lastname']);
    expect(fromB.properties.lastname).toBe(expectedB.properties.lastname);
    expect(fromA.properties.lastname).not.toBe(fromB.properties.lastname);
    const res = await fetch(`${sim.url}/account-info/v3/details`, {
      headers: { authorization: 'Bearer portal-b-token' },
    });
    const details = (await res.json()) as { portalId: number };
    expect(details.portalId).toBe(PORTAL_B);
  });

  it('lists each portal own custom properties', async () => {
    const names = async (c: Client) => (await c.crm.properties.coreApi.getAll('contacts')).results.map((p) => p.name);
    expect(await names(b)).toContain('do_not_call_flag');
    expect(await names(a)).not.toContain('do_not_call_flag');
  });

  it('refreshes an OAuth token into an access token bound to its portal', async () => {
    const tokens = await new Client({ basePath: sim.url }).oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      'dev-hubspot-client-id',
      'dev-hubspot-client-secret',
      'portal-b-refresh',
    );
    expect(tokens.expiresIn).toBe(1800);
    const info = await new Client({ basePath: sim.url }).oauth.accessTokensApi.get(tokens.accessToken);
    expect(info.hubId).toBe(PORTAL_B);
    const viaOauth = new Client({ accessToken: tokens.accessToken, basePath: sim.url });
    const page = await viaOauth.crm.contacts.basicApi.getPage(1, undefined, ['lastname']);
    expect(page.results).toHaveLength(1);
    const refused = await new Client({ basePath: sim.url }).oauth.tokensApi
      .create('refresh_token', undefined, undefined, 'dev-hubspot-client-id', 'dev-hubspot-client-secret', 'nope')
      .catch((e: { code: number; body: { status: string } }) => e);
    expect((refused as { code: number }).code).toBe(400);
    expect((refused as { body: { status: string } }).body.status).toBe('BAD_REFRESH_TOKEN');
    sim.expireSessions(PORTAL_B);
    await expect(viaOauth.crm.contacts.basicApi.getPage(1)).rejects.toMatchObject({ code: 401 });
    // The private-app token of the portal is not an OAuth session: it keeps working.
    expect((await b.crm.contacts.basicApi.getPage(1)).results).toHaveLength(1);
    // Uninstalling from portal B ends its refresh token, not the default portal's.
    sim.revokeOAuth(PORTAL_B);
    const oauth = new Client({ basePath: sim.url }).oauth.tokensApi;
    const secret = 'dev-hubspot-client-secret';
    await expect(
      oauth.create('refresh_token', undefined, undefined, 'dev-hubspot-client-id', secret, 'portal-b-refresh'),
    ).rejects.toMatchObject({ code: 400 });
    const fresh = await oauth.create(
      'refresh_token',
      undefined,
      undefined,
      'dev-hubspot-client-id',
      secret,
      'dev-hubspot-refresh-token',
    );
    const infoA = await new Client({ basePath: sim.url }).oauth.accessTokensApi.get(fresh.accessToken);
    expect(infoA.hubId).toBe(PORTAL_A);
  });

  it('keeps one portal healthy while the other is down or rate-limited', async () => {
    const adminB = sim.admin.forAccount(String(PORTAL_B));
    await adminB.setFaults({ outage: true });
    try {
      await expect(b.crm.contacts.basicApi.getPage(1)).rejects.toMatchObject({ code: 503 });
      expect((await a.crm.contacts.basicApi.getPage(1)).results).toHaveLength(1);
    } finally {
      await adminB.setFaults({ outage: false });
    }
    await adminB.setRateLimit({ enabled: true, limit: 1, windowMs: 60_000, policy: 'DAILY' });
    try {
      await b.crm.contacts.basicApi.getPage(1);
      await expect(b.crm.contacts.basicApi.getPage(1)).rejects.toMatchObject({ code: 429 });
      for (let i = 0; i < 3; i++) expect((await a.crm.contacts.basicApi.getPage(1)).results).toHaveLength(1);
    } finally {
      await adminB.setRateLimit({ enabled: false, limit: 1, windowMs: 60_000 });
    }
  });

  it('sends webhooks with the portal id of the portal that changed', async () => {
    const retitle = { kind: 'set', object: 'contacts', fields: { jobtitle: 'Webhook probe' } } as const;
    await sim.admin.forAccount(String(PORTAL_B)).edit({ ...retitle, id: '1010' });
    await sim.admin.edit({ ...retitle, id: '1011' });
    const portalOf = (objectId: number) => received.find((e) => e.objectId === objectId)?.portalId;
    await eventually(() => portalOf(1010) !== undefined && portalOf(1011) !== undefined);
    expect(portalOf(1010)).toBe(PORTAL_B);
    expect(portalOf(1011)).toBe(PORTAL_A);
  });

  it('adds a portal through the admin API; a token another portal holds is refused', async () => {
    await sim.admin.addAccount({ portalId: 80_003, accessToken: 'portal-c-token', latency: ZERO });
    const c = new Client({ accessToken: 'portal-c-token', basePath: sim.url });
    // No seed or contacts: the small fixture.
    expect((await c.crm.contacts.basicApi.getPage(100)).results.length).toBeGreaterThan(0);
    const dup = await sim.admin
      .addAccount({ portalId: 80_004, accessToken: 'portal-b-token' })
      .catch((e: unknown) => e);
    expect((dup as SimAdminError).status).toBe(409);
  });
});
