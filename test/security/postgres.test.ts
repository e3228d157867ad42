import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeWithPostgres, TEST_DATABASE_URL } from '../support/services.js';
import { startStack, type Stack } from '../support/stack.js';
import { codeOf, freshPhone, gql, RECORD_CONSENT, RECORD_OUTCOME, WRITTEN_CONSENT } from './attacks/client.js';
import { ATTACK_CALL_WEBHOOK_SECRET, dataInputAttacks } from './attacks/data-input.js';
import { sellerIsolationAttacks } from './attacks/seller-isolation.js';

// The storage-related attacks (findings 2, 3, 8, 10) on the real PostgreSQL server, then finding
// 15: a database outage (last: it takes the database away).
describeWithPostgres('attacks on the PostgreSQL shape', () => {
  let stack: Stack;
  let database: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    database = await createTestDatabase('security');
    stack = await startStack({ databaseUrl: database.url, env: { CALL_WEBHOOK_SECRET: ATTACK_CALL_WEBHOOK_SECRET } });
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    await database?.drop();
  });

  describe('seller isolation', () => sellerIsolationAttacks(() => stack));
  describe('time, bytes and bounds', () => dataInputAttacks(() => stack));

  describe('a database outage (finding 15)', () => {
    const name = () => new URL(database.url).pathname.slice(1);
    async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.end();
      }
    }
    const readyz = async () => (await fetch(new URL('/readyz', stack.gatewayUrl))).status;

    it('turns the gateway not ready; writes answer a retryable SERVICE_UNAVAILABLE and store nothing half-written', async () => {
      expect(await readyz()).toBe(200);
      await admin(async (c) => {
        await c.query(`ALTER DATABASE ${name()} ALLOW_CONNECTIONS false`);
        await c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name()],
        );
      });
      try {
        await expect.poll(readyz, { timeout: 15_000, interval: 500 }).toBe(503);
        const body = (await (await fetch(new URL('/readyz', stack.gatewayUrl))).json()) as {
          subgraphs: Record<string, string>;
        };
        expect(body.subgraphs).toMatchObject({ consent: 'not-ready', engagement: 'not-ready' });

        const input = {
          contactId: 'hubspot:1001',
          callId: `call-${randomUUID()}`,
          decisionId: randomUUID(),
          idempotencyKey: `outage-${randomUUID()}`,
          disposition: 'CONNECTED',
          summary: 'during the outage',
          occurredAt: new Date().toISOString(),
        };
        const outcome = await gql(stack, stack.tokens.agent, RECORD_OUTCOME, { input });
        expect(codeOf(outcome), JSON.stringify(outcome.errors)).toBe('SERVICE_UNAVAILABLE');
        expect(JSON.stringify(outcome)).not.toMatch(/terminat|ECONN|postgres|SQLSTATE|57P0/i);
        const phone = freshPhone('404');
        const consent = await gql(stack, stack.tokens.agent, RECORD_CONSENT, {
          input: WRITTEN_CONSENT(phone, ['demo-seller']),
        });
        expect(codeOf(consent), JSON.stringify(consent.errors)).toBe('SERVICE_UNAVAILABLE');

        await admin((c) => c.query(`ALTER DATABASE ${name()} ALLOW_CONNECTIONS true`));
        await expect.poll(readyz, { timeout: 15_000, interval: 500 }).toBe(200);
        // The retry with the same key is the first write: nothing was half-written before.
        const retried = await gql<{ recordCallOutcome: { duplicate: boolean } }>(
          stack,
          stack.tokens.agent,
          RECORD_OUTCOME,
          { input },
        );
        expect(retried.errors).toBeUndefined();
        expect(retried.data!.recordCallOutcome.duplicate).toBe(false);
      } finally {
        await admin((c) => c.query(`ALTER DATABASE ${name()} ALLOW_CONNECTIONS true`));
      }
    });
  });
});
