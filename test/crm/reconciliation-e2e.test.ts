import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';
import { startStack, type Stack } from '../support/stack.js';
import { collect, post, wsClient } from '../gateway/fixtures/client.js';

/**
 * The failure story of the seed article: an opt-out recorded in the CRM that never reached the
 * dialer. The simulators lose (or hold back) every change event; reconciliation must still bring
 * the do-not-call flag to the consent ledger and to subscribed agents within an interval, and a
 * held-back event arriving late, or an event the webhook already applied, must not be applied again.
 */

const INTERVAL_MS = 400;
const SUBSCRIPTION = 'subscription($p: [String!]) { consentRevoked(phones: $p) { phone channel source } }';
const REVOCATIONS = 'query($p: [String!]) { consentRevocations(phones: $p) { channel source } }';

// Demo contacts (sim/data/demo-contacts.ts): the same in every seed.
const SF_DANA = { id: '003Dp0000000000IAA', phone: '+14155550100' };
const SF_LEILANI = { id: '003Dp0000000002IAA', phone: '+18085550120' };
const HS_AISHA = { id: '1004', phone: '+19155550180' };
const HS_TOMAS = { id: '1003', phone: '+19075550170' };
const PHONES = [SF_DANA.phone, SF_LEILANI.phone, HS_AISHA.phone, HS_TOMAS.phone];

let stack: Stack;
let database: Awaited<ReturnType<typeof createTestDatabase>>;

/** Successful reconciliation runs so far, from the CRM subgraph's /metrics. */
async function reconcileRuns(crm: 'salesforce' | 'hubspot'): Promise<number> {
  const text = await (await fetch(new URL('/metrics', stack.urls[crm]))).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('dialplane_crm_reconcile_runs_total{') &&
        l.includes(`crm="${crm}"`) &&
        l.includes('outcome="success"'),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Waits until two more runs succeeded: the second one started after this call. */
async function aFullRunLater(crm: 'salesforce' | 'hubspot'): Promise<void> {
  const before = await reconcileRuns(crm);
  await expect.poll(() => reconcileRuns(crm), { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(before + 2);
}

async function ledgerEntries(phone: string) {
  const viaGateway = await post(stack.gatewayUrl, REVOCATIONS, {
    token: stack.tokens.compliance,
    variables: { p: [phone] },
  });
  expect(viaGateway.body.errors).toBeUndefined();
  return viaGateway.body.data!.consentRevocations as { channel: string; source: string }[];
}

describeWithPostgres('reconciliation when the CRMs lose their change events', () => {
  // PostgreSQL (shared by consent, engagement and both CRM subgraphs' reconciliation, as in
  // production) rather than four embedded PGlite instances: faster to start on a busy machine.
  beforeAll(async () => {
    database = await createTestDatabase('reconcile_e2e');
    stack = await startStack({
      contacts: 50,
      databaseUrl: database.url,
      env: {
        RECONCILE_INTERVAL_MS: String(INTERVAL_MS),
        RECONCILE_SKEW_MARGIN_MS: '1000',
        RECONCILE_STALE_ALERT_MS: '60000',
      },
    });
  }, 90_000);
  afterAll(async () => {
    await stack?.close();
    await database?.drop();
  });

  it('a do-not-call set while every delivery is dropped reaches the ledger and the subscribers, once', async () => {
    const client = wsClient(stack.wsUrl, stack.tokens.agent);
    const stream = collect(client, SUBSCRIPTION, { p: PHONES });
    try {
      // The subscription is live once the gateway relays; give it a first run to settle on.
      await aFullRunLater('salesforce');
      await stack.sims.salesforce.admin.setDeliveryMode('drop');
      await stack.sims.hubspot.admin.setDeliveryMode('drop');

      await stack.sims.salesforce.admin.edit({ kind: 'doNotCall', contactId: SF_DANA.id, value: true });
      await stack.sims.hubspot.admin.edit({ kind: 'doNotCall', contactId: HS_AISHA.id, value: true });
      const editedAt = Date.now();
      // Nothing was delivered: only reconciliation can bring these in.
      expect((await stack.sims.salesforce.admin.stats()).deliveries).toMatchObject({
        dropped: 1,
        delivered: 0,
        pending: 0,
      });
      expect((await stack.sims.hubspot.admin.stats()).deliveries).toMatchObject({ delivered: 0, pending: 0 });
      expect((await stack.sims.hubspot.admin.stats()).deliveries.dropped).toBeGreaterThanOrEqual(1);

      await expect
        .poll(() => stream.results.map((r) => r.data.consentRevoked.phone).sort(), { timeout: 10_000, interval: 25 })
        .toEqual([SF_DANA.phone, HS_AISHA.phone].sort());
      const elapsed = Date.now() - editedAt;
      console.info(`do-not-call pushed to subscribers ${elapsed} ms after the edit (interval ${INTERVAL_MS} ms)`);
      expect(stream.results.map((r) => r.data.consentRevoked)).toEqual(
        expect.arrayContaining([
          { phone: SF_DANA.phone, channel: 'CRM_FLAG', source: 'crm:salesforce' },
          { phone: HS_AISHA.phone, channel: 'CRM_FLAG', source: 'crm:hubspot' },
        ]),
      );

      // Held back, then released late: the webhook arrives after reconciliation applied the change.
      await stack.sims.hubspot.admin.setDeliveryMode('hold');
      await stack.sims.hubspot.admin.edit({ kind: 'doNotCall', contactId: HS_TOMAS.id, value: true });
      await expect
        .poll(() => stream.results.some((r) => r.data.consentRevoked.phone === HS_TOMAS.phone), {
          timeout: 10_000,
          interval: 25,
        })
        .toBe(true);
      expect((await stack.sims.hubspot.admin.stats()).deliveries.held).toBeGreaterThanOrEqual(1);
      await stack.sims.hubspot.admin.setDeliveryMode('deliver');
      await stack.sims.hubspot.admin.waitForDeliveries();
      expect((await stack.sims.hubspot.admin.stats()).deliveries).toMatchObject({ held: 0, pending: 0, failed: 0 });

      // Deliveries back: the webhook applies first, and the next reconciliation must not re-apply it.
      await stack.sims.salesforce.admin.setDeliveryMode('deliver');
      await stack.sims.salesforce.admin.edit({ kind: 'doNotCall', contactId: SF_LEILANI.id, value: true });
      await stack.sims.salesforce.admin.waitForDeliveries();
      expect((await stack.sims.salesforce.admin.stats()).deliveries.delivered).toBe(1);
      // Every number reached the subscriber; then two more runs each, for anything applied twice to show.
      await expect
        .poll(() => stream.results.length, { timeout: 10_000, interval: 25 })
        .toBeGreaterThanOrEqual(PHONES.length);
      await aFullRunLater('salesforce');
      await aFullRunLater('hubspot');

      // Exactly one revocation per number, in the ledger and on the stream.
      for (const phone of PHONES) expect(await ledgerEntries(phone)).toHaveLength(1);
      const pushed = stream.results.map((r) => r.data.consentRevoked.phone).sort();
      expect(pushed).toEqual([...PHONES].sort());
    } finally {
      stream.dispose();
      await client.dispose();
    }
  }, 60_000);
});
