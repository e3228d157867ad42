import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotId } from '../../sim/data/hubspot-ids.js';
import { KeyPrefix, salesforceId } from '../../sim/data/salesforce-ids.js';
import { startStack, type Stack } from '../support/stack.js';
import { gql } from './attacks/client.js';

// Findings 12 (clearing a CRM flag), 14 (one bad id in a batch) and 13 (a consent outage must not
// hide the caller), attacked through the gateway on one stack. The consent outage comes last.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(() => stack?.close());

interface Row {
  id: string;
  primaryPhone: string | null;
  suppression: { doNotCall: boolean | null } | null;
}
const sf = (n: number) => `salesforce:${salesforceId(KeyPrefix.Contact, n)}`;
const hs = (n: number) => `hubspot:${hubspotId('contacts', n)}`;

/** Contacts of one CRM with a phone and the do-not-call flag off, read through the gateway. */
async function callable(ids: string[]): Promise<Row[]> {
  const answer = await gql<{ contacts: (Row | null)[] }>(
    stack,
    stack.tokens.admin,
    'query($ids: [ID!]!) { contacts(ids: $ids) { id primaryPhone suppression { doNotCall } } }',
    { ids },
  );
  return (answer.data?.contacts ?? []).filter(
    (c): c is Row => !!c && !!c.primaryPhone && c.suppression?.doNotCall === false,
  );
}

const revocationsOf = async (phone: string) =>
  (
    await gql<{ consentRevocations: { channel: string; scope: string }[] }>(
      stack,
      stack.tokens.admin,
      'query($p: [String!]) { consentRevocations(phones: $p) { channel scope } }',
      { p: [phone] },
    )
  ).data?.consentRevocations ?? [];

describe('clearing a CRM do-not-call flag records nothing new (finding 12)', () => {
  for (const crm of ['salesforce', 'hubspot'] as const) {
    it(`${crm}: true -> false leaves the one revocation of the true`, async () => {
      const ids = Array.from({ length: 40 }, (_, i) => (crm === 'salesforce' ? sf(i + 1) : hs(i)));
      const [target, sentinel] = await callable(ids);
      expect(target && sentinel, 'two callable demo contacts').toBeTruthy();
      const sim = stack.sims[crm];
      const sourceId = (row: Row) => row.id.slice(row.id.indexOf(':') + 1);

      await sim.admin.edit({ kind: 'doNotCall', contactId: sourceId(target!), value: true });
      await expect.poll(async () => (await revocationsOf(target!.primaryPhone!)).length, { timeout: 15_000 }).toBe(1);

      await sim.admin.edit({ kind: 'doNotCall', contactId: sourceId(target!), value: false });
      // A later change on another contact proves the clearing event went through the same path.
      await sim.admin.edit({ kind: 'doNotCall', contactId: sourceId(sentinel!), value: true });
      await sim.admin.waitForDeliveries();
      await expect.poll(async () => (await revocationsOf(sentinel!.primaryPhone!)).length, { timeout: 15_000 }).toBe(1);
      expect(await revocationsOf(target!.primaryPhone!)).toEqual([{ channel: 'CRM_FLAG', scope: 'ALL_SELLERS' }]);
    });
  }
});

describe('one bad id in a batch is its own error at the client index (finding 14)', () => {
  const QUERY = 'query($ids: [ID!]!) { contacts(ids: $ids) { id } }';
  it('on the fast path (CRM-only query) and the planned path, for either CRM', async () => {
    const [sfValid] = await callable([sf(1), sf(2), sf(3), sf(4), sf(5)]);
    const [hsValid] = await callable([hs(0), hs(1), hs(2), hs(3), hs(4)]);
    const batches = [
      [sfValid!.id, hsValid!.id, 'salesforce:xyz'],
      [sfValid!.id, 'hubspot:abc', hsValid!.id],
      ['salesforce:xyz', sfValid!.id, 'hubspot:abc', hsValid!.id],
    ];
    for (const ids of batches) {
      for (const query of [QUERY, 'query($ids: [ID!]!) { contacts(ids: $ids) { id intentStage } }']) {
        const answer = await gql<{ contacts: ({ id: string } | null)[] }>(stack, stack.tokens.agent, query, { ids });
        const bad = ids.flatMap((id, i) => (id === sfValid!.id || id === hsValid!.id ? [] : [i]));
        expect(
          answer.data?.contacts.map((c) => c?.id ?? null),
          `${query} ${ids.join(',')}`,
        ).toEqual(ids.map((id, i) => (bad.includes(i) ? null : id)));
        const errors = (answer.errors ?? []).filter((e) => e.extensions?.code === 'BAD_USER_INPUT');
        expect(errors.map((e) => e.path).sort(), JSON.stringify(answer.errors)).toEqual(
          bad.map((i) => ['contacts', i]).sort(),
        );
        for (const e of errors) expect(e.extensions?.field).toBe(`ids.${e.path![1]}`);
      }
    }
  });
});

describe('a consent outage does not hide the caller (finding 13)', () => {
  it('Contact.callPermission is null with an error at its path; the rest of the contact resolves', async () => {
    const [row] = await callable([sf(1), sf(2), sf(3), sf(4), sf(5)]);
    await stack.stopService('consent');
    const answer = await gql<{ contact: { id: string; primaryPhone: string; callPermission: unknown } | null }>(
      stack,
      stack.tokens.agent,
      'query($id: ID!) { contact(id: $id) { id primaryPhone callPermission(purpose: MARKETING) { allowed reasons } } }',
      { id: row!.id },
    );
    expect(answer.data?.contact).toEqual({ id: row!.id, primaryPhone: row!.primaryPhone, callPermission: null });
    expect(
      answer.errors?.some((e) => JSON.stringify(e.path) === JSON.stringify(['contact', 'callPermission'])),
      JSON.stringify(answer.errors),
    ).toBe(true);
  });
});
