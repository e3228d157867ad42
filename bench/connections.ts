/**
 * Routing by connection (issue 15): what a seller's own CRM connection costs on the call-start read.
 *
 * One CRM subgraph in its own process (sim/stacks/crm-connections-stack.ts: 50 sellers, each with
 * its own connection pipeline: cache namespace, batcher, breaker, phone index) and its own
 * simulated portal with the same data (the deployment account is the first one), so what differs
 * between the phases is the routing and the per-connection state, not the CRM. The load generator sends the CRM part of the call-start document
 * (examples/operations/call-start.graphql) with a signed identity per request, open loop at
 * 200 req/s, latencies from the scheduled send time:
 *   - single account: a seller without a connection, served by the deployment connection
 *     (what every request did before connections);
 *   - 2 connections: two sellers taking turns;
 *   - 50 connections: fifty sellers taking turns.
 * Every phase reads the same 1,000 distinct cached records (one seller: all of them; two: 500
 * each; fifty: 20 each), warmed right before it, at the default cache lifetime.
 * Phases are interleaved (single, 2, 50, three times over) and each figure is the median of its
 * rounds, so drift on this noisy machine hits every phase alike. Target: p99 of 2 and 50
 * connections within 10% of the single-account p99 of the same run.
 * Then one seller's CRM hangs every call while that seller reads cold contacts: another seller's
 * warm p99 against the same run with the first seller's CRM healthy (target: unchanged).
 * Memory per idle connection: the child's RSS after one request per connection (each pipeline
 * opened and holding one cached contact) minus its RSS before, divided by the connections.
 *
 *   run(report)                                 // bench/index.ts: `npm run bench -- connections`
 *   node dist/bench/connections.js [--quick]
 */
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { Identity } from '../shared/identity.js';
import { IDENTITY_HEADER, createIdentitySigner } from '../shared/identity.js';
import { SimAdminClient } from '../sim/common/admin-client.js';
import { rssMbOf, serveIfChild, serveUntilParentLeaves, startChild, stopChild } from './child-process.js';
import { destroyAgents, fmt, graphqlOk, openLoopFn, send, statLine, type LatencyStats } from './load.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const CONNECTIONS = 50;
/** Distinct contacts every phase reads (divisible by 1, 2 and 50). */
const WORKING_SET = 1_000;
const CRM = 'hubspot';

/** The CRM subgraph's share of the call-start document (consent and engagement fields live elsewhere). */
const CALL_START_CRM_PART = `query CallStart($id: ID!) {
  contact(id: $id) {
    id source name { first full } primaryPhone timeZone
    openDeal { name stage amount } suppression { doNotCall } freshness { ageMs stale }
  }
}`;

export interface ConnectionsBenchOptions {
  rate?: number;
  phaseMs?: number;
  rounds?: number;
}

export interface ConnectionsBenchResult {
  crm: string;
  rate: number;
  phaseMs: number;
  rounds: number;
  single: LatencyStats;
  two: LatencyStats;
  fifty: LatencyStats;
  p99RatioTwo: number;
  p99RatioFifty: number;
  /** Seller 2's warm reads while seller 3 reads cold contacts from a healthy portal. */
  neighbourHealthy: LatencyStats;
  /** The same while seller 3's portal hangs every call. */
  neighbourHanging: LatencyStats;
  p99RatioNeighbourHanging: number;
  rssMbBefore: number | null;
  rssMbAfter: number | null;
  idleConnectionKb: number | null;
}

