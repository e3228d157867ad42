import { closedLoop, destroyAgents, send, type LatencyStats } from '../../bench/load.js';
import { startHubspotSim } from './server.js';

/**
 * The HubSpot simulator's own overhead, latency knob at 0: a 100-id contacts batch read (the
 * subgraph's hot-path call) over keep-alive HTTP against a generated 10,000-contact portal.
 * Reported as throughput and p50/p99; the aim is p50 under 2 ms so the simulator is never what a
 * dialplane benchmark measures.
 */

export interface HubspotSimBenchOptions {
  /** Contacts in the generated portal. */
  contacts?: number;
  durationMs?: number;
  /** Closed-loop clients; 1 measures per-request cost, more measures throughput. */
  concurrency?: number[];
}

export interface HubspotSimBenchResult {
  name: string;
  concurrency: number;
  stats: LatencyStats;
}

export async function benchHubspotSim(options: HubspotSimBenchOptions = {}): Promise<HubspotSimBenchResult[]> {
  const contacts = options.contacts ?? 10_000;
  const sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 }, seed: 'bench', contacts, requestLogSize: 0 });
  const properties = ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'hs_timezone', 'state', 'country', 'lifecyclestage', 'dialplane_do_not_call', 'hs_email_optout'];
  // Windows of 100 consecutive ids sliding over the portal, so reads are not all of one hot set.
  const body = (i: number) =>
    JSON.stringify({
      inputs: Array.from({ length: 100 }, (_, k) => ({ id: String(1001 + ((i * 100 + k) % contacts)) })),
      properties,
      propertiesWithHistory: [],
    });
  const spec = {
    url: `${sim.url}/crm/v3/objects/contacts/batch/read`,
    method: 'POST' as const,
    headers: { authorization: 'Bearer dev-hubspot-token', 'content-type': 'application/json' },
    body,
  };
  const ok = (status: number) => status === 200;
  const results: HubspotSimBenchResult[] = [];
  try {
    // Warm-up outside the measurement: JIT, and one pass over the portal so first-touch row
    // generation (a generated portal's cost, not the simulator's) is not what gets measured.
    for (let i = 0; i < Math.ceil(Math.min(contacts, 50_000) / 100); i++) {
      const r = await send(spec, i);
      if (r.status !== 200) throw new Error(`warm-up read answered ${r.status}`);
    }
    for (const concurrency of options.concurrency ?? [1, 8]) {
      const stats = await closedLoop(spec, concurrency, options.durationMs ?? 3_000, ok);
      results.push({ name: 'hubspot sim: contacts batch read x100', concurrency, stats });
    }
  } finally {
    destroyAgents();
    await sim.close();
  }
  return results;
}
