import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUi, uiBuildIsFresh } from '../../scripts/build-ui.js';
import { chromiumAvailable, openOfflineBrowser, type OfflineBrowser } from '../support/browser.js';
import { startStack, type Stack } from '../support/stack.js';

// The operations console in a real headless browser with the network cut off from everything but
// 127.0.0.1: it loads with an admin token, shows every CRM's pipeline health, receives a revocation
// on the live stream (graphql-ws through the gateway), and replays a write-back that the HubSpot
// simulator's fault knob dead-lettered, until the CRM has it. Screenshots: test-artifacts/console-*.png.
(chromiumAvailable ? describe : describe.skip)('operations console, offline', () => {
  let stack: Stack;
  let b: OfflineBrowser;
  beforeAll(async () => {
    if (!uiBuildIsFresh()) await buildUi();
    // One attempt per write-back: a failed write dead-letters at once instead of retrying for minutes.
    stack = await startStack({ engagementWorker: true, env: { WRITEBACK_MAX_ATTEMPTS: '1' } });
    b = await openOfflineBrowser();
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    await stack?.close();
  });

  const base = () => stack.gatewayUrl.replace(/\/graphql$/, '');
  const gql = async (token: string, query: string, variables: Record<string, unknown>) => {
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  const text = (selector: string) => b.page.locator(selector).innerText();

  it('loads with a token and shows pipeline health per CRM, with no request leaving 127.0.0.1', async () => {
    // A read per CRM first, so there is something to count.
    await gql(
      stack.tokens.analyst,
      '{ contact(id: "hubspot:1001") { id } contactsByPhone(phone: "+14155550100") { id } }',
      {},
    );
    const res = await b.page.goto(`${base()}/console`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    await b.page.getByLabel('token').fill(stack.tokens.admin);
    await expect.poll(() => b.page.locator('#pipeline tr[data-crm]').count(), { timeout: 30_000 }).toBe(2);
    const hubspot = await text('#pipeline tr[data-crm="hubspot"]');
    expect(hubspot).toContain('closed'); // breaker
    expect(hubspot).toMatch(/\d+(\.\d)? %/); // cache hit rate
    expect(hubspot).toMatch(/daily/); // API budget left, from the CRM's headers
    expect(await text('#pipeline tr[data-crm="salesforce"]')).toContain('closed');
    await expect.poll(() => text('#writebacks'), { timeout: 30_000 }).toContain('pending');
    expect(await text('[data-roles]')).toContain('admin');
    await b.screenshot('console-health');
    expect(b.blocked).toEqual([]);
    expect(b.errors).toEqual([]);
  }, 90_000);

  it('receives a revocation on the live stream', async () => {
    await expect
      .poll(() => b.page.locator('[data-stream]').getAttribute('data-stream'), { timeout: 30_000 })
      .toBe('live');
    const phone = '+14155550143';
    await gql(
      stack.tokens.compliance,
      'mutation($input: RevokeConsentInput!) { revokeConsent(input: $input) { __typename } }',
      {
        input: { phone, channel: 'VOICE', source: 'console-test', occurredAt: new Date().toISOString() },
      },
    );
    await expect.poll(() => text('#revocations'), { timeout: 30_000 }).toContain(phone);
    await b.screenshot('console-revocation');
    expect(b.blocked).toEqual([]);
  }, 60_000);

  it('replays a dead-lettered write-back and follows it until the CRM has it', async () => {
    // HubSpot refuses every call creation (5xx): the write-back's one attempt fails and it is dead-lettered.
    await stack.sims.hubspot.admin.setFaults({ errorRate: 1, endpoints: ['calls.create'] });
    const receipt = await gql(
      stack.tokens.agent,
      'mutation($input: CallOutcomeInput!) { recordCallOutcome(input: $input) { id } }',
      {
        input: {
          contactId: 'hubspot:1001',
          callId: `call-${randomUUID()}`,
          decisionId: `dec-${randomUUID()}`,
          idempotencyKey: `console-${randomUUID()}`,
          disposition: 'CONNECTED',
          summary: 'Talked about the renewal',
          occurredAt: new Date().toISOString(),
        },
      },
    );
    const id = receipt.recordCallOutcome.id as string;
    const row = b.page.locator(`#dead-letters tr[data-writeback="${id}"]`);
    await expect.poll(() => row.count(), { timeout: 60_000 }).toBe(1);
    expect(await row.innerText()).toMatch(/5\d\d|UNAVAILABLE/);
    await b.screenshot('console-dead-letter');

    // The cause is fixed; an operator clicks replay and watches it reach the CRM.
    await stack.sims.hubspot.admin.setFaults({ errorRate: 0 });
    await row.getByRole('button', { name: 'Replay' }).click();
    const replay = b.page.locator(`#replays tr[data-replay="${id}"] [data-status]`);
    await expect.poll(() => replay.getAttribute('data-status'), { timeout: 60_000 }).toBe('WRITTEN');
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(0);
    const written = await gql(stack.tokens.admin, 'query($id: ID!) { writeBack(id: $id) { status crmRecordId } }', {
      id,
    });
    expect(written.writeBack.status).toBe('WRITTEN');
    expect(await text(`#replays tr[data-replay="${id}"]`)).toContain(written.writeBack.crmRecordId);
    await b.screenshot('console-replayed');
    expect(b.blocked).toEqual([]);
  }, 150_000);

  it('shows a compliance user the audit of a number with a decision explained rule by rule', async () => {
    const phone = '+12125550166';
    await gql(
      stack.tokens.compliance,
      'query($p: String!) { callPermission(phone: $p, purpose: MARKETING) { decisionId } }',
      { p: phone },
    );
    await b.page.getByLabel('token').fill(stack.tokens.compliance);
    // The compliance role has no pipeline access: the panel shows the server's typed refusal.
    await expect.poll(() => text('#pipeline'), { timeout: 30_000 }).toContain('FORBIDDEN');
    const search = async () => {
      await b.page.getByLabel('audit phone').fill(phone);
      await b.page.getByRole('button', { name: 'Search' }).click();
      return b.page.locator('[data-explanation]').count();
    };
    await expect.poll(search, { timeout: 30_000 }).toBe(1);
    expect(await text('[data-explanation] tr[data-rule="A1-A4"]')).toContain('DENIED');
    expect(await text('[data-explanation] tr[data-rule="A1-A4"]')).toContain('NO_CONSENT');
    await b.screenshot('console-audit');
    expect(b.blocked).toEqual([]);
  }, 60_000);
});
