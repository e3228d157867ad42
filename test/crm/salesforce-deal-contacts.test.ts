import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_SECRETS } from '../../shared/config.js';
import { webhookSignatureHeaders } from '../../shared/webhook-signature.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * Closed-won in Salesforce reaches the call decision within the event delay (issue 11): the
 * simulator models OpportunityContactRole, an Opportunity change event (which names no contact) is
 * resolved to the deal's contacts through ContactId and the contact roles, and those contacts are
 * evicted. The cache lifetime is a minute here, so only the change event can explain the new answer.
 */

const SF_CLIENT = { clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' };
const DAY = 86_400_000;
const AT = new Date(Math.ceil(Date.now() / DAY) * DAY + 17 * 3_600_000).toISOString();

let stack: Stack;
let token: string;

beforeAll(async () => {
  stack = await startStack({ contacts: 200, env: { CACHE_TTL_MS: '60000' } });
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: SF_CLIENT.clientId,
    client_secret: SF_CLIENT.clientSecret,
  });
  const res = await fetch(`${stack.sims.salesforce.url}/services/oauth2/token`, { method: 'POST', body: form });
  token = ((await res.json()) as { access_token: string }).access_token;
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

async function salesforce(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${stack.sims.salesforce.url}/services/data/v62.0${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.json();
}
const soql = async (q: string) => (await salesforce('GET', `/query?q=${encodeURIComponent(q)}`)).records as any[];

async function gateway(query: string, variables: Record<string, unknown>) {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.agent}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: unknown[] };
}

const CONTACT = `query($id: ID!, $at: DateTime) { contact(id: $id) { id primaryPhone openDeal { id closed won }
  callPermission(purpose: MARKETING, at: $at) { allowed reasons } } }`;
const contact = async (id: string) => {
  const r = await gateway(CONTACT, { id: `salesforce:${id}`, at: AT });
  expect(r.errors).toBeUndefined();
  return r.data!.contact as {
    primaryPhone: string | null;
    openDeal: { id: string; closed: boolean } | null;
    callPermission: { reasons: string[] };
  };
};

describe('Salesforce deals through OpportunityContactRole and ContactId', () => {
  it('the simulator answers OpportunityContactRole in SOQL, describe and child subqueries', async () => {
    const described = await salesforce('GET', '/sobjects/OpportunityContactRole/describe');
    expect(described.fields.map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(['Id', 'OpportunityId', 'ContactId', 'Role', 'IsPrimary']),
    );
    const [deal] = await soql(
      'SELECT Id, ContactId, (SELECT ContactId, IsPrimary, Role FROM OpportunityContactRoles) FROM Opportunity LIMIT 1',
    );
    expect(deal.OpportunityContactRoles.records).toEqual([
      expect.objectContaining({ ContactId: deal.ContactId, IsPrimary: true }),
    ]);
  });

  it('closing a deal shows DEAL_CLOSED for every contact on it as soon as the change event is handled', async () => {
    // Contacts with a dialable US number and no deal yet: the new deal is the one each decision sees.
    const rows = await soql(
      'SELECT Id, (SELECT Id FROM Opportunities), (SELECT Id FROM OpportunityContactRoles) FROM Contact ORDER BY Id LIMIT 200',
    );
    const candidates = rows
      .filter((r) => r.Opportunities === null && r.OpportunityContactRoles === null)
      .map((r) => r.Id as string);
    const dealless: string[] = [];
    for (const id of candidates) {
      const c = await contact(id);
      const undecidable = ['INVALID_NUMBER', 'JURISDICTION_UNSUPPORTED', 'COMPLIANCE_DATA_UNAVAILABLE'];
      if (c.primaryPhone && !c.callPermission.reasons.some((r) => undecidable.includes(r))) dealless.push(id);
      if (dealless.length === 2) break;
    }
    expect(dealless).toHaveLength(2);
    const [byRoleOnly, byContactId] = dealless as [string, string];

    // One deal the org links through ContactId (Salesforce adds the primary role itself) and a
    // second contact linked only by a non-primary role.
    const created = await salesforce('POST', '/sobjects/Opportunity', {
      Name: 'Issue 11 deal',
      StageName: 'Negotiation/Review',
      CloseDate: AT.slice(0, 10),
      ContactId: byContactId,
    });
    const dealId = created.id as string;
    await salesforce('POST', '/sobjects/OpportunityContactRole', {
      OpportunityId: dealId,
      ContactId: byRoleOnly,
      Role: 'Influencer',
      IsPrimary: false,
    });
    const roles = await soql(
      `SELECT ContactId, IsPrimary FROM OpportunityContactRole WHERE OpportunityId = '${dealId}'`,
    );
    expect(roles.map((r) => [r.ContactId, r.IsPrimary]).sort()).toEqual(
      [
        [byContactId, true],
        [byRoleOnly, false],
      ].sort(),
    );

    // Both contacts read (and cached) with the deal open.
    await stack.sims.salesforce.admin.waitForDeliveries();
    for (const id of dealless) {
      await expect
        .poll(async () => (await contact(id)).openDeal, { timeout: 5_000 })
        .toEqual({ id: `salesforce:${dealId}`, closed: false, won: false });
      expect((await contact(id)).callPermission.reasons).not.toContain('DEAL_CLOSED');
    }

    await stack.sims.salesforce.admin.edit({ kind: 'closeDeal', dealId, won: true });
    for (const id of dealless) {
      await expect
        .poll(async () => (await contact(id)).callPermission.reasons, { timeout: 5_000 })
        .toContain('DEAL_CLOSED');
    }
    expect((await contact(byRoleOnly)).openDeal).toEqual({ id: `salesforce:${dealId}`, closed: true, won: true });
  });

  it('resolves every deal of one merged change event (several recordIds) with one SOQL query', async () => {
    const deals = await soql('SELECT Id, ContactId FROM Opportunity ORDER BY Id LIMIT 3');
    await stack.sims.salesforce.admin.reset('stats');
    const raw = JSON.stringify({
      schema: 'test',
      payload: {
        ChangeEventHeader: {
          entityName: 'Opportunity',
          recordIds: deals.map((d) => d.Id),
          changeType: 'UPDATE',
          changedFields: ['Amount', 'LastModifiedDate'],
          changeOrigin: '',
          transactionKey: 'tx-merged',
          sequenceNumber: 1,
          commitTimestamp: Date.now(),
          commitUser: '005000000000001AAA',
          commitNumber: 1,
        },
        Amount: 1000,
      },
      event: { replayId: 990_001 },
    });
    const secret = stack.env.SALESFORCE_WEBHOOK_SECRET ?? DEV_SECRETS.SALESFORCE_WEBHOOK_SECRET;
    const res = await fetch(new URL('/webhooks/salesforce', stack.urls.salesforce), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...webhookSignatureHeaders(secret, raw) },
      body: raw,
    });
    expect(res.status).toBe(200);
    // Generated deals have their ContactId and a primary role for the same contact: one contact each.
    expect(await res.json()).toEqual({ received: 3, applied: 3, ignored: 0 });
    // (The drift watch's periodic describe may have run meanwhile; it is not a query.)
    expect((await stack.sims.salesforce.admin.stats()).counters.query).toBe(1);
  });
});
