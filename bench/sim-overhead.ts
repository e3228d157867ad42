import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { closedLoop, destroyAgents, send, statLine, type LatencyStats, type RequestSpec } from './load.js';
import { startSalesforceSim } from '../sim/salesforce/server.js';
import { benchHubspotSim } from './hubspot-sim.js';
import { generateSalesforceDataset } from '../sim/data/index.js';

/**
 * The simulators' own overhead with latency 0: requests/s and p50/p99 of a 100-id batch read
 * (Salesforce sObject Collections retrieve, HubSpot contacts batch read), next to a bare node:http
 * server answering the same-sized body, measured in the same run as the baseline. The aim
 * (issue 2) is p50 under 2 ms, so a simulator is never what a dialplane benchmark measures.
 */

export type Report = (section: string, data: Record<string, unknown>) => void;

export interface SimOverheadOptions {
  contacts?: number;
  durationMs?: number;
  concurrency?: number[];
}

const FIELDS = [
  'Id',
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  'MobilePhone',
  'HomePhone',
  'MailingState',
  'MailingCountry',
  'MailingPostalCode',
  'DoNotCall',
  'HasOptedOutOfEmail',
  'LastModifiedDate',
];

/** A node:http server that reads the request and answers a fixed body: the floor of any simulator. */
async function startBaseline(responseBody: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json;charset=UTF-8',
        'content-length': Buffer.byteLength(responseBody),
      });
      res.end(responseBody);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export async function runSimOverhead(report: Report, options: SimOverheadOptions = {}): Promise<void> {
  const contacts = options.contacts ?? 10_000;
  const durationMs = options.durationMs ?? 3_000;
  const concurrency = options.concurrency ?? [1, 8];
  const ids = [...generateSalesforceDataset({ seed: 'bench', contacts }).Contact.values()].map((c) => c.Id);
  const token = 'bench-token';
  const sf = await startSalesforceSim({
    port: 0,
    seed: 'bench',
    contacts,
    latency: { medianMs: 0, jitterMs: 0 },
    requestLogSize: 0,
    staticAccessTokens: [token],
  });
  // Windows of 100 consecutive ids sliding over the org, so reads are not all of one hot set.
  const body = (i: number) =>
    JSON.stringify({ ids: Array.from({ length: 100 }, (_, k) => ids[(i * 100 + k) % ids.length]), fields: FIELDS });
  const sfSpec: RequestSpec = {
    url: `${sf.url}/services/data/v62.0/composite/sobjects/Contact`,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  };
  const ok = (status: number) => status === 200;
  const rows: { name: string; concurrency: number; stats: LatencyStats; baseline?: LatencyStats }[] = [];
  try {
    // Warm-up: JIT, plus first-touch generation of every row (the dataset's cost, not the server's).
    let sample = '';
    for (let i = 0; i < Math.ceil(Math.min(ids.length, 50_000) / 100); i++) {
      const r = await send(sfSpec, i);
      if (r.status !== 200) throw new Error(`warm-up read answered ${r.status}: ${r.body.slice(0, 200)}`);
      sample = r.body;
    }
    const baseline = await startBaseline(sample);
    try {
      const baseSpec: RequestSpec = { ...sfSpec, url: `${baseline.url}/echo` };
      for (let i = 0; i < 200; i++) await send(baseSpec, i);
      for (const c of concurrency) {
        const floor = await closedLoop(baseSpec, c, durationMs, ok);
        rows.push({ name: 'baseline: bare node:http, salesforce bodies', concurrency: c, stats: floor });
        rows.push({
          name: 'salesforce sim: collections retrieve x100',
          concurrency: c,
          stats: await closedLoop(sfSpec, c, durationMs, ok),
          baseline: floor,
        });
      }
    } finally {
      await baseline.close();
    }
  } finally {
    destroyAgents();
    await sf.close();
  }
  // The HubSpot bench measures its own bare-server floor with HubSpot-sized bodies in the same run.
  for (const r of await benchHubspotSim({ contacts, durationMs, concurrency })) {
    rows.push({ name: 'baseline: bare node:http, hubspot bodies', concurrency: r.concurrency, stats: r.floor });
    rows.push({
      name: 'hubspot sim: contacts batch read x100',
      concurrency: r.concurrency,
      stats: r.sim,
      baseline: r.floor,
    });
  }

  for (const r of rows) {
    const base = r.baseline;
    const ratio = base
      ? {
          p50VsBaseline: r.stats.p50 / base.p50,
          rpsVsBaseline: r.stats.rps / base.rps,
          p50OverheadMs: r.stats.p50 - base.p50,
        }
      : {};
    console.log(
      `${statLine(`${r.name} (c=${r.concurrency})`, r.stats)}${base ? `  p50 x${(r.stats.p50 / base.p50).toFixed(2)} of baseline` : ''}`,
    );
    report('sim', {
      name: r.name,
      concurrency: r.concurrency,
      contacts,
      ...r.stats,
      ...ratio,
      p50Under2ms: r.stats.p50 < 2,
    });
  }
}

/** Entry the bench runner (bench/index.ts) calls. */
export const run = (report: Report) => runSimOverhead(report);

// Runnable alone: `npx tsx bench/sim-overhead.ts` (or node dist/bench/sim-overhead.js).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const durationMs = Number(process.env.BENCH_DURATION_MS ?? 3_000);
  await runSimOverhead(() => undefined, { durationMs });
  process.exit(0);
}
