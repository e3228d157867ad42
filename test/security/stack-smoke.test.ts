import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

// The attack suite's harness itself: the whole system answers an authenticated call-start read.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(() => stack?.close());

describe('security harness', () => {
  it('serves an authenticated contact lookup through the gateway and refuses an anonymous one', async () => {
    const query = '{ contactsByPhone(phone: "+14155550100") { id } }';
    const anonymous = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    expect(anonymous.status).toBe(401);
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.agent}` },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { data?: { contactsByPhone: unknown[] }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(Array.isArray(body.data?.contactsByPhone)).toBe(true);
  });
});
