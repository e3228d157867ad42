import { createHmac } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHubspotV3 } from '../../crm/hubspot/signature.js';
import { startStack, STACK_JWT, type Stack } from '../support/stack.js';
import { metricValue, postGraphql, rawSubscribe } from './support.js';

/**
 * The attack suite's gateway and receiver edges over real HTTP and graphql-ws: token rules
 * (findings 4 and 6), subscriptions outliving tokens (6), introspection and suggestions (7), body
 * limits (9), and the attacks that were already refused before issue 9 (kept refused).
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ contacts: 20 });
}, 120_000);
afterAll(() => stack?.close());

const CALL_START = '{ contactsByPhone(phone: "+14155550100") { id } }';
const jwtKey = new TextEncoder().encode(STACK_JWT.secret);

function tokenBuilder(claims: Record<string, unknown> = { roles: ['agent'], seller: 'demo-seller' }) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('attacker')
    .setIssuer(STACK_JWT.issuer)
    .setAudience(STACK_JWT.audience)
    .setIssuedAt();
}

describe('finding 4/6: token lifetime rules', () => {
  it('refuses a token without exp', async () => {
    const token = await tokenBuilder().sign(jwtKey);
    const answer = await postGraphql(stack.gatewayUrl, { query: CALL_START }, { token });
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token whose exp is a century away', async () => {
    const token = await tokenBuilder().setExpirationTime('100y').sign(jwtKey);
    expect((await postGraphql(stack.gatewayUrl, { query: CALL_START }, { token })).status).toBe(401);
  });

  it('accepts a token within the maximum lifetime', async () => {
    const token = await tokenBuilder().setExpirationTime('1h').sign(jwtKey);
    const answer = await postGraphql(stack.gatewayUrl, { query: CALL_START }, { token });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });
});

describe('finding 6: graphql-ws subscriptions end with their token', () => {
  const SUBSCRIPTION = 'subscription { consentRevoked { phone } }';

  it('closes with 4401 when the token expires, and a reconnect must authenticate again', async () => {
    const shortLived = await stack.token({ sub: 'ws-agent', roles: ['agent'], seller: 'demo-seller' }, '2s');
    const sub = rawSubscribe(stack.wsUrl, { authorization: `Bearer ${shortLived}` }, SUBSCRIPTION);
    expect(await sub.acked).toBe(true);
    await expect.poll(() => sub.closeCode(), { timeout: 6_000, interval: 100 }).toBe(4401);

    // Reconnecting with the same (now expired) token is refused as unauthenticated…
    const again = rawSubscribe(stack.wsUrl, { authorization: `Bearer ${shortLived}` }, SUBSCRIPTION);
    expect(await again.acked).toBe(false);
    expect(again.closeCode()).toBe(4401);
    // …and a fresh token is accepted.
    const fresh = rawSubscribe(stack.wsUrl, { authorization: `Bearer ${stack.tokens.agent}` }, SUBSCRIPTION);
    expect(await fresh.acked).toBe(true);
    fresh.close();
  });

  it('refuses a socket without a token with 4401 and a forbidden role claim with 4403', async () => {
    const anonymous = rawSubscribe(stack.wsUrl, {}, SUBSCRIPTION);
    expect(await anonymous.acked).toBe(false);
    expect(anonymous.closeCode()).toBe(4401);
    // A correctly signed token for a role that is not a caller role (service identities never come from JWTs).
    const service = await tokenBuilder({ roles: ['service'] })
      .setExpirationTime('1h')
      .sign(jwtKey);
    const forbidden = rawSubscribe(stack.wsUrl, { authorization: `Bearer ${service}` }, SUBSCRIPTION);
    expect(await forbidden.acked).toBe(false);
    expect(forbidden.closeCode()).toBe(4403);
  });
});

describe('finding 7: introspection and suggestions for roles that may not introspect', () => {
  const attempts: Record<string, string> = {
    'inline fragments nested deeply':
      '{ ... on Query { ... on Query { ... on Query { ... on Query { __schema { types { name } } } } } } }',
    'a fragment spread inside a fragment':
      '{ ...A } fragment A on Query { ...B } fragment B on Query { __schema { queryType { name } } }',
    'a fragment spread inside an inline fragment':
      '{ ... on Query { ...T } } fragment T on Query { __type(name: "Contact") { fields { name } } }',
    'an alias': '{ s: __schema { types { name } } }',
  };
  for (const [how, query] of Object.entries(attempts)) {
    it(`refuses __schema/__type through ${how}`, async () => {
      const answer = await postGraphql(stack.gatewayUrl, { query }, { token: stack.tokens.agent });
      expect(answer.status).toBe(403);
      expect(answer.body.data ?? null).toBeNull();
      expect(answer.body.errors[0].extensions.code).toBe('FORBIDDEN');
    });
  }

  it('still lets an analyst introspect', async () => {
    const answer = await postGraphql(
      stack.gatewayUrl,
      { query: attempts['inline fragments nested deeply'] },
      { token: stack.tokens.analyst },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data.__schema.types.length).toBeGreaterThan(10);
  });

  it('suggests no field, argument or enum names in validation or variable errors (HTTP and WebSocket)', async () => {
    const misspelled = [
      { query: '{ writeBak(id: "x") { id } }' },
      { query: '{ callPermission(phone: "+14155550100", purpose: MARKETNG) { allowed } }' },
      {
        query: 'query($p: CallPurpose!) { callPermission(phone: "+14155550100", purpose: $p) { allowed } }',
        variables: { p: 'MARKETNG' },
      },
    ];
    for (const payload of misspelled) {
      const answer = await postGraphql(stack.gatewayUrl, payload, { token: stack.tokens.agent });
      expect(answer.body.errors.length).toBeGreaterThan(0);
      expect(JSON.stringify(answer.body.errors)).not.toMatch(/Did you mean/i);
    }
    const ws = rawSubscribe(
      stack.wsUrl,
      { authorization: `Bearer ${stack.tokens.agent}` },
      'subscription { consentRevokd { phone } }',
    );
    await expect.poll(() => ws.messages.find((m) => m.type === 'error'), { timeout: 3_000 }).toBeDefined();
    expect(JSON.stringify(ws.messages)).not.toMatch(/Did you mean/i);
    ws.close();
  });
});

describe('finding 9: over-limit bodies get 413 with a JSON error', () => {
  const oversized = (bytes: number) => JSON.stringify({ query: CALL_START, variables: { pad: 'x'.repeat(bytes) } });

  for (const [label, bytes] of [
    ['1 MB', 1_100_000],
    ['10 MB', 10_000_000],
  ] as const) {
    it(`answers a ${label} body to the gateway with 413, not a reset`, async () => {
      const answer = await postGraphql(stack.gatewayUrl, oversized(bytes), { token: stack.tokens.agent });
      expect(answer.status).toBe(413);
      expect(answer.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    });
  }

  it('answers a 2 MB call-ended webhook with 413, not a reset', async () => {
    const res = await fetch(new URL('/webhooks/call-ended', stack.urls.engagement), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: oversized(2_000_000),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });
});

describe('attacks refused before issue 9 (kept refused)', () => {
  it('alg none', async () => {
    const token = new UnsecuredJWT({ roles: ['admin'] })
      .setSubject('x')
      .setIssuer(STACK_JWT.issuer)
      .setAudience(STACK_JWT.audience)
      .setExpirationTime('1h')
      .encode();
    expect((await postGraphql(stack.gatewayUrl, { query: CALL_START }, { token })).status).toBe(401);
  });

  it('a token signed with another key', async () => {
    const token = await tokenBuilder()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-key-0123456789abcdef0123456789'));
    expect((await postGraphql(stack.gatewayUrl, { query: CALL_START }, { token })).status).toBe(401);
  });

  it('an expired token', async () => {
    const token = await tokenBuilder()
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(jwtKey);
    expect((await postGraphql(stack.gatewayUrl, { query: CALL_START }, { token })).status).toBe(401);
  });

  it('a forged identity header straight to a subgraph', async () => {
    const data = Buffer.from(JSON.stringify({ sub: 'x', roles: ['admin'], iat: Date.now() })).toString('base64url');
    const forged = `${data}.${createHmac('sha256', 'not-the-internal-secret-0123').update(data).digest('base64url')}`;
    for (const url of Object.values(stack.urls)) {
      expect(
        (await postGraphql(url, { query: '{ __typename }' }, { headers: { 'x-dialplane-identity': forged } })).status,
      ).toBe(401);
    }
  });

  it('a forged or stale HubSpot signature', async () => {
    const url = new URL('/webhooks/hubspot', stack.urls.hubspot).toString();
    const body = JSON.stringify([
      {
        eventId: 1,
        occurredAt: Date.now(),
        subscriptionType: 'contact.propertyChange',
        objectId: 1,
        propertyName: 'phone',
        propertyValue: '+14155550100',
      },
    ]);
    const now = Date.now();
    const forged = signHubspotV3({ secret: 'guessed-secret', method: 'POST', uri: url, body, timestamp: now });
    const stale = signHubspotV3({
      secret: 'dev-hubspot-client-secret',
      method: 'POST',
      uri: url,
      body,
      timestamp: now - 10 * 60_000,
    });
    for (const [signature, timestamp] of [
      [forged, now],
      [stale, now - 10 * 60_000],
    ] as const) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hubspot-signature-v3': signature,
          'x-hubspot-request-timestamp': String(timestamp),
        },
        body,
      });
      expect(res.status).toBe(401);
    }
    const metrics = new URL('/metrics', stack.urls.hubspot).toString();
    expect(
      await metricValue(metrics, 'dialplane_webhook_auth_failures_total', { receiver: 'hubspot', reason: 'mismatch' }),
    ).toBe(1);
    expect(
      await metricValue(metrics, 'dialplane_webhook_auth_failures_total', {
        receiver: 'hubspot',
        reason: 'stale_timestamp',
      }),
    ).toBe(1);
  });

  it('a mutation over GET', async () => {
    const query = encodeURIComponent(
      'mutation { addInternalDnc(input: { phone: "+14155550100", source: "get" }) { id } }',
    );
    const res = await fetch(`${stack.gatewayUrl}?query=${query}`, {
      headers: { authorization: `Bearer ${stack.tokens.admin}`, 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(405);
  });

  it('a batch of operations in one request', async () => {
    const answer = await postGraphql(stack.gatewayUrl, [{ query: CALL_START }, { query: CALL_START }], {
      token: stack.tokens.agent,
    });
    expect(answer.status).toBe(400);
  });
});
