import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../support/stack.js';
import {
  ADD_DNC,
  AUTHORIZE_CALL,
  CALL_PERMISSION,
  codeOf,
  freshPhone,
  gql,
  RECORD_CONSENT,
  RECORD_OUTCOME,
  RECORD_RELATIONSHIP,
  REVOCATIONS,
  REVOKE_CONSENT,
  WRITTEN_CONSENT,
  wsClient,
} from './client.js';

/**
 * Finding 2 (seller isolation) and 11 (least-privilege roles), attacked through the gateway: an
 * agent of seller A names seller B, reads B's revocations, outcomes, summaries and write-backs.
 */
export function sellerIsolationAttacks(getStack: () => Stack): void {
  let stack: Stack;
  const t: Record<'agentA' | 'agentB' | 'adminA' | 'adminAll' | 'analyst', string> = {} as never;
  let contactId: string;

  beforeAll(async () => {
    stack = getStack();
    t.agentA = await stack.token({ sub: 'agent-a', roles: ['agent'], seller: 'seller-a', sellers: ['*'] }); // an agent cannot widen itself
    t.agentB = await stack.token({ sub: 'agent-b', roles: ['agent'], seller: 'seller-b' });
    t.adminA = await stack.token({ sub: 'admin-a', roles: ['admin'], sellers: ['seller-a'] });
    t.adminAll = stack.tokens.admin;
    t.analyst = stack.tokens.analyst;
    const found = await gql<{ contactsByPhone: { id: string }[] }>(
      stack,
      t.agentA,
      '{ contactsByPhone(phone: "+14155550100") { id } }',
    );
    contactId = found.data?.contactsByPhone[0]?.id ?? 'hubspot:1001';
  });

  describe('acting for another seller is FORBIDDEN', () => {
    it('recordConsent, revokeConsent, addInternalDnc, recordRelationship, callPermission, authorizeCall, Contact.callPermission', async () => {
      const phone = freshPhone();
      const occurredAt = new Date(Date.now() - 60_000).toISOString();
      const attempts: [string, string, Record<string, unknown>][] = [
        ['recordConsent', RECORD_CONSENT, { input: WRITTEN_CONSENT(phone, ['seller-a', 'seller-b']) }],
        [
          'revokeConsent',
          REVOKE_CONSENT,
          { input: { phone, channel: 'VOICE', seller: 'seller-b', source: 'attack', occurredAt } },
        ],
        [
          'revokeConsent ALL_SELLERS',
          REVOKE_CONSENT,
          { input: { phone, channel: 'VOICE', scope: 'ALL_SELLERS', source: 'attack', occurredAt } },
        ],
        ['addInternalDnc', ADD_DNC, { input: { phone, scope: 'SELLER', seller: 'seller-b', source: 'attack' } }],
        ['addInternalDnc ALL', ADD_DNC, { input: { phone, scope: 'ALL', source: 'attack' } }],
        [
          'recordRelationship',
          RECORD_RELATIONSHIP,
          { input: { phone, seller: 'seller-b', kind: 'PURCHASE', occurredAt, source: 'attack' } },
        ],
        ['callPermission', CALL_PERMISSION, { phone, purpose: 'MARKETING', seller: 'seller-b' }],
        ['authorizeCall', AUTHORIZE_CALL, { input: { phone, purpose: 'MARKETING', seller: 'seller-b' } }],
        [
          'Contact.callPermission',
          'query($id: ID!) { contact(id: $id) { id callPermission(purpose: MARKETING, seller: "seller-b") { allowed } } }',
          { id: contactId },
        ],
      ];
      for (const [what, query, variables] of attempts) {
        const answer = await gql(stack, t.agentA, query, variables);
        expect(codeOf(answer), `${what}: ${JSON.stringify(answer.errors)}`).toBe('FORBIDDEN');
      }
      // Nothing was written for seller B: its own view of the number is untouched.
      const seen = await gql<{ consentRevocations: unknown[] }>(stack, t.agentB, REVOCATIONS, { phones: [phone] });
      expect(seen.data?.consentRevocations).toEqual([]);
      // The admin limited to seller A is refused for B too; for A it is accepted.
      expect(
        codeOf(await gql(stack, t.adminA, CALL_PERMISSION, { phone, purpose: 'MARKETING', seller: 'seller-b' })),
      ).toBe('FORBIDDEN');
      const own = await gql(stack, t.adminA, CALL_PERMISSION, { phone, purpose: 'MARKETING', seller: 'seller-a' });
      expect(own.errors).toBeUndefined();
      // Acting for its own seller, named or by default, works.
      const mine = await gql(stack, t.agentA, RECORD_CONSENT, { input: WRITTEN_CONSENT(phone, ['seller-a']) });
      expect(mine.errors).toBeUndefined();
      const allowed = await gql<{ callPermission: { allowed: boolean } }>(stack, t.agentA, CALL_PERMISSION, {
        phone,
        purpose: 'INFORMATIONAL',
      });
      expect(allowed.errors).toBeUndefined();
    });
  });

  describe('revocations reach only their seller (all-seller ones reach everyone)', () => {
    it('consentRevocations', async () => {
      const phone = freshPhone();
      const occurredAt = new Date(Date.now() - 60_000).toISOString();
      expect(
        (
          await gql(stack, t.agentB, REVOKE_CONSENT, {
            input: { phone, channel: 'VOICE', seller: 'seller-b', source: 'ivr', occurredAt },
          })
        ).errors,
      ).toBeUndefined();
      expect(
        (
          await gql(stack, t.adminAll, REVOKE_CONSENT, {
            input: { phone, channel: 'VOICE', scope: 'ALL_SELLERS', source: 'ivr', occurredAt },
          })
        ).errors,
      ).toBeUndefined();
      const forA = await gql<{ consentRevocations: { scope: string; seller: string | null }[] }>(
        stack,
        t.agentA,
        REVOCATIONS,
        { phones: [phone] },
      );
      const forB = await gql<{ consentRevocations: { scope: string; seller: string | null }[] }>(
        stack,
        t.agentB,
        REVOCATIONS,
        { phones: [phone] },
      );
      expect(forA.data?.consentRevocations).toEqual([{ phone, scope: 'ALL_SELLERS', seller: null }]);
      expect(forB.data?.consentRevocations).toEqual([
        { phone, scope: 'SELLER', seller: 'seller-b' },
        { phone, scope: 'ALL_SELLERS', seller: null },
      ]);
    });

    it('consentRevoked subscription', async () => {
      const phone = freshPhone();
      const occurredAt = new Date(Date.now() - 60_000).toISOString();
      const forB = await gql<{ revokeConsent: { cursor: string } }>(stack, t.agentB, REVOKE_CONSENT, {
        input: { phone, channel: 'VOICE', seller: 'seller-b', source: 'ivr', occurredAt },
      });
      const forAll = await gql<{ revokeConsent: { cursor: string } }>(stack, t.adminAll, REVOKE_CONSENT, {
        input: { phone, channel: 'VOICE', scope: 'ALL_SELLERS', source: 'ivr', occurredAt },
      });
      expect(forB.errors ?? forAll.errors).toBeUndefined();
      // Subscribing from just before B's revocation replays both from the ledger (no timing involved).
      const after = String(Number(forB.data!.revokeConsent.cursor) - 1);
      const firstEventFor = async (token: string) => {
        const client = wsClient(stack, token);
        try {
          return await new Promise<{ scope: string; seller: string | null; cursor: string }>((resolve, reject) => {
            const dispose = client.subscribe<{
              consentRevoked: { scope: string; seller: string | null; cursor: string };
            }>(
              {
                query:
                  'subscription($p: [String!], $after: String) { consentRevoked(phones: $p, after: $after) { scope seller cursor } }',
                variables: { p: [phone], after },
              },
              {
                next: (m) => {
                  dispose();
                  resolve(m.data!.consentRevoked);
                },
                error: reject,
                complete: () => undefined,
              },
            );
          });
        } finally {
          await client.dispose();
        }
      };
      expect(await firstEventFor(t.agentA)).toEqual({
        scope: 'ALL_SELLERS',
        seller: null,
        cursor: forAll.data!.revokeConsent.cursor,
      });
      expect(await firstEventFor(t.agentB)).toEqual({
        scope: 'SELLER',
        seller: 'seller-b',
        cursor: forB.data!.revokeConsent.cursor,
      });
    });
  });

  describe('outcomes, summaries and write-backs are visible only to their seller', () => {
    it('Contact.lastInteraction, writeBack(id), writeBacks', async () => {
      const summary = `seller B private summary ${randomUUID()}`;
      const recorded = await gql<{ recordCallOutcome: { id: string } }>(stack, t.agentB, RECORD_OUTCOME, {
        input: {
          contactId,
          callId: `call-${randomUUID()}`,
          decisionId: randomUUID(),
          idempotencyKey: `iso-${randomUUID()}`,
          disposition: 'CONNECTED',
          summary,
          occurredAt: new Date().toISOString(),
        },
      });
      expect(recorded.errors).toBeUndefined();
      const id = recorded.data!.recordCallOutcome.id;
      const CONTACT = 'query($id: ID!) { contact(id: $id) { id lastInteraction { summary outcomeId } } }';
      const forB = await gql<{
        contact: { lastInteraction: { summary: string | null; outcomeId: string | null } | null };
      }>(stack, t.agentB, CONTACT, { id: contactId });
      expect(forB.data?.contact.lastInteraction?.outcomeId).toBe(id);
      const forA = await gql<{
        contact: { lastInteraction: { summary: string | null; outcomeId: string | null } | null };
      }>(stack, t.agentA, CONTACT, { id: contactId });
      expect(forA.errors).toBeUndefined();
      expect(forA.data?.contact.lastInteraction?.summary ?? null).not.toBe(summary);
      expect(forA.data?.contact.lastInteraction?.outcomeId ?? null).not.toBe(id);

      const ONE = 'query($id: ID!) { writeBack(id: $id) { id contactId } }';
      expect((await gql<{ writeBack: unknown }>(stack, t.agentB, ONE, { id })).data?.writeBack).toMatchObject({ id });
      expect((await gql<{ writeBack: unknown }>(stack, t.agentA, ONE, { id })).data?.writeBack).toBeNull();

      const LIST = '{ writeBacks(first: 500) { nodes { id } } }';
      const idsFor = async (token: string) =>
        ((await gql<{ writeBacks: { nodes: { id: string }[] } }>(stack, token, LIST)).data?.writeBacks.nodes ?? []).map(
          (n) => n.id,
        );
      expect(await idsFor(t.adminAll)).toContain(id);
      expect(await idsFor(t.adminA)).not.toContain(id);
    });
  });

  describe('roles match the schema (finding 11)', () => {
    it('an analyst may not read write-backs', async () => {
      expect(codeOf(await gql(stack, t.analyst, '{ writeBacks { nodes { id } } }'))).toBe('FORBIDDEN');
      expect(
        codeOf(await gql(stack, t.analyst, 'query($id: ID!) { writeBack(id: $id) { id } }', { id: randomUUID() })),
      ).toBe('FORBIDDEN');
    });
  });
}
