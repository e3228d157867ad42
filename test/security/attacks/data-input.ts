import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../support/stack.js';
import { signCallEnded } from '../../../subgraphs/engagement/intake/webhooks.js';
import {
  AUTHORIZE_CALL,
  CALL_PERMISSION,
  freshPhone,
  gql,
  RECORD_CONSENT,
  RECORD_OUTCOME,
  WRITTEN_CONSENT,
} from './client.js';

/** The stack's engagement must be started with this secret (`env`), so the suite can sign webhooks. */
export const ATTACK_CALL_WEBHOOK_SECRET = 'attack-suite-call-webhook-secret-0123456789';

/**
 * Findings 3 (client-chosen time), 8 (bad bytes) and 10 (unbounded inputs), through the gateway
 * and the call-ended webhook: each answers a typed BAD_USER_INPUT naming the field (400 on the
 * webhook), and nothing is stored.
 */
export function dataInputAttacks(getStack: () => Stack): void {
  let stack: Stack;
  let agent: string;
  let admin: string;
  const contactId = 'hubspot:1001';

  beforeAll(() => {
    stack = getStack();
    agent = stack.tokens.agent;
    admin = stack.tokens.admin;
  });

  const outcome = (over: Record<string, unknown> = {}) => ({
    contactId,
    callId: `call-${randomUUID()}`,
    decisionId: randomUUID(),
    idempotencyKey: `attack-${randomUUID()}`,
    disposition: 'CONNECTED',
    summary: 'Talked about the renewal.',
    occurredAt: new Date().toISOString(),
    ...over,
  });
  const writeBackCount = async () =>
    (
      (await gql<{ writeBacks: { nodes: unknown[] } }>(stack, admin, '{ writeBacks(first: 500) { nodes { id } } }'))
        .data?.writeBacks.nodes ?? []
    ).length;
  const postCallEnded = async (body: string) => {
    const ts = Date.now();
    return fetch(new URL('/webhooks/call-ended', stack.urls.engagement), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-dialplane-timestamp': String(ts),
        'x-dialplane-signature': signCallEnded(ATTACK_CALL_WEBHOOK_SECRET, ts, body),
      },
      body,
    });
  };

  describe('server-owned time (finding 3)', () => {
    it('authorizeCall refuses a client-chosen instant and reserves on the server clock', async () => {
      const phone = freshPhone('305');
      const past = new Date(Date.now() - 3 * 24 * 3_600_000).toISOString();
      const refused = await gql(stack, agent, AUTHORIZE_CALL, { input: { phone, purpose: 'MARKETING', at: past } });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.at' });
      expect(refused.data?.authorizeCall ?? null).toBeNull();

      const started = Date.now();
      const now = await gql<{ authorizeCall: { evaluatedAt: string; hypothetical: boolean } }>(
        stack,
        agent,
        AUTHORIZE_CALL,
        { input: { phone, purpose: 'MARKETING' } },
      );
      expect(now.errors).toBeUndefined();
      expect(now.data!.authorizeCall.hypothetical).toBe(false);
      expect(Math.abs(Date.parse(now.data!.authorizeCall.evaluatedAt) - started)).toBeLessThan(60_000);
    });

    it('callPermission(at:) is a what-if: marked hypothetical, never a reservation', async () => {
      const phone = freshPhone('305');
      const at = new Date(Date.now() + 2 * 3_600_000).toISOString();
      const whatIf = await gql<{ callPermission: { hypothetical: boolean; reservation: unknown } }>(
        stack,
        agent,
        CALL_PERMISSION,
        { phone, purpose: 'MARKETING', at },
      );
      expect(whatIf.errors).toBeUndefined();
      expect(whatIf.data!.callPermission).toMatchObject({ hypothetical: true, reservation: null });
      const current = await gql<{ callPermission: { hypothetical: boolean } }>(stack, agent, CALL_PERMISSION, {
        phone,
        purpose: 'MARKETING',
      });
      expect(current.data!.callPermission.hypothetical).toBe(false);
    });
  });

  describe('bad bytes (finding 8)', () => {
    it('NUL and control characters or a lone surrogate: BAD_USER_INPUT naming the field, nothing stored', async () => {
      const before = await writeBackCount();
      const cases: [Record<string, unknown>, string][] = [
        [outcome({ summary: 'left a message\u0000' }), 'input.summary'],
        [outcome({ callId: 'call-\u0000-1' }), 'input.callId'],
        [outcome({ summary: 'broken \ud800 text' }), 'input.summary'],
        [outcome({ decisionId: 'dec\u001b[31m' }), 'input.decisionId'],
      ];
      for (const [input, field] of cases) {
        const answer = await gql(stack, agent, RECORD_OUTCOME, { input });
        expect(answer.errors?.[0]?.extensions, `${field}: ${JSON.stringify(answer.errors)}`).toMatchObject({
          code: 'BAD_USER_INPUT',
          field,
        });
        expect(JSON.stringify(answer)).not.toMatch(/invalid byte sequence|0x00|PostgreSQL|unsupported Unicode/i);
      }
      expect(await writeBackCount()).toBe(before);

      const phone = freshPhone();
      const evidenceCases: [Record<string, unknown>, string][] = [
        [
          WRITTEN_CONSENT(phone, ['demo-seller'], {
            evidence: { ...WRITTEN_CONSENT(phone, []).evidence, name: 'Pat\u0000Doe' },
          }),
          'input.evidence.name',
        ],
        [
          WRITTEN_CONSENT(phone, ['demo-seller'], {
            evidence: { ...WRITTEN_CONSENT(phone, []).evidence, source: '\udc00form' },
          }),
          'input.evidence.source',
        ],
        [WRITTEN_CONSENT(phone, ['demo-\u0007seller']), 'input.sellers.0'],
      ];
      for (const [input, field] of evidenceCases) {
        const answer = await gql(stack, agent, RECORD_CONSENT, { input });
        expect(answer.errors?.[0]?.extensions, `${field}: ${JSON.stringify(answer.errors)}`).toMatchObject({
          code: 'BAD_USER_INPUT',
          field,
        });
      }
      const decision = await gql<{ callPermission: { reasons: string[] } }>(stack, agent, CALL_PERMISSION, {
        phone,
        purpose: 'MARKETING',
      });
      expect(decision.data!.callPermission.reasons).toContain('NO_CONSENT');
    });

    it('the call-ended webhook answers 400 (not 500: platforms retry a 500 forever)', async () => {
      const before = await writeBackCount();
      for (const bad of [{ summary: 'voicemail\u0000' }, { callId: '\ud83d' }]) {
        const res = await postCallEnded(
          JSON.stringify({ eventId: `evt-${randomUUID()}`, type: 'call.ended', outcome: outcome(bad) }),
        );
        expect(res.status).toBe(400);
        const body = (await res.json()) as { error: { code: string; details?: { field: string }[] } };
        expect(body.error.code).toBe('BAD_USER_INPUT');
        expect(body.error.details?.[0]?.field).toMatch(/^outcome\.(summary|callId)$/);
      }
      expect(await writeBackCount()).toBe(before);
    });
  });

  describe('bounds (finding 10)', () => {
    it('dates before 2000 or too far ahead, and oversized lists, are refused', async () => {
      const phone = freshPhone();
      const sellers = Array.from({ length: 50_000 }, (_, i) => `s${i}`);
      const tooMany = await gql(stack, admin, RECORD_CONSENT, { input: WRITTEN_CONSENT(phone, sellers) });
      // The gateway's list-length limit (docs/demand-control.md) refuses it before it reaches the
      // consent subgraph's own bound of 1-100 sellers; either way nothing is stored (checked below).
      expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'listLength' });
      const old = await gql(stack, agent, RECORD_CONSENT, {
        input: WRITTEN_CONSENT(phone, ['demo-seller'], { occurredAt: '1900-01-01T00:00:00Z' }),
      });
      expect(old.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.occurredAt' });
      const decision = await gql<{ callPermission: { reasons: string[] } }>(stack, agent, CALL_PERMISSION, {
        phone,
        purpose: 'MARKETING',
      });
      expect(decision.data!.callPermission.reasons).toContain('NO_CONSENT');

      const before = await writeBackCount();
      const epoch = await gql(stack, agent, RECORD_OUTCOME, { input: outcome({ occurredAt: '1970-01-01T00:00:00Z' }) });
      expect(epoch.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.occurredAt' });
      const farNext = await gql(stack, agent, RECORD_OUTCOME, {
        input: outcome({ nextAction: 'CALL_BACK', nextActionAt: '2999-01-01T00:00:00Z' }),
      });
      expect(farNext.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.nextActionAt' });
      expect(await writeBackCount()).toBe(before);

      const whatIf = await gql(stack, agent, CALL_PERMISSION, {
        phone,
        purpose: 'MARKETING',
        at: '1900-06-01T12:00:00Z',
      });
      expect(whatIf.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'at' });
    });
  });
}
