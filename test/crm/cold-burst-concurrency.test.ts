import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import { DEV_SECRETS } from '../../shared/config.js';
import { signIdentity } from '../../shared/identity.js';
import { silentLogger } from '../../shared/logger.js';
import type { RequestLogEntry } from '../../sim/common/request-stats.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import { startHubspotSubgraph } from '../../subgraphs/hubspot/server.js';
import { startSalesforceSubgraph } from '../../subgraphs/salesforce/server.js';
import { uniquePrefix } from '../support/services.js';

/**
 * Cold bursts against the simulators with the subgraph's default batch settings (issue 17): the
 * adaptive batch concurrency (shared/crm/batch-concurrency.ts) puts more than one batch in flight
 * while the CRM reports budget to spare, still with few CRM calls per cold query, and returns to
 * one batch when the CRM rate-limits or its budget runs low. "In flight" is what the simulator saw:
 * overlapping batch requests in its request log.
 */

const SECRET = 'cold-burst-test-internal-secret';
const SF = {
  clientId: 'dialplane-dev',
  clientSecret: 'dev-salesforce-secret',
  apiVersion: '62.0',
  webhookSecret: DEV_SECRETS.SALESFORCE_WEBHOOK_SECRET,
};
const HUBSPOT_TOKEN = 'dev-hubspot-token';
const QUERY = 'query($id: ID!) { contact(id: $id) { id suppression { doNotCall } } }';
/** Calls that are not contact reads (the grant, describes). */
const OVERHEAD = new Set(['oauth.token', 'sobject.describe', 'properties.list']);

async function ask(
  url: string,
  id: string,
): Promise<{ data?: { contact: { id: string } | null }; errors?: unknown[] }> {
  const body = JSON.stringify({ query: QUERY, variables: { id } });
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-dialplane-identity': signIdentity({ sub: 'agent-1', roles: ['agent'] }, SECRET, { body }),
    },
    body,
  });
  return (await res.json()) as { data?: { contact: { id: string } | null }; errors?: unknown[] };
}

/** `clients` concurrent callers reading `ids` once each (closed loop): every read is cold. */
async function burst(url: string, ids: readonly string[], clients: number) {
  let next = 0;
  const answers: Awaited<ReturnType<typeof ask>>[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < ids.length) answers.push(await ask(url, ids[next++]!));
    }),
  );
  return answers;
}

const span = (e: RequestLogEntry) => {
  const start = Date.parse(e.at);
  return { start, end: start + e.durationMs };
};

/** Most requests in flight at once among `entries`. */
function maxOverlap(entries: readonly RequestLogEntry[]): number {
  const edges = entries.flatMap((e) => {
    const { start, end } = span(e);
    return [
      [start, 1],
      [end, -1],
    ] as const;
  });
  // Ends before starts at the same instant: back-to-back batches do not overlap.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d));
  return most;
}