export async function runConnectionsBench(options: ConnectionsBenchOptions = {}): Promise<ConnectionsBenchResult> {
  const rate = options.rate ?? 200;
  const phaseMs = options.phaseMs ?? 8_000;
  const rounds = options.rounds ?? 3;
  const child = await startChild(THIS_FILE, 'stack', { connections: String(CONNECTIONS) }, { env: {} });
  try {
    const allIds = child.info.ids as string[];
    // The working set every phase reads (the same number of distinct cached records whatever the
    // connection count); the rest are the neighbour phases' cold reads (one range each).
    const workingSet = allIds.slice(0, WORKING_SET);
    const coldHealthy = allIds.slice(WORKING_SET, WORKING_SET + 100);
    const coldHanging = allIds.slice(WORKING_SET + 100, WORKING_SET + 200);
    const simUrls = child.info.simUrls as string[];
    const sellers = child.info.sellers as string[];
    const secret = child.info.internalSecret as string;
    const sign = createIdentitySigner(secret);
    const identities = new Map<string, Identity>();
    const identityOf = (seller: string): Identity => {
      let identity = identities.get(seller);
      if (!identity) {
        identity = { sub: `agent-${seller}`, roles: ['agent'], seller };
        identities.set(seller, identity);
      }
      return identity;
    };
    // `sockets` also picks the client's connection pool (bench/load.ts keys agents by it): the
    // neighbour of the hang phases gets its own, as another seller's agents would.
    const request = async (seller: string, id: string, sockets = 256): Promise<boolean> => {
      const body = JSON.stringify({ query: CALL_START_CRM_PART, variables: { id } });
      const res = await send(
        {
          url: child.url,
          method: 'POST',
          headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: sign(identityOf(seller), body) },
          body,
        },
        0,
        sockets,
      );
      // A contact that is not there would be a cheaper (negatively cached) answer: count it as an error.
      return graphqlOk(res.status, res.body) && !res.body.includes('"contact":null');
    };
    // Seller k of a phase with g sellers reads its own slice of the working set: 1,000 distinct
    // (seller, contact) entries in every phase, so only the routing and the pipeline count differ.
    const pairOf = (group: readonly string[], i: number): [string, string] => {
      const slice = WORKING_SET / group.length;
      const k = i % group.length;
      return [group[k]!, workingSet[k * slice + (Math.floor(i / group.length) % slice)]!];
    };
    const warm = async (group: readonly string[]): Promise<void> => {
      const next = { i: 0 };
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next.i < WORKING_SET) await request(...pairOf(group, next.i++));
        }),
      );
    };

    const single = ['seller-without-connection'];
    const two = sellers.slice(0, 2);
    const fifty = sellers.slice(0, CONNECTIONS);

    // The single-account pipeline warm, then the RSS before any connection pipeline is open.
    await warm(single);
    const rssMbBefore = rssMbOf(child.proc.pid);
    // One request per connection: every pipeline opened, one contact cached in each.
    for (const seller of fifty) await request(seller, workingSet[0]!);
    const rssMbAfter = rssMbOf(child.proc.pid);

    const runs: Record<'single' | 'two' | 'fifty', LatencyStats[]> = { single: [], two: [], fifty: [] };
    for (let round = 0; round < rounds; round++) {
      for (const [name, group] of [
        ['single', single],
        ['two', two],
        ['fifty', fifty],
      ] as const) {
        // Warm right before the phase, so it measures warm reads (and the refreshes of its own working set).
        await warm(group);
        const stats = await openLoopFn((i) => request(...pairOf(group, i)), rate, phaseMs);
        runs[name].push(stats);
        console.log(`  round ${round + 1} ${statLine(name.padEnd(6), stats)}`);
      }
    }
    // One seller's CRM hangs: the other seller's warm reads must not notice (own breaker, batcher, sockets).
    const victimIds = workingSet.slice(0, 20);
    const neighbourPhase = async (coldIds: string[]): Promise<LatencyStats> => {
      for (const id of victimIds) await request(two[1]!, id);
      const [victim] = await Promise.all([
        openLoopFn((i) => request(two[1]!, victimIds[i % victimIds.length]!), rate / 2, phaseMs),
        openLoopFn((i) => request(fifty[2]!, coldIds[i % coldIds.length]!, 512), rate / 2, phaseMs),
      ]);
      return victim;
    };
    const neighbourHealthy = await neighbourPhase(coldHealthy);
    console.log(`  ${statLine('seller 2, seller 3 healthy', neighbourHealthy)}`);
    const neighbourSim = new SimAdminClient(simUrls[2]!);
    await neighbourSim.setFaults({ hangRate: 1 });
    let neighbourHanging: LatencyStats;
    try {
      neighbourHanging = await neighbourPhase(coldHanging);
    } finally {
      await neighbourSim.setFaults({ hangRate: 0 });
    }
    console.log(`  ${statLine('seller 2, seller 3 hanging', neighbourHanging)}`);
    const median = (list: LatencyStats[]): LatencyStats =>
      [...list].sort((a, b) => a.p99 - b.p99)[Math.floor((list.length - 1) / 2)]!;
    const result: ConnectionsBenchResult = {
      crm: CRM,
      rate,
      phaseMs,
      rounds,
      single: median(runs.single),
      two: median(runs.two),
      fifty: median(runs.fifty),
      p99RatioTwo: median(runs.two).p99 / median(runs.single).p99,
      p99RatioFifty: median(runs.fifty).p99 / median(runs.single).p99,
      neighbourHealthy,
      neighbourHanging,
      p99RatioNeighbourHanging: neighbourHanging.p99 / neighbourHealthy.p99,
      rssMbBefore,
      rssMbAfter,
      idleConnectionKb:
        rssMbBefore !== null && rssMbAfter !== null ? ((rssMbAfter - rssMbBefore) * 1024) / CONNECTIONS : null,
    };
    console.log(
      `connections (${CRM}, ${rate} req/s open loop, median of ${rounds} rounds): p99 single ${fmt(result.single.p99)} ms, ` +
        `2 connections ${fmt(result.two.p99)} ms (×${fmt(result.p99RatioTwo)}), ` +
        `${CONNECTIONS} connections ${fmt(result.fifty.p99)} ms (×${fmt(result.p99RatioFifty)}); target ≤ ×1.10`,
    );
    console.log(
      `  seller 2's p99 while seller 3's CRM hangs: ${fmt(neighbourHanging.p99)} ms vs ${fmt(neighbourHealthy.p99)} ms ` +
        `with it healthy (×${fmt(result.p99RatioNeighbourHanging)}; errors ${neighbourHanging.errors})`,
    );
    console.log(
      `  memory per idle connection: ${fmt(result.idleConnectionKb ?? Number.NaN, 0)} KB ` +
        `(RSS ${fmt(rssMbBefore ?? Number.NaN, 1)} → ${fmt(rssMbAfter ?? Number.NaN, 1)} MB for ${CONNECTIONS} pipelines)`,
    );
    return result;
  } finally {
    destroyAgents();
    await stopChild(child.proc);
  }
}

