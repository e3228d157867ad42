import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { silentLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import { startConsentSubgraph, type RunningConsentSubgraph } from '../../subgraphs/consent/server.js';
import { createSimulatedChecker } from '../../subgraphs/consent/reassigned/simulated-checker.js';
import { insertAttempt } from '../../subgraphs/consent/store/attempts.js';
import { markSynced } from '../../subgraphs/consent/store/dnc-registry.js';
import type { ConsentConfig } from '../../subgraphs/consent/config.js';
import {
  createTestDatabase,
  describeWithPostgres,
  describeWithRedis,
  TEST_REDIS_URL,
  uniquePrefix,
} from '../support/services.js';
import { gql, PERMISSION_FIELDS, SECRET, WRITTEN_CONSENT, wsClient } from './support/consent-client.js';
import { eventually } from '../support/eventually.js';

const NOW = new Date('2026-06-10T16:00:00Z');
const AUTHORIZE = `mutation($input: AuthorizeCallInput!) { authorizeCall(input: $input) { ${PERMISSION_FIELDS} } }`;
const RECORD = 'mutation($input: RecordConsentInput!) { recordConsent(input: $input) { cursor } }';
const REVOKE = 'mutation($input: RevokeConsentInput!) { revokeConsent(input: $input) { cursor } }';

/** Two replicas of the consent subgraph on one PostgreSQL database (and one Redis bus when given). */
async function startReplicas(url: string, redisUrl?: string): Promise<RunningConsentSubgraph[]> {
  const prefix = uniquePrefix('consent');
  const config: ConsentConfig = {
    port: 0,
    nodeEnv: 'test',
    logLevel: 'silent',
    internalSecret: SECRET,
    databaseUrl: url,
    redisUrl,
    revocationPollMs: 5_000,
  };
  const replicas: RunningConsentSubgraph[] = [];
  for (let i = 0; i < 2; i++) {
    replicas.push(
      await startConsentSubgraph(config, {
        log: silentLogger,
        metrics: createMetrics(`consent-${i}`, { collectDefault: false }),
        checker: createSimulatedChecker({ now: () => NOW }),
        now: () => NOW,
        busPrefix: prefix,
      }),
    );
  }
  return replicas;
}

describeWithPostgres('consent replicas on PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  let replicas: RunningConsentSubgraph[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('consent_race');
    replicas = await startReplicas(db.url);
    await markSynced(replicas[0]!.db, 'national', '305', new Date('2026-06-01T00:00:00Z'));
    await markSynced(replicas[0]!.db, 'state:FL', '*', new Date('2026-06-01T00:00:00Z'));
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    await db?.drop();
  });

  it('agents racing for the last slot under the Florida cap: exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      const phone = `+1305555${String(200 + round).padStart(4, '0')}`;
      await gql(replicas[0]!.url, RECORD, { input: WRITTEN_CONSENT(phone) });
      for (const t of ['2026-06-10T13:00:00Z', '2026-06-10T14:00:00Z']) {
        await insertAttempt(replicas[0]!.db, {
          decisionId: randomUUID(),
          e164: phone,
          seller: 'acme',
          purpose: 'MARKETING',
          subject: 'MARKETING',
          attemptedAt: new Date(t),
        });
      }
      // Eight agents at once, spread over both replicas (separate connection pools).
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          gql(replicas[i % 2]!.url, AUTHORIZE, { input: { phone, purpose: 'MARKETING' } }),
        ),
      );
      const decisions = results.map((r) => r.data!.authorizeCall);
      expect(decisions.filter((d) => d.allowed)).toHaveLength(1);
      expect(decisions.filter((d) => !d.allowed).every((d) => d.reasons.join() === 'FREQUENCY_CAP_EXCEEDED')).toBe(
        true,
      );
      const count = await replicas[1]!.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM call_attempts WHERE e164 = $1',
        [phone],
      );
      expect(count.rows[0]!.n).toBe(3);
    }
  });
});

describeWithPostgres('revocation fan-out across replicas', () => {
  describeWithRedis('with the Redis event bus', () => {
    let db: { url: string; drop: () => Promise<void> };
    let replicas: RunningConsentSubgraph[] = [];
    const clients: Client[] = [];
    beforeAll(async () => {
      db = await createTestDatabase('consent_fanout');
      replicas = await startReplicas(db.url, TEST_REDIS_URL);
    });
    afterAll(async () => {
      for (const c of clients) await c.dispose();
      for (const r of replicas) await r.close();
      await db?.drop();
    });

    it('a revocation reaches 500 subscriptions on two replicas; a reconnecting client misses nothing', async () => {
      const phone = '+12125550300';
      const SUB = 'subscription($after: String) { consentRevoked(after: $after) { phone channel cursor } }';
      const SUBSCRIPTIONS = 500;
      const PER_SOCKET = 25;
      const inbox: { phone: string; channel: string; cursor: string }[][] = Array.from(
        { length: SUBSCRIPTIONS },
        () => [],
      );
      const disposers: (() => void)[] = [];
      for (let s = 0; s < SUBSCRIPTIONS / PER_SOCKET; s++) {
        const client = wsClient(replicas[s % 2]!.url);
        clients.push(client);
        for (let j = 0; j < PER_SOCKET; j++) {
          const index = s * PER_SOCKET + j;
          disposers[index] = client.subscribe<{ consentRevoked: { phone: string; channel: string; cursor: string } }>(
            { query: SUB },
            {
              next: (m) => inbox[index]!.push(m.data!.consentRevoked),
              error: () => undefined,
              complete: () => undefined,
            },
          );
        }
      }
      await eventually(() => replicas[0]!.hub.subscribers + replicas[1]!.hub.subscribers === SUBSCRIPTIONS, 15_000, 25);

      const started = Date.now();
      await gql(replicas[0]!.url, REVOKE, {
        input: { phone, channel: 'VOICE', source: 'agent', occurredAt: '2026-06-10T15:00:00Z' },
      });
      await eventually(() => inbox.every((m) => m.length === 1), 15_000, 25);
      const deliveredMs = Date.now() - started;
      expect(deliveredMs).toBeLessThan(15_000);

      // Subscription 0 drops; two revocations land (one per replica) while it is gone.
      disposers[0]!();
      const cursor = inbox[0]![0]!.cursor;
      await gql(replicas[1]!.url, REVOKE, {
        input: { phone, channel: 'SMS_KEYWORD', source: 'sms', occurredAt: '2026-06-10T15:01:00Z' },
      });
      await gql(replicas[0]!.url, REVOKE, {
        input: { phone, channel: 'WEB', source: 'web', occurredAt: '2026-06-10T15:02:00Z' },
      });
      await eventually(() => inbox.slice(1).every((m) => m.length === 3), 15_000, 25);
      expect(inbox[0]).toHaveLength(1);
      // It reconnects (to the other replica) with its cursor and gets exactly what it missed, in order.
      const back = wsClient(replicas[1]!.url);
      clients.push(back);
      back.subscribe<{ consentRevoked: { phone: string; channel: string; cursor: string } }>(
        { query: SUB, variables: { after: cursor } },
        { next: (m) => inbox[0]!.push(m.data!.consentRevoked), error: () => undefined, complete: () => undefined },
      );
      await eventually(() => inbox[0]!.length === 3, 15_000, 25);
      expect(inbox[0]!.map((m) => m.channel)).toEqual(['VOICE', 'SMS_KEYWORD', 'WEB']);
      expect(inbox[1]!.map((m) => m.cursor)).toEqual(inbox[0]!.map((m) => m.cursor));
    });
  });
});
