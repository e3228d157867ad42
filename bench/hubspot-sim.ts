import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closedLoop, destroyAgents, send, statLine, type LatencyStats, type RequestSpec } from './load.js';
import { startHubspotSim } from '../sim/hubspot/server.js';

/**
 * The HubSpot simulator's own overhead, latency knob at 0: a 100-id contacts batch read (the
 * subgraph's hot-path call) over keep-alive HTTP against a generated 10,000-contact portal. The
 * same-run baseline is a bare node:http server answering the same response bytes without doing
 * anything, so "sim cost" = sim latency - floor, on whatever machine runs it. Aim: p50 under 2 ms.
 */

export interface HubspotSimBenchOptions {
  /** Contacts in the generated portal. */
  contacts?: number;
  durationMs?: number;
  /** Closed-loop clients; 1 measures per-request cost, more measures throughput. */
  concurrency?: number[];
}

export interface HubspotSimBenchResult {
  concurrency: number;
  sim: LatencyStats;
  /** Bare HTTP server answering the same bytes: the floor the sim's overhead sits on. */
  floor: LatencyStats;
}

const PROPERTIES = [
  'firstname',
  'lastname',
  'email',
  'phone',
  'mobilephone',
  'hs_timezone',
  'state',
  'country',
  'lifecyclestage',
  'dialplane_do_not_call',
  'hs_email_optout',
];

export async function benchHubspotSim(options: HubspotSimBenchOptions = {}): Promise<HubspotSimBenchResult[]> {
  const contacts = options.contacts ?? 10_000;
  const durationMs = options.durationMs ?? 3_000;
  const sim = await startHubspotSim({
    port: 0,
    latency: { medianMs: 0, jitterMs: 0 },
    seed: 'bench',
    contacts,
    requestLogSize: 0,
  });
  // Windows of 100 consecutive ids sliding over the portal, so reads are not all of one hot set.
  const body = (i: number) =>
    JSON.stringify({
      inputs: Array.from({ length: 100 }, (_, k) => ({ id: String(1001 + ((i * 100 + k) % contacts)) })),
      properties: PROPERTIES,
      propertiesWithHistory: [],
    });
  const headers = { authorization: 'Bearer dev-hubspot-token', 'content-type': 'application/json' };
  const simSpec: RequestSpec = { url: `${sim.url}/crm/v3/objects/contacts/batch/read`, method: 'POST', headers, body };
  const ok = (status: number) => status === 200;

  // Warm-up outside the measurement: JIT, and one pass over the portal so first-touch row
  // generation (a generated portal's cost, not the simulator's) is not what gets measured.
  let sample = '';
  for (let i = 0; i < Math.ceil(Math.min(contacts, 50_000) / 100); i++) {
    const r = await send(simSpec, i);
    if (r.status !== 200) throw new Error(`warm-up read answered ${r.status}`);
    sample = r.body;
  }

  const floorServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json;charset=utf-8',
        'content-length': Buffer.byteLength(sample),
      });
      res.end(sample);
    });
  });
  await new Promise<void>((resolve) => floorServer.listen(0, '127.0.0.1', resolve));
  const floorSpec: RequestSpec = {
    ...simSpec,
    url: `http://127.0.0.1:${(floorServer.address() as AddressInfo).port}/`,
  };

  const results: HubspotSimBenchResult[] = [];
  try {
    for (const concurrency of options.concurrency ?? [1, 8]) {
      const floor = await closedLoop(floorSpec, concurrency, durationMs, ok);
      const simStats = await closedLoop(simSpec, concurrency, durationMs, ok);
      results.push({ concurrency, sim: simStats, floor });
    }
  } finally {
    destroyAgents();
    await new Promise<void>((resolve) => {
      floorServer.close(() => resolve());
      floorServer.closeAllConnections();
    });
    await sim.close();
  }
  return results;
}

/** The `bench/index.ts` section shape: prints its lines and reports the figures. */
export async function runHubspotSimOverhead(
  report: (section: string, data: Record<string, unknown>) => void,
): Promise<void> {
  const results = await benchHubspotSim();
  for (const r of results) {
    console.log(statLine(`hubspot sim batch read x100 (c=${r.concurrency})`, r.sim));
    console.log(statLine(`  bare HTTP floor, same bytes (c=${r.concurrency})`, r.floor));
    report(`sim-overhead.hubspot.c${r.concurrency}`, {
      rps: r.sim.rps,
      p50Ms: r.sim.p50,
      p99Ms: r.sim.p99,
      floorRps: r.floor.rps,
      floorP50Ms: r.floor.p50,
      floorP99Ms: r.floor.p99,
      simCostP50Ms: r.sim.p50 - r.floor.p50,
      errors: r.sim.errors,
    });
  }
}
