import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticker } from '../../shared/crm/drift-watch.js';
import { KeyPrefix, salesforceId } from '../../sim/data/index.js';
import { loadHubspotSubgraphConfig } from '../../subgraphs/hubspot/config.js';
import { loadSalesforceSubgraphConfig } from '../../subgraphs/salesforce/config.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * Drift on a consent-critical field fails closed at once, even for contacts cached before it
 * (issue 11): a contact read before Contact.DoNotCall was renamed kept answering with its old flag
 * until its cache entry expired. The drift watch learns the drift from any read or from its
 * periodic describe (ticked by hand here, so nothing sleeps), evicts the CRM's cached contacts,
 * and the decision answers COMPLIANCE_DATA_UNAVAILABLE; when the field comes back the same check
 * evicts again and the decision recovers. The cache lives a minute, so only the watch explains
 * a changed answer within the polling deadlines below.
 */

const DAY = 86_400_000;
const AT = new Date(Math.ceil(Date.now() / DAY) * DAY + 17 * 3_600_000).toISOString();
const RENAME = { object: 'Contact', field: 'DoNotCall', action: 'rename', to: 'Do_Not_Call__c' } as const;

/** A ticker driven by the test: `tick()` runs every registered check once. */
function manualTicker(): { ticker: Ticker; tick(): void } {
  const fns = new Set<() => void>();
  return {
    ticker: (_ms, fn) => {
      fns.add(fn);
      return () => fns.delete(fn);
    },
    tick: () => fns.forEach((fn) => fn()),
  };
}

const clock = manualTicker();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    contacts: 200,
    env: { CACHE_TTL_MS: '60000', DRIFT_CHECK_INTERVAL_MS: '2000' },
    crmRuntime: { driftTicker: clock.ticker },
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
  return (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}
const PERMISSION = `query($id: ID!, $at: DateTime) { contact(id: $id) { id primaryPhone callPermission(purpose: MARKETING, at: $at) { reasons } } }`;
const reasons = async (id: string): Promise<string[]> =>
  (await gateway(PERMISSION, { id: `salesforce:${id}`, at: AT })).data!.contact.callPermission.reasons;

/** Salesforce contacts with a US number the decision can reason about (no early INVALID_NUMBER / jurisdiction stop). */
async function decidableContacts(count: number): Promise<string[]> {
  const out: string[] = [];
  for (let row = 0; out.length < count && row < 200; row++) {
    const id = salesforceIdAt(row);
    const answer = (await gateway(PERMISSION, { id: `salesforce:${id}`, at: AT })).data?.contact;
    const early = ['INVALID_NUMBER', 'JURISDICTION_UNSUPPORTED', 'COMPLIANCE_DATA_UNAVAILABLE'];
    if (answer?.primaryPhone && !answer.callPermission.reasons.some((r: string) => early.includes(r))) out.push(id);
  }
  return out;
}
async function criticalDriftGauge(): Promise<number> {
  const text = await (await fetch(new URL('/metrics', stack.urls.salesforce))).text();
  const line = text.split('\n').find((l) => l.startsWith('dialplane_crm_consent_critical_drift{'));
  return Number(line?.split(' ').at(-1));
}
const salesforceIdAt = (row: number) => salesforceId(KeyPrefix.Contact, row);

describe('drift on Contact.DoNotCall fails closed for cached contacts', () => {
  it('the periodic describe evicts cached contacts on a rename and again when the field comes back', async () => {
    const [cached] = await decidableContacts(1);
    expect(await reasons(cached!)).not.toContain('COMPLIANCE_DATA_UNAVAILABLE');

    await stack.sims.salesforce.admin.setDrift(RENAME);
    // Cached before the rename and no change event: the old answer stands until the watch looks.
    expect(await reasons(cached!)).not.toContain('COMPLIANCE_DATA_UNAVAILABLE');
    clock.tick();
    await expect.poll(() => reasons(cached!), { timeout: 1_500 }).toContain('COMPLIANCE_DATA_UNAVAILABLE');
    // Operators see it: a gauge, and the field named in readiness (still ready: reads work).
    expect(await criticalDriftGauge()).toBe(1);
    const ready = await fetch(new URL('/readyz', stack.urls.salesforce));
    expect(ready.status).toBe(200);
    expect(await ready.text()).toContain('Contact.DoNotCall');

    await stack.sims.salesforce.admin.clearDrift();
    clock.tick();
    await expect.poll(() => reasons(cached!), { timeout: 1_500 }).not.toContain('COMPLIANCE_DATA_UNAVAILABLE');
    expect(await criticalDriftGauge()).toBe(0);
  });

  it('a read of any other contact that meets the drift evicts the cached ones (no periodic check needed)', async () => {
    const [cached] = await decidableContacts(1);
    expect(await reasons(cached!)).not.toContain('COMPLIANCE_DATA_UNAVAILABLE');
    await stack.sims.salesforce.admin.setDrift(RENAME);
    try {
      // A contact nobody has read yet: its load goes to the CRM and meets the renamed field.
      const other = await gateway(`query($id: ID!) { contact(id: $id) { id suppression { doNotCall } } }`, {
        id: `salesforce:${salesforceIdAt(190)}`,
      });
      expect(other.errors?.map((e) => e.extensions?.code)).toContain('CRM_SCHEMA_DRIFT');
      await expect.poll(() => reasons(cached!), { timeout: 1_500 }).toContain('COMPLIANCE_DATA_UNAVAILABLE');
    } finally {
      await stack.sims.salesforce.admin.clearDrift();
      clock.tick();
    }
  });
});

describe('DRIFT_CHECK_INTERVAL_MS', () => {
  it('defaults to 3 s, accepts 0 (reads only) and refuses a hammering or malformed value', () => {
    expect(loadSalesforceSubgraphConfig({}).runtime.driftCheckIntervalMs).toBe(3_000);
    expect(loadHubspotSubgraphConfig({ DRIFT_CHECK_INTERVAL_MS: '0' }).runtime.driftCheckIntervalMs).toBe(0);
    expect(() => loadSalesforceSubgraphConfig({ DRIFT_CHECK_INTERVAL_MS: '100' })).toThrow(/DRIFT_CHECK_INTERVAL_MS/);
    expect(() => loadSalesforceSubgraphConfig({ DRIFT_CHECK_INTERVAL_MS: 'soon' })).toThrow(/DRIFT_CHECK_INTERVAL_MS/);
  });
});
