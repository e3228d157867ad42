import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { DEV_INTERNAL_SECRET } from '../../shared/config.js';
import { IDENTITY_HEADER, signIdentity } from '../../shared/identity.js';
import { startConsentStack, subscribeMany, type ConsentStack } from '../../sim/stacks/consent-stack.js';
import {
  createTestDatabase,
  describeWithPostgres,
  describeWithRedis,
  TEST_REDIS_URL,
  uniquePrefix,
} from '../support/services.js';
import { eventually } from '../support/eventually.js';

/**
 * The acceptance case end to end: 500 subscriptions through two gateway replicas (each
 * relaying to its own consent replica; PostgreSQL + Redis between them), one revocation reaches all;
 * a client that drops and resubscribes through the gateway with its cursor misses nothing.
 */
describeWithPostgres('revocations through two gateway replicas', () => {
  describeWithRedis('Redis event bus', () => {
    let stack: ConsentStack;
    let drop: () => Promise<void>;
    const clients: Client[] = [];
    beforeAll(async () => {
      const db = await createTestDatabase('consent_gw');
      drop = db.drop;
      stack = await startConsentStack({
        replicas: 2,
        databaseUrl: db.url,
        redisUrl: TEST_REDIS_URL,
        busPrefix: uniquePrefix('consent-gw'),
      });
    }, 120_000);
    afterAll(async () => {
      for (const c of clients) await Promise.resolve(c.dispose()).catch(() => undefined);
      await stack?.close();
      await drop?.();
    });

    const revoke = async (consentUrl: string, phone: string, channel: string) => {
      const body = JSON.stringify({
        query: 'mutation($i: RevokeConsentInput!) { revokeConsent(input: $i) { cursor } }',
        variables: { i: { phone, channel, source: 'test', occurredAt: new Date(Date.now() - 1000).toISOString() } },
      });
      const res = await fetch(consentUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: signIdentity({ sub: 't', roles: ['agent'], seller: 'acme' }, DEV_INTERNAL_SECRET, {
            body,
          }),
        },
        body,
      });
      return ((await res.json()) as { data: { revokeConsent: { cursor: string } } }).data.revokeConsent.cursor;
    };

    it('500 subscriptions on two gateways all receive a revocation; a reconnect with the cursor replays what it missed', async () => {
      const inbox: string[][] = Array.from({ length: 500 }, () => []);
      for (const [i, g] of stack.gateways.entries()) {
        clients.push(
          ...subscribeMany(g.url, stack.token, 250, 50, (index, cursor) => inbox[i * 250 + index]!.push(cursor))
            .clients,
        );
      }
      const open = () => stack.consents.reduce((n, c) => n + c.hub.subscribers, 0);
      await eventually(() => open() === 500, 20_000, 25);

      const first = await revoke(stack.consents[0]!.url, '+12125550400', 'VOICE');
      await eventually(() => inbox.every((m) => m.length === 1), 20_000, 25);
      expect(new Set(inbox.map((m) => m[0])).size).toBe(1);
      expect(inbox[0]![0]).toBe(first);

      // One whole gateway connection (50 subscriptions) drops; two revocations land meanwhile.
      await clients[0]!.dispose();
      const second = await revoke(stack.consents[1]!.url, '+12125550401', 'SMS_KEYWORD');
      const third = await revoke(stack.consents[0]!.url, '+12125550402', 'EMAIL');
      await eventually(() => inbox.slice(50).every((m) => m.length === 3), 20_000, 25);
      expect(inbox.slice(0, 50).every((m) => m.length === 1)).toBe(true);

      // It resubscribes through the other gateway from its cursor.
      const resumed: string[] = [];
      const client = createClient({
        url: stack.gateways[1]!.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${stack.token}` },
        retryAttempts: 0,
      });
      clients.push(client);
      client.subscribe<{ consentRevoked: { cursor: string } }>(
        {
          query: 'subscription($after: String) { consentRevoked(after: $after) { cursor } }',
          variables: { after: first },
        },
        { next: (m) => resumed.push(m.data!.consentRevoked.cursor), error: () => undefined, complete: () => undefined },
      );
      await eventually(() => resumed.length === 2, 20_000, 25);
      expect(resumed).toEqual([second, third]);
    });

    it('Contact.callPermission resolves through the gateway with the CRM facts (@requires)', async () => {
      const gw = stack.gateways[0]!;
      const ask = async (query: string, variables: Record<string, unknown> = {}) => {
        const res = await fetch(gw.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
          body: JSON.stringify({ query, variables }),
        });
        return (await res.json()) as { data?: any; errors?: unknown[] };
      };
      const ids: string[] = [];
      for (let i = 101; ids.length < 2 && i < 140; i++) {
        const r = await ask(`{ contact(id: "hubspot:${i}") { id primaryPhone } }`);
        if (r.data?.contact?.primaryPhone?.startsWith('+1')) ids.push(r.data.contact.id);
      }
      expect(ids).toHaveLength(2);
      const phoneOf = async (id: string) =>
        (await ask(`{ contact(id: "${id}") { primaryPhone } }`)).data.contact.primaryPhone as string;
      const consented = await phoneOf(ids[0]!);
      const recordBody = JSON.stringify({
        query: 'mutation($i: RecordConsentInput!) { recordConsent(input: $i) { cursor } }',
        variables: {
          i: {
            phone: consented,
            consentType: 'WRITTEN',
            purposes: ['MARKETING'],
            sellers: ['acme'],
            coversArtificialVoice: true,
            disclosure: { version: 'v1', hash: 'h', notConditionOfPurchase: true },
            evidence: { source: 'web', signatureMethod: 'esign', ipAddress: '203.0.113.5' },
            occurredAt: '2026-01-01T00:00:00Z',
          },
        },
      });
      const res = await fetch(stack.consents[0]!.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: signIdentity({ sub: 't', roles: ['agent'], seller: 'acme' }, DEV_INTERNAL_SECRET, {
            body: recordBody,
          }),
        },
        body: recordBody,
      });
      expect(res.status).toBe(200);
      const q =
        'query($id: ID!) { contact(id: $id) { id primaryPhone callPermission(purpose: MARKETING) { allowed reasons phone decisionId consent { status } } } }';
      const withConsent = await ask(q, { id: ids[0] });
      expect(withConsent.errors).toBeUndefined();
      expect(withConsent.data.contact.callPermission).toMatchObject({
        phone: consented,
        consent: { status: 'GRANTED' },
        decisionId: expect.any(String),
      });
      expect(withConsent.data.contact.callPermission.reasons).not.toContain('NO_CONSENT');
      const without = await ask(q, { id: ids[1] });
      expect(without.errors).toBeUndefined();
      expect(without.data.contact.callPermission).toMatchObject({ allowed: false, consent: { status: 'NONE' } });
      expect(without.data.contact.callPermission.reasons).toContain('NO_CONSENT');
    });
  });
});