export async function run(report: (section: string, data: Record<string, unknown>) => void): Promise<void> {
  report('connections', (await runConnectionsBench()) as unknown as Record<string, unknown>);
}

/** Child side: the CRM subgraph with its connections, announcing the ids and sellers it serves. */
async function serve(_component: string, args: Record<string, string>): Promise<void> {
  const { startCrmConnectionsStack } = await import('../sim/stacks/crm-connections-stack.js');
  const { crmModule } = await import('../crm/registry.js');
  const stack = await startCrmConnectionsStack({
    crm: CRM,
    connections: Number(args.connections),
    contacts: WORKING_SET + 200,
    // Each seller's own portal, as in production: one shared portal would put fifty sellers under
    // one HubSpot rate limit and measure 429s instead of routing.
    simulatorPerConnection: true,
    sameData: true,
  });
  // The ids the load uses: the first contacts of the first portal (every portal holds the same data).
  const sim = stack.simulators[0]!;
  const connector = crmModule(CRM).createConnector(sim.account as never, { webhookSecret: sim.webhookSecret });
  const ids: string[] = [];
  for await (const page of connector.changedContactsSince(0)) {
    for (const c of page) if (ids.length < WORKING_SET + 200) ids.push(`${CRM}:${c.sourceId}`);
    if (ids.length >= WORKING_SET + 200) break;
  }
  await connector.close();
  serveUntilParentLeaves(stack.subgraph.url, () => stack.close(), {
    ids,
    sellers: stack.sellers,
    simUrls: stack.simulators.map((sim) => sim.url),
    internalSecret: stack.internalSecret,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!serveIfChild(serve)) {
    const quick = process.argv.includes('--quick');
    runConnectionsBench(quick ? { phaseMs: 3_000, rounds: 1 } : {}).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  }
}
