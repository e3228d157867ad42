/**
 * The cold-read column of the call-start bench (issue 17): the CRM part of the call-start document
 * (`CRM_ONLY_QUERY`) through the gateway for contacts nobody has read, against the official client
 * reading as many other never-read contacts straight from the simulator at the same concurrency.
 *
 *   dialplane: `concurrency` callers, each sending the query for the next distinct contact, until
 *     `count` were asked; the HubSpot subgraph at its default settings (adaptive batch concurrency,
 *     3 ms window), the simulator at its default latency;
 *   official client direct: @hubspot/api-client (wrapped by crm/hubspot/client.ts) making the same
 *     reads the subgraph makes for one contact (`loadContactBundles`: contact, associations, deals,
 *     calls), one contact per caller at a time, `count` distinct contacts, same concurrency.
 *
 * CRM calls are counted by the simulator (`/__sim/stats`), contact-read endpoints only (the drift
 * watch's describes and reconciliation pages are not cold reads). Batches in flight are what the
 * simulator's request log shows overlapping. Dialplane runs first: the official client spends five
 * calls per contact, which empties HubSpot's burst window (190 per 10 s, reported by the simulator
 * in `X-HubSpot-RateLimit-Remaining`), and the subgraph would read that as no budget to spare.
 */
import { SimAdminClient } from '../sim/common/admin-client.js';
import type { RequestLogEntry } from '../sim/common/request-stats.js';
import { fmt, send, stats, statLine, type LatencyStats, type RequestSpec } from './load.js';

/** The HubSpot endpoints one contact batch load calls (crm/hubspot/loaders.ts). */
export const CONTACT_READ_ENDPOINTS = [
  'contacts.batchRead',
  'associations.batchRead',
  'deals.batchRead',
  'calls.batchRead',
];
const HUBSPOT_TOKEN = 'dev-hubspot-token';

export interface ColdReadsOptions {
  gatewayUrl: string;
  simUrl: string;
  /** Bearer token of an agent. */
  token: string;
  /** The CRM part of the call-start document, `$id` its only variable. */
  query: string;
  /** Contacts asked by each side. @default 1000 */
  count?: number;
  /** Callers at once, both sides. @default 50 */
  concurrency?: number;
  /** Skip this many of the simulator's contacts (ones other phases read). @default 1 */
  skip?: number;
  /**
   * The burst window the simulated portal reports and enforces while dialplane reads (requests per
   * 10 s); unset = the simulator's default (reports HubSpot's 190 per 10 s, refuses nothing). The
   * official client reads with the default either way.
   */
  burstLimit?: number;
  log?: (line: string) => void;
}

export interface ColdSide {
  stats: LatencyStats;
  crmCalls: number;
  crmCallsPer1000: number;
}

export interface ColdReadsResult {
  /** The portal's burst window while dialplane read: `default budget` or `burst <n>/10 s`. */
  budget: string;
  count: number;
  concurrency: number;
  dialplane: ColdSide & { maxBatchesInFlight: number; batches: number };
  officialDirect: ColdSide;
  p50Ratio: number;
  p99Ratio: number;
  goals: Record<string, { target: string; measured: string; met: boolean }>;
}

/** `concurrency` callers running `fn` until `total` calls were made (each index once). */
export async function countedLoop(
  fn: (i: number) => Promise<boolean>,
  concurrency: number,
  total: number,
): Promise<LatencyStats> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now();
        try {
          if (!(await fn(i))) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return stats(latencies, errors, performance.now() - started);
}

