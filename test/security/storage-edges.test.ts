import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSalesforceDataset } from '../../sim/data/index.js';
import { startStack, STACK_INTERNAL_SECRET, type Stack } from '../support/stack.js';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';
import { metricValue, postGraphql } from './support.js';

/**
 * Attacks whose success would change stored compliance state, run on PGlite and on PostgreSQL:
 * an unauthenticated CRM change event (finding 1) and a replayed internal identity header
 * (finding 5), each trying to put a number on the all-seller do-not-call list.
 */

const SALESFORCE_WEBHOOK_SECRET = 'stack-salesforce-webhook-secret-0123456789';

/** The documented scheme (docs/trust-model.md), computed independently of the code under test. */
function signDialplaneWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

const cdcDoNotCall = (phone: string, replayId: number) => ({
  schema: 'attack',
  payload: {
    ChangeEventHeader: {
      entityName: 'Contact',
      recordIds: [`003Dp00000000${String(replayId).padStart(2, '0')}AAA`],
      changeType: 'UPDATE',
      changedFields: ['DoNotCall', 'Phone'],
      changeOrigin: '',
      transactionKey: `tx-${replayId}`,
      sequenceNumber: 1,
      commitTimestamp: Date.now(),
      commitUser: '005000000000001AAA',
      commitNumber: replayId,
    },
    DoNotCall: true,
    Phone: phone,
  },
  event: { replayId },
});

/** The identity header as the pre-fix gateway built it: not bound to any request, valid for minutes. */
function unboundIdentityHeader(identity: object, secret: string, iat = Date.now()): string {
  const data = Buffer.from(JSON.stringify({ ...identity, iat })).toString('base64url');
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
}

function storageAttacks(stackOf: () => Stack) {
  const reasonsFor = async (phone: string): Promise<string[]> => {
    const answer = await postGraphql(
      stackOf().gatewayUrl,
      { query: `{ callPermission(phone: "${phone}", purpose: INFORMATIONAL) { reasons } }` },
      { token: stackOf().tokens.compliance },
    );
    expect(answer.body.errors).toBeUndefined();
    return answer.body.data.callPermission.reasons as string[];
  };
  const webhookUrl = () => new URL('/webhooks/salesforce', stackOf().urls.salesforce).toString();
  const salesforceMetrics = () => new URL('/metrics', stackOf().urls.salesforce).toString();

  it('finding 1: an unsigned, mis-signed or stale Salesforce change event is refused with 401, counted, and blocks nobody', async () => {
    const phone = '+14155550170';
    const body = JSON.stringify(cdcDoNotCall(phone, 1));
    const now = Date.now();
    const attempts: Record<string, string>[] = [
      {},
      {
        'x-dialplane-timestamp': String(now),
        'x-dialplane-signature': signDialplaneWebhook('a-guessed-secret-0123456789', now, body),
      },
      {
        'x-dialplane-timestamp': String(now - 10 * 60_000),
        'x-dialplane-signature': signDialplaneWebhook(SALESFORCE_WEBHOOK_SECRET, now - 10 * 60_000, body),
      },
    ];
    for (const headers of attempts) {
      const res = await fetch(webhookUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'WEBHOOK_SIGNATURE_INVALID' } });
    }
    expect(
      await metricValue(salesforceMetrics(), 'dialplane_webhook_auth_failures_total', { receiver: 'salesforce' }),
    ).toBe(3);
    expect(await reasonsFor(phone)).not.toContain('INTERNAL_DNC');
  });

  it('finding 1: a correctly signed change event is applied (the receiver works; the signature is what it checks)', async () => {
    const phone = '+14155550171';
    const body = JSON.stringify(cdcDoNotCall(phone, 2));
    const now = Date.now();
    const res = await fetch(webhookUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-dialplane-timestamp': String(now),
        'x-dialplane-signature': signDialplaneWebhook(SALESFORCE_WEBHOOK_SECRET, now, body),
      },
      body,
    });
    expect(res.status).toBe(200);
    await expect.poll(() => reasonsFor(phone), { timeout: 5_000 }).toContain('INTERNAL_DNC');
  });

  it('finding 1: the Salesforce simulator signs its change deliveries, so a CRM edit still reaches the receiver', async () => {
    const sim = stackOf().sims.salesforce;
    const before = await metricValue(salesforceMetrics(), 'dialplane_crm_change_events_total', {
      crm: 'salesforce',
      outcome: 'applied',
    });
    const contactId = generateSalesforceDataset({ seed: 1, contacts: 20 }).Contact.idAt(0);
    await sim.admin.edit({ kind: 'set', object: 'Contact', id: contactId, fields: { Title: 'Signed change' } });
    await expect
      .poll(
        () =>
          metricValue(salesforceMetrics(), 'dialplane_crm_change_events_total', {
            crm: 'salesforce',
            outcome: 'applied',
          }),
        { timeout: 5_000 },
      )
      .toBeGreaterThan(before);
    const deliveries = await sim.admin.deliveries();
    expect(deliveries.at(-1)).toMatchObject({ state: 'delivered', lastStatus: 200 });
  });

  it('finding 5: an identity header captured from one request is refused with any other body, and nothing is stored', async () => {
    const phone = '+14155550172';
    const compliance = { sub: 'captured-compliance', roles: ['compliance'] };
    const mutation = {
      query: `mutation { addInternalDnc(input: { phone: "${phone}", scope: ALL, source: "replay" }) { id } }`,
    };
    // The pre-fix header (unbound, minutes long) and a fresh one bound to a harmless read.
    const { signIdentity } = await import('../../shared/identity.js');
    const harmless = JSON.stringify({ query: '{ __typename }' });
    const bound = (signIdentity as (...args: unknown[]) => string)(compliance, STACK_INTERNAL_SECRET, {
      body: harmless,
    });
    for (const header of [unboundIdentityHeader(compliance, STACK_INTERNAL_SECRET), bound]) {
      const replay = await postGraphql(stackOf().urls.consent, mutation, {
        headers: { 'x-dialplane-identity': header },
      });
      expect(replay.status).toBe(401);
      expect(replay.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    // The same header with the body it was signed for is accepted: binding, not breakage.
    const genuine = await postGraphql(stackOf().urls.consent, harmless, { headers: { 'x-dialplane-identity': bound } });
    expect(genuine.status).toBe(200);
    expect(genuine.body.data).toEqual({ __typename: 'Query' });
    expect(await reasonsFor(phone)).not.toContain('INTERNAL_DNC');
  });

  it('finding 5: a bound identity header lives seconds, not minutes', async () => {
    const { signIdentity } = await import('../../shared/identity.js');
    const body = JSON.stringify({ query: '{ __typename }' });
    const oneMinuteOld = (signIdentity as (...args: unknown[]) => string)(
      { sub: 'old', roles: ['agent'] },
      STACK_INTERNAL_SECRET,
      { body, now: Date.now() - 60_000 },
    );
    const answer = await postGraphql(stackOf().urls.consent, body, {
      headers: { 'x-dialplane-identity': oneMinuteOld },
    });
    expect(answer.status).toBe(401);
  });
}

const stackEnv = { SALESFORCE_WEBHOOK_SECRET };

describe('storage-touching edges (PGlite)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: stackEnv, contacts: 20 });
  }, 120_000);
  afterAll(() => stack?.close());
  storageAttacks(() => stack);
});

describeWithPostgres('storage-touching edges', () => {
  let stack: Stack;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase('security_edges');
    stack = await startStack({ env: stackEnv, contacts: 20, databaseUrl: database.url });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await database?.drop();
  });
  storageAttacks(() => stack);
});
