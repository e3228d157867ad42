import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUi, uiBuildIsFresh } from '../../scripts/build-ui.js';
import { chromiumAvailable, openOfflineBrowser, type OfflineBrowser } from '../support/browser.js';
import { startStack, type Stack } from '../support/stack.js';

// The offline explorer in a real headless browser with the network cut off from everything but
// 127.0.0.1: the page, its editor and its schema docs load from the gateway alone, a query runs with
// the token typed into the page, and a subscription receives an event over graphql-ws.
(chromiumAvailable ? describe : describe.skip)('GraphiQL explorer, offline', () => {
  let stack: Stack;
  let b: OfflineBrowser;
  beforeAll(async () => {
    if (!uiBuildIsFresh()) await buildUi();
    stack = await startStack();
    b = await openOfflineBrowser();
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    await stack?.close();
  });

  const base = () => stack.gatewayUrl.replace(/\/graphql$/, '');
  const response = () => b.page.locator('.graphiql-response').innerText();

  it('loads with no request leaving 127.0.0.1 and runs a query with the token from the token field', async () => {
    const query = '{ contactsByPhone(phone: "+14155550100") { id source } }';
    const res = await b.page.goto(`${base()}/explorer?query=${encodeURIComponent(query)}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    await b.page.getByLabel('token').fill(stack.tokens.analyst);
    await b.page.locator('.graphiql-execute-button').click();
    await expect.poll(response, { timeout: 30_000 }).toContain('"contactsByPhone"');
    expect(await response()).not.toContain('UNAUTHENTICATED');
    // Schema docs come from introspection with the same token.
    await b.page.getByRole('button', { name: /show documentation explorer/i }).click();
    await expect.poll(() => b.page.locator('.graphiql-doc-explorer').innerText(), { timeout: 30_000 }).toMatch(/Query/);
    await b.screenshot('explorer-query');
    expect(b.blocked).toEqual([]);
  }, 90_000);

  it('without a token the gateway answers UNAUTHENTICATED (role rules unchanged)', async () => {
    await b.page.goto(`${base()}/explorer?query=${encodeURIComponent('{ __typename }')}`);
    await b.page.evaluate('window.localStorage.clear()');
    await b.page.reload();
    await b.page.getByLabel('token').fill('');
    await b.page.locator('.graphiql-execute-button').click();
    await expect.poll(response, { timeout: 30_000 }).toContain('UNAUTHENTICATED');
    expect(b.blocked).toEqual([]);
  }, 60_000);

  it('receives a subscription event over graphql-ws', async () => {
    const phone = '+14155550142';
    const subscription = `subscription { consentRevoked(phones: ["${phone}"]) { eventId phone channel } }`;
    await b.page.goto(`${base()}/explorer?query=${encodeURIComponent(subscription)}`);
    await b.page.getByLabel('token').fill(stack.tokens.agent);
    const sent: string[] = [];
    b.page.on('websocket', (ws) => ws.on('framesent', (frame) => sent.push(String(frame.payload))));
    await b.page.locator('.graphiql-execute-button').click();
    // Subscribed (graphql-ws "subscribe" message sent) before the event is produced.
    await expect.poll(() => sent.some((f) => f.includes('"subscribe"')), { timeout: 30_000 }).toBe(true);
    // Revoke consent for that phone; the event reaches the page through the gateway's relay.
    const r = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.compliance}` },
      body: JSON.stringify({
        query: 'mutation($input: RevokeConsentInput!) { revokeConsent(input: $input) { __typename } }',
        variables: {
          input: { phone, channel: 'VOICE', source: 'explorer-test', occurredAt: new Date().toISOString() },
        },
      }),
    });
    expect(((await r.json()) as { errors?: unknown[] }).errors).toBeUndefined();
    await expect.poll(response, { timeout: 30_000 }).toContain(phone);
    await b.screenshot('explorer-subscription');
    expect(b.blocked).toEqual([]);
  }, 90_000);
});