/** Most requests in flight at once among `entries` (an end and a start at the same ms do not overlap). */
export function maxOverlap(entries: readonly RequestLogEntry[]): number {
  const edges: [number, number][] = [];
  for (const e of entries) {
    const start = Date.parse(e.at);
    edges.push([start, 1], [start + e.durationMs, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d));
  return most;
}

async function contactReads(admin: SimAdminClient): Promise<number> {
  const { counters } = await admin.stats();
  return CONTACT_READ_ENDPOINTS.reduce((n, e) => n + (counters[e] ?? 0), 0);
}

async function simContactIds(simUrl: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  while (ids.length < n) {
    const page = JSON.parse(
      (
        await send(
          {
            url: `${simUrl}/crm/v3/objects/contacts?limit=100${after ? `&after=${after}` : ''}`,
            headers: { authorization: `Bearer ${HUBSPOT_TOKEN}` },
          },
          0,
        )
      ).body,
    ) as { results: { id: string }[]; paging?: { next?: { after: string } } };
    ids.push(...page.results.map((r) => r.id));
    after = page.paging?.next?.after;
    if (!after) break;
  }
  return ids;
}

/** A portal whose burst window is no constraint at these rates: what the concurrency does when the budget allows. */
export const AMPLE_BURST_LIMIT = 10_000;

/**
 * The column twice on the same stack: the portal's default budget, then an ample burst window
 * (distinct contacts each time; the simulator needs 1 + 4 x count of them).
 */
export async function runColdColumn(
  options: Omit<ColdReadsOptions, 'skip' | 'burstLimit'>,
): Promise<ColdReadsResult[]> {
  const count = options.count ?? 1_000;
  return [
    await runColdReads({ ...options, skip: 1 }),
    await runColdReads({ ...options, skip: 1 + 2 * count, burstLimit: AMPLE_BURST_LIMIT }),
  ];
}

export async function runColdReads(options: ColdReadsOptions): Promise<ColdReadsResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const count = options.count ?? 1_000;
  const concurrency = options.concurrency ?? 50;
  const skip = options.skip ?? 1;
  const admin = new SimAdminClient(options.simUrl);
  const latency = (await admin.knobs()).latency;
  // Listing at the simulator's latency would take minutes; the knob goes back before measuring.
  await admin.setLatency({ ...latency, medianMs: 0, jitterMs: 0 });
  const all = await simContactIds(options.simUrl, skip + 2 * count);
  const budget = options.burstLimit === undefined ? 'default budget' : `burst ${options.burstLimit}/10 s`;
  await admin.setLatency(latency);
  if (all.length < skip + 2 * count)
    throw new Error(`cold reads need ${skip + 2 * count} contacts in the simulator, it has ${all.length}`);
  const ours = all.slice(skip, skip + count);
  const theirs = all.slice(skip + count, skip + 2 * count);
  const ok = (status: number, body: string) => status === 200 && !body.includes('"errors"') && body.includes('"id"');

  const spec: RequestSpec = {
    url: options.gatewayUrl,
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}` },
    body: (i) => JSON.stringify({ query: options.query, variables: { id: `hubspot:${ours[i]}` } }),
  };
  await admin.reset('stats');
  if (options.burstLimit !== undefined)
    await admin.setRateLimit({ enabled: true, limit: options.burstLimit, windowMs: 10_000 });
  let dialplaneStats: LatencyStats;
  try {
    dialplaneStats = await countedLoop(
      async (i) => {
        const r = await send(spec, i);
        return ok(r.status, r.body);
      },
      concurrency,
      count,
    );
  } finally {
    if (options.burstLimit !== undefined) await admin.setRateLimit({ enabled: false, limit: 100, windowMs: 10_000 });
  }
  const dialplaneCalls = await contactReads(admin);
  const batchReads = (await admin.requests({ endpoint: 'contacts.batchRead' })).filter((e) => e.status === 200);

  const { HubspotClient } = await import('../crm/hubspot/client.js');
  const { loadContactBundles } = await import('../crm/hubspot/loaders.js');
  const client = new HubspotClient({ baseUrl: options.simUrl, accessToken: HUBSPOT_TOKEN });
  await admin.reset('stats');
  const directStats = await countedLoop(
    async (i) => (await loadContactBundles(client, [theirs[i]!])).has(theirs[i]!),
    concurrency,
    count,
  );
  const directCalls = await contactReads(admin);
  client.close();

  const per1000 = (calls: number, s: LatencyStats) => (s.count ? (calls / s.count) * 1000 : NaN);
  const dialplane = {
    stats: dialplaneStats,
    crmCalls: dialplaneCalls,
    crmCallsPer1000: per1000(dialplaneCalls, dialplaneStats),
    maxBatchesInFlight: maxOverlap(batchReads),
    batches: batchReads.length,
  };
  const officialDirect = {
    stats: directStats,
    crmCalls: directCalls,
    crmCallsPer1000: per1000(directCalls, directStats),
  };
  const p50Ratio = dialplaneStats.p50 / directStats.p50;
  const p99Ratio = dialplaneStats.p99 / directStats.p99;
  log(
    `${statLine(`cold reads (${budget}): dialplane, ${concurrency} clients`, dialplaneStats)}  CRM calls/1000 ${fmt(dialplane.crmCallsPer1000, 1)}, ${dialplane.batches} batches, at most ${dialplane.maxBatchesInFlight} in flight`,
  );
  log(
    `${statLine(`cold reads (${budget}): official client, ${concurrency} clients`, directStats)}  CRM calls/1000 ${fmt(officialDirect.crmCallsPer1000, 1)}`,
  );
  const goals = {
    coldP50: {
      target: `cold p50 within 1.2x of the official client direct (${budget})`,
      measured: `x${fmt(p50Ratio)} (${fmt(dialplaneStats.p50)} vs ${fmt(directStats.p50)} ms; p99 x${fmt(p99Ratio)})`,
      met: p50Ratio <= 1.2,
    },
    coldCalls: {
      target: `< 30 CRM calls per 1,000 cold queries (${budget})`,
      measured: `${fmt(dialplane.crmCallsPer1000, 1)} (official client: ${fmt(officialDirect.crmCallsPer1000, 1)})`,
      met: dialplane.crmCallsPer1000 < 30,
    },
  };
  for (const g of Object.values(goals)) log(`goal ${g.target}: ${g.measured} ${g.met ? 'MET' : 'NOT MET'}`);
  return { budget, count, concurrency, dialplane, officialDirect, p50Ratio, p99Ratio, goals };
}