/** The subgraph's `dialplane_crm_batch_concurrency` gauge. */
async function concurrencyGauge(sg: RunningCrmSubgraph): Promise<number> {
  const text = await (await fetch(`${sg.baseUrl}/metrics`)).text();
  return Number(/^dialplane_crm_batch_concurrency\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
}

async function salesforceIds(sim: SalesforceSim, n: number): Promise<string[]> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: SF.clientId,
    client_secret: SF.clientSecret,
  });
  const token = (await (await fetch(`${sim.url}/services/oauth2/token`, { method: 'POST', body: form })).json()) as {
    access_token: string;
  };
  const res = await fetch(
    `${sim.url}/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id FROM Contact ORDER BY Id LIMIT ${n}`)}`,
    { headers: { authorization: `Bearer ${token.access_token}` } },
  );
  return ((await res.json()) as { records: { Id: string }[] }).records.map((r) => `salesforce:${r.Id}`);
}

describe('cold bursts with the adaptive batch concurrency (Salesforce simulator)', () => {
  let sim: SalesforceSim;
  let sg: RunningCrmSubgraph;
  let ids: string[];

  beforeAll(async () => {
    sim = await startSalesforceSim({ port: 0, contacts: 2_000, latency: { medianMs: 60, jitterMs: 10 } });
    ids = await salesforceIds(sim, 1_400);
    sg = await startSalesforceSubgraph({
      port: 0,
      salesforce: { loginUrl: sim.url, instanceUrl: sim.url, ...SF, timeoutMs: 2_000 },
      runtime: { cacheTtlMs: 60_000, batchWindowMs: 3, internalSecret: SECRET, keyPrefix: uniquePrefix('cold-sf') },
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await sg?.close();
    await sim?.close();
  });

  it('answers a cold burst of 1,000 distinct contacts from 100 clients with batches in parallel and < 30 CRM calls per 1,000', async () => {
    await sim.admin.reset('stats');
    const answers = await burst(sg.url, ids.slice(0, 1_000), 100);
    expect(answers.filter((a) => a.errors || !a.data?.contact)).toEqual([]);
    const log = await sim.admin.requests();
    const reads = log.filter((e) => !OVERHEAD.has(e.endpoint));
    expect(maxOverlap(reads)).toBeGreaterThan(1);
    expect(reads.length).toBeLessThan(30); // per 1,000 cold queries
    expect(sg.service.batchConcurrency!.limit).toBeGreaterThan(1);
    expect(await concurrencyGauge(sg)).toBe(sg.service.batchConcurrency!.limit);
  });

  it('goes back to one batch in flight when the CRM refuses for its request limit', async () => {
    expect(sg.service.batchConcurrency!.limit).toBeGreaterThan(1);
    await sim.admin.reset('stats');
    await sim.admin.setRateLimit({ enabled: true, limit: 0, windowMs: 60_000 });
    try {
      const answers = await burst(sg.url, ids.slice(1_000, 1_300), 100);
      expect(answers.every((a) => a.errors)).toBe(true);
      expect(sg.service.batchConcurrency!.limit).toBe(1);
      expect(await concurrencyGauge(sg)).toBe(1);
      const reads = (await sim.admin.requests()).filter((e) => !OVERHEAD.has(e.endpoint));
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.every((e) => e.status === 403)).toBe(true);
      // Once the first refusal came back, batches went out one at a time.
      const firstRefusalEnd = Math.min(...reads.map((e) => span(e).end));
      expect(maxOverlap(reads.filter((e) => span(e).start >= firstRefusalEnd))).toBe(1);
    } finally {
      await sim.admin.setRateLimit({ enabled: false, limit: 100, windowMs: 10_000 });
    }
  });
});

describe('cold bursts with the adaptive batch concurrency (HubSpot simulator, burst window)', () => {
  let sim: HubspotSim;
  let sg: RunningCrmSubgraph;
  let ids: string[];
  const direct = (path: string) =>
    fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${HUBSPOT_TOKEN}` } });

  beforeAll(async () => {
    sim = await startHubspotSim({ port: 0, contacts: 1_000, latency: { medianMs: 40, jitterMs: 5 } });
    ids = [];
    let after: string | undefined;
    while (ids.length < 400) {
      const res = await direct(`/crm/v3/objects/contacts?limit=100${after ? `&after=${after}` : ''}`);
      const page = (await res.json()) as { results: { id: string }[]; paging?: { next?: { after: string } } };
      ids.push(...page.results.map((r) => `hubspot:${r.id}`));
      after = page.paging?.next?.after;
      if (!after) break;
    }
    sg = await startHubspotSubgraph({
      port: 0,
      hubspot: {
        baseUrl: sim.url,
        accessToken: HUBSPOT_TOKEN,
        clientSecret: 'dev-hubspot-client-secret',
        timeoutMs: 2_000,
      },
      runtime: { cacheTtlMs: 60_000, batchWindowMs: 3, internalSecret: SECRET, keyPrefix: uniquePrefix('cold-hs') },
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await sg?.close();
    await sim?.close();
  });

  it('opens more batches while the burst window has room and returns to one when little is left, before any 429', async () => {
    // A long burst window (400 requests per 10 min) the test can spend down by hand.
    await sim.admin.setRateLimit({ enabled: true, limit: 400, windowMs: 600_000 });
    await sim.admin.reset('stats');
    const first = await burst(sg.url, ids.slice(0, 300), 100);
    expect(first.filter((a) => a.errors || !a.data?.contact)).toEqual([]);
    const batchReads = (await sim.admin.requests({ endpoint: 'contacts.batchRead' })).filter((e) => e.status === 200);
    expect(maxOverlap(batchReads)).toBeGreaterThan(1);
    expect(sg.service.batchConcurrency!.limit).toBeGreaterThan(1);

    // Spend the window down to 15 % left (other clients of the same app do this in production).
    const remaining = async () =>
      Number((await direct('/crm/v3/objects/contacts?limit=1')).headers.get('x-hubspot-ratelimit-remaining'));
    const spend = (await remaining()) - 60;
    for (let i = 0; i < spend; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, spend - i) }, () => direct('/crm/v3/objects/contacts?limit=1')),
      );
    expect(await remaining()).toBeLessThan(400 * 0.2);

    await sim.admin.reset('stats');
    const second = await burst(sg.url, ids.slice(300, 330), 30);
    expect(second.filter((a) => a.errors || !a.data?.contact)).toEqual([]);
    expect(sg.service.batchConcurrency!.limit).toBe(1);
    expect((await sim.admin.requests()).some((e) => e.status === 429)).toBe(false);
  });
});
