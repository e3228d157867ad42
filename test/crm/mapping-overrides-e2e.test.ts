import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSalesforceDataset, KeyPrefix, salesforceId } from '../../sim/data/index.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * End to end through the gateway (issue 15): an org whose do-not-call lives in a custom checkbox
 * (`Do_Not_Call__c`), with the connection's override naming it, decides correctly: the contact's
 * suppression.doNotCall and the consent decision (callPermission) follow the custom field, both
 * when it is read and when a person ticks it in the CRM (the change event carries it to consent),
 * and the standard DoNotCall, which this org does not use, no longer decides.
 */

const DAY = 86_400_000;
const AT = new Date(Math.ceil(Date.now() / DAY) * DAY + 17 * 3_600_000).toISOString();
const CONTACTS = 200;
const rows = [...generateSalesforceDataset({ seed: 1, contacts: CONTACTS }).Contact.values()];

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    contacts: CONTACTS,
    salesforceCustomFields: [{ object: 'Contact', name: 'Do_Not_Call__c', type: 'boolean', label: 'Do Not Call' }],
    env: { SALESFORCE_MAPPING_OVERRIDES: JSON.stringify({ 'suppression.doNotCall': 'Do_Not_Call__c' }) },
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

async function gateway(query: string, variables: Record<string, unknown>) {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.agent}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}
const QUERY = `query($id: ID!, $at: DateTime) { contact(id: $id) { id primaryPhone suppression { doNotCall }
  callPermission(purpose: MARKETING, at: $at) { allowed reasons } } }`;
async function decision(id: string): Promise<{ doNotCall: boolean | null; allowed: boolean; reasons: string[] }> {
  const answer = await gateway(QUERY, { id: `salesforce:${id}`, at: AT });
  const c = answer.data?.contact;
  if (!c) throw new Error(`no contact: ${JSON.stringify(answer.errors)}`);
  return { doNotCall: c.suppression.doNotCall, allowed: c.callPermission.allowed, reasons: c.callPermission.reasons };
}

/** A contact with a usable US number whose only possible denial is do-not-call (no early stop). */
async function decidable(standardDoNotCall: boolean, skip: readonly string[] = []): Promise<string> {
  for (let row = 6; row < CONTACTS; row++) {
    if (rows[row]!.DoNotCall !== standardDoNotCall) continue;
    const id = salesforceId(KeyPrefix.Contact, row);
    if (skip.includes(id)) continue;
    const d = await decision(id);
    const early = ['INVALID_NUMBER', 'JURISDICTION_UNSUPPORTED', 'COMPLIANCE_DATA_UNAVAILABLE'];
    if (!d.reasons.some((r) => early.includes(r))) return id;
  }
  throw new Error('no decidable contact in the org');
}

describe('an org whose do-not-call is a custom field', () => {
  it('reads the custom field, not the standard one', async () => {
    // Standard DoNotCall ticked, custom one not: this org's truth is the custom field.
    const id = await decidable(true);
    const d = await decision(id);
    expect(d.doNotCall).toBe(false);
    expect(d.reasons).not.toContain('CRM_DO_NOT_CALL');
  });

  it('denies once a person ticks the custom field in the CRM: suppression and callPermission follow', async () => {
    const id = await decidable(false);
    const before = await decision(id);
    expect(before.doNotCall).toBe(false);
    expect(before.reasons).not.toContain('CRM_DO_NOT_CALL');

    await stack.sims.salesforce.admin.edit({ kind: 'set', object: 'Contact', id, fields: { Do_Not_Call__c: true } });
    await expect.poll(() => decision(id), { timeout: 10_000 }).toMatchObject({ doNotCall: true, allowed: false });
    expect((await decision(id)).reasons).toContain('CRM_DO_NOT_CALL');
  });
});
