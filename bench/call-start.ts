/**
 * The call-start benchmark (issue 17): the document a voice agent sends when a call starts
 * (`examples/operations/call-start.graphql`, as it is: CRM contact + suppression + deal + last
 * interaction + `callPermission`), through the whole federated stack, each service in its own
 * process as deployed:
 *   HubSpot simulator (default latency) → HubSpot subgraph (default cache lifetime) ─┐
 *   consent subgraph (embedded PGlite) ──────────────────────────────────────────────┼─ gateway
 *   engagement subgraph (embedded PGlite, worker in-process) ────────────────────────┘
 *
 * Figures, all measured in the same run:
 *   - open loop at `rate` req/s, latency from the scheduled send time (saturation shows);
 *   - closed loops at 10 and 50 clients, with CPU ms per request of every process
 *     (user+system from /proc, summed), which a busy shared machine distorts far less than latency;
 *   - the highest steady rate with p99 under 50 ms;
 *   - the CRM-only baseline through the gateway (same contact, CRM fields only) for a ratio;
 *   - cold reads: the CRM part for never-read contacts against the official client reading as many
 *     straight from the simulator at the same concurrency, p50 ratio and CRM calls per 1,000
 *     (bench/cold-reads.ts; `--cold-only` runs just that, `CALL_START_COLD=off` skips it).
 *
 * `BENCH_CPU_PROF=<dir>` starts every child with `--cpu-prof --cpu-prof-dir=<dir>` and prints the
 * top self-time entries of each process's profile at the end (`bench/profile-summary.ts`).
 *
 *   node dist/bench/call-start.js [--quick] [--closed-only] [--duration=<ms>] [--ttl=<ms>]   // alone
 *   node dist/bench/call-start.js --cold-only [--quick] [--cold-count=<n>] [--cold-clients=<n>]
 *   npm run bench -- call-start                  // from bench/index.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  closedLoop,
  destroyAgents,
  openLoop,
  send,
  statLine,
  type Check,
  type LatencyStats,
  type RequestSpec,
} from './load.js';
import { BENCH_JWT, REPO, hivePeerInstalled, startProductionStack, type ProductionStack } from './production-stack.js';
import { cpuMsOf, rssMbOf, type EventLoopDelay } from './child-process.js';
import { runColdColumn, type ColdReadsResult } from './cold-reads.js';
import type { ProfileWindow } from './profile-summary.js';

/** The first operation of examples/operations/call-start.graphql, verbatim. */
export function callStartDocument(): string {
  const text = readFileSync(path.join(REPO, 'examples/operations/call-start.graphql'), 'utf8');
  const start = text.indexOf('query CallStart');
  const end = text.indexOf('\n}\n', start);
  return text.slice(start, end + 2);
}

export const CRM_ONLY_QUERY = `query CrmOnly($id: ID!) {
  contact(id: $id) { id source name { first full } primaryPhone timeZone intentStage openDeal { name stage amount } suppression { doNotCall } freshness { ageMs stale } }
}`;

export interface CallStartBenchOptions {
  /** Run the Hive Gateway peer when bench/peers is installed. @default true */
  peers?: boolean;
  durationMs?: number;
  rate?: number;
  concurrency?: number[];
  maxRateSteps?: number[];
  maxRatePhaseMs?: number;
  p99LimitMs?: number;
  warmupMs?: number;
  /** Contact cache lifetime of the CRM subgraph; unset = the default (CACHE_TTL_MS default). */
  cacheTtlMs?: number;
  /** Simulator latency median (ms); unset = the simulator's default. */
  simLatencyMs?: number;
  /** Skip the open-loop phases (rate and steady-rate search): CPU and profile runs on a busy machine. */
  closedOnly?: boolean;
  /** The cold-read column (bench/cold-reads.ts). @default true */
  cold?: boolean;
  /** Never-read contacts each side of the cold column reads. @default 1000 */
  coldCount?: number;
  /** Callers at once in the cold column, both sides. @default 50 */
  coldConcurrency?: number;
  outDir?: string;
  log?: (line: string) => void;
}

interface PhaseCpu {
  [process: string]: number;
}

async function withCpu<T extends LatencyStats>(
  pids: Record<string, number | undefined>,
  run: () => Promise<T>,
): Promise<{ stats: T; cpuMsPerRequest: PhaseCpu }> {
  const before = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMsOf(pid)]));
  const self = process.cpuUsage();
  const stats = await run();
  const count = stats.count || 1;
  const used = process.cpuUsage(self);
  const cpu: PhaseCpu = {};
  let total = 0;
  for (const [name, pid] of Object.entries(pids)) {
    const end = cpuMsOf(pid);
    const start = before[name];
    if (start != null && end != null) {
      cpu[name] = (end - start) / count;
      total += cpu[name];
    }
  }
  cpu.servicesTotal = total;
  cpu.loadGenerator = (used.user + used.system) / 1000 / count;
  return { stats, cpuMsPerRequest: cpu };
}

/** Sends `n` identical requests at once; how many distinct decision ids came back. */
async function distinctDecisions(spec: RequestSpec, n: number): Promise<number> {
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => send(spec, i)));
  return new Set(answers.map((a) => /"decisionId":"([^"]+)"/.exec(a.body)?.[1]).filter(Boolean)).size;
}

/** Each process's event-loop delay over a phase: which process stalls behind a latency tail. */
const delayLine = (label: string, delays: Record<string, EventLoopDelay>) =>
  `${label}: event-loop delay p99/max ms ${Object.entries(delays)
    .map(([name, d]) => `${name} ${d.p99Ms}/${d.maxMs}`)
    .join(', ')}`;

const cpuLine = (label: string, cpu: PhaseCpu) =>
  `${label}: CPU ms/request ${Object.entries(cpu)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(', ')}`;

export async function runCallStartBench(input: CallStartBenchOptions = {}) {
  const log = input.log ?? ((line: string) => console.log(line));
  const options = {
    durationMs: input.durationMs ?? 10_000,
    rate: input.rate ?? 200,
    concurrency: input.concurrency ?? [10, 50],
    maxRateSteps: input.maxRateSteps ?? [200, 300, 400, 500, 600, 800, 1000, 1200],
    maxRatePhaseMs: input.maxRatePhaseMs ?? 5_000,
    p99LimitMs: input.p99LimitMs ?? 50,
    warmupMs: input.warmupMs ?? 4_000,
  };
  const profDir = process.env.BENCH_CPU_PROF;
  const execArgv = profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir)}`] : [];
  let stack: ProductionStack | undefined;
  let profileWindow: ProfileWindow | undefined;
  const loadavgStart = os.loadavg();
  try {
    const coldCount = input.coldCount ?? 1_000;
    stack = await startProductionStack({
      execArgv,
      simContacts: Math.max(1_000, 4 * coldCount + 100),
      ...(input.cacheTtlMs === undefined ? {} : { cacheTtlMs: input.cacheTtlMs }),
      ...(input.simLatencyMs === undefined ? {} : { simLatencyMs: input.simLatencyMs }),
    });
    const { pids, contactId } = stack;
    const gateway = { url: stack.gatewayUrl };
    const { signToken } = await import('../gateway/dev-tokens.js');
    const token = await signToken({ sub: 'bench-agent', roles: ['agent'], seller: 'demo-seller' }, BENCH_JWT, '2h');
    const document = callStartDocument();
    const callStartBody = JSON.stringify({
      query: document,
      variables: { id: contactId, purpose: 'MARKETING' },
      operationName: 'CallStart',
    });
    const crmOnlyBody = JSON.stringify({
      query: CRM_ONLY_QUERY,
      variables: { id: contactId },
      operationName: 'CrmOnly',
    });
    const spec = (body: string): RequestSpec => ({
      url: gateway.url,
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body,
    });
    const ok: Check = (status, text) => status === 200 && !text.includes('"errors"');
    const probe = await send(spec(callStartBody), 0);
    if (!ok(probe.status, probe.body))
      throw new Error(`call-start probe failed: ${probe.status} ${probe.body.slice(0, 400)}`);
    log(
      `call-start bench: contact ${contactId}, ${os.cpus().length} cpus, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}, ${options.durationMs} ms per phase`,
    );

    for (const body of [callStartBody, crmOnlyBody]) {
      const warm = await closedLoop(spec(body), 10, options.warmupMs, ok);
      if (warm.errors > 0) throw new Error(`warm-up saw ${warm.errors} failed requests`);
    }
    // Cold reads come first, while the simulator's burst window has not been spent by other phases.
    const cold: ColdReadsResult[] | null =
      input.cold === false
        ? null
        : await runColdColumn({
            gatewayUrl: gateway.url,
            simUrl: stack.simUrl,
            token,
            query: CRM_ONLY_QUERY,
            count: coldCount,
            concurrency: input.coldConcurrency ?? 50,
            log,
          });
    // The cold column leaves the hot contact expired and the portal's burst budget spent: warm again,
    // so the phases below measure the warm path they name (the cold path has its own column).
    if (cold) await closedLoop(spec(callStartBody), 10, options.warmupMs, ok);
    await stack.eventLoopDelays(); // from here on
    const open = input.closedOnly
      ? null
      : await withCpu(pids, () => openLoop(spec(callStartBody), options.rate, options.durationMs, ok));
    if (open) {
      log(statLine(`call-start: open loop ${options.rate} req/s`, open.stats));
      log(cpuLine(`call-start: open loop ${options.rate} req/s`, open.cpuMsPerRequest));
      log(delayLine(`call-start: open loop ${options.rate} req/s`, await stack.eventLoopDelays()));
    }
    // The same gateway code without the plan fast path (Apollo Server's pipeline and executor for
    // the consent and engagement hops), measured right after each closed loop: what the lane saves.
    const withoutLane = await stack.startGatewayWithoutPlanFastPath();
    const plannedSpec: RequestSpec = { ...spec(callStartBody), url: withoutLane.url };
    await closedLoop(plannedSpec, 10, options.warmupMs, ok);
    const planFastPathOff: Record<
      number,
      { stats: LatencyStats; cpuMsPerRequest: PhaseCpu; laneThroughputRatio: number }
    > = {};
    const closed: Record<string, { stats: LatencyStats; cpuMsPerRequest: PhaseCpu }> = {};
    const closedFromUs = Number(process.hrtime.bigint() / 1000n);
    for (const c of options.concurrency) {
      closed[c] = await withCpu(pids, () => closedLoop(spec(callStartBody), c, options.durationMs, ok));
      log(statLine(`call-start: closed loop ${c} clients`, closed[c].stats));
      log(cpuLine(`call-start: closed loop ${c} clients`, closed[c].cpuMsPerRequest));
      const off = await withCpu({ ...pids, gateway: withoutLane.pid }, () =>
        closedLoop(plannedSpec, c, options.durationMs, ok),
      );
      const ratio = closed[c].stats.rps / off.stats.rps;
      planFastPathOff[c] = { ...off, laneThroughputRatio: ratio };
      log(statLine(`call-start, plan fast path off: closed loop ${c} clients`, off.stats));
      log(
        `${cpuLine(`call-start, plan fast path off: closed loop ${c} clients`, off.cpuMsPerRequest)}; with/without the lane: throughput ×${ratio.toFixed(2)}, gateway CPU ${closed[c].cpuMsPerRequest.gateway?.toFixed(3)} vs ${off.cpuMsPerRequest.gateway?.toFixed(3)} ms`,
      );
    }
    // The profiles are summarised over the call-start closed loops only (no start-up, warm-up or CRM-only phase).
    profileWindow = { fromUs: closedFromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    const crmOnly = await withCpu(pids, () =>
      closedLoop(spec(crmOnlyBody), options.concurrency[0]!, options.durationMs, ok),
    );
    log(statLine(`CRM-only query: closed loop ${options.concurrency[0]} clients`, crmOnly.stats));
    log(cpuLine('CRM-only query', crmOnly.cpuMsPerRequest));

    // Audited decisions are never shared: 50 concurrent call-starts for one contact, distinct decision ids.
    const ourDecisions = await distinctDecisions(spec(callStartBody), 50);
    log(
      `call-start: 50 concurrent requests for one contact got ${ourDecisions} distinct decision ids through dialplane`,
    );

    // The peer: Hive Gateway on the same subgraphs, merging off then on (Hive's default).
    const peers: Record<
      string,
      {
        closed: Record<number, { stats: LatencyStats; cpuMsPerRequest: PhaseCpu }>;
        distinctDecisions: number;
        throughputRatio: Record<number, number>;
      }
    > = {};
    if (input.peers === false) {
      // not asked for
    } else if (!hivePeerInstalled()) {
      log('Hive Gateway peer skipped: bench/peers is not installed (run `npm run bench:peers` once)');
    } else {
      for (const merging of ['off', 'on'] as const) {
        const hive = await stack.startHivePeer(merging);
        const hiveSpec: RequestSpec = { url: hive.url, method: 'POST', headers: {}, body: callStartBody };
        const hiveProbe = await send(hiveSpec, 0);
        if (!ok(hiveProbe.status, hiveProbe.body))
          throw new Error(`Hive peer probe failed: ${hiveProbe.status} ${hiveProbe.body.slice(0, 400)}`);
        await closedLoop(hiveSpec, 10, options.warmupMs, ok);
        const label = `Hive Gateway, merging ${merging}`;
        const peer = {
          closed: {} as Record<number, { stats: LatencyStats; cpuMsPerRequest: PhaseCpu }>,
          distinctDecisions: 0,
          throughputRatio: {} as Record<number, number>,
        };
        for (const c of options.concurrency) {
          peer.closed[c] = await withCpu({ ...pids, gateway: hive.pid }, () =>
            closedLoop(hiveSpec, c, options.durationMs, ok),
          );
          peer.throughputRatio[c] = closed[c]!.stats.rps / peer.closed[c].stats.rps;
          log(statLine(`${label}: closed loop ${c} clients`, peer.closed[c].stats));
          log(
            `${cpuLine(`${label}: closed loop ${c} clients`, peer.closed[c].cpuMsPerRequest)}; dialplane/Hive throughput ×${peer.throughputRatio[c]!.toFixed(2)}`,
          );
        }
        peer.distinctDecisions = await distinctDecisions(hiveSpec, 50);
        log(`${label}: 50 concurrent requests for one contact got ${peer.distinctDecisions} distinct decision ids`);
        peers[`hive-merging-${merging}`] = peer;
      }
    }

    let best: { rate: number; stats: LatencyStats } | null = null;
    for (const rate of input.closedOnly ? [] : options.maxRateSteps) {
      await stack.eventLoopDelays();
      let stats = await openLoop(spec(callStartBody), rate, options.maxRatePhaseMs, ok);
      log(statLine(`call-start: steady rate ${rate} req/s`, stats));
      log(delayLine(`call-start: steady rate ${rate} req/s`, await stack.eventLoopDelays()));
      if (stats.p99 > options.p99LimitMs || stats.errors > 0) {
        stats = await openLoop(spec(callStartBody), rate, options.maxRatePhaseMs, ok);
        log(statLine(`call-start: steady rate ${rate} req/s (retry)`, stats));
        if (stats.p99 > options.p99LimitMs || stats.errors > 0) break;
      }
      best = { rate, stats };
    }
    log(
      best
        ? statLine(
            `call-start: highest steady rate with p99 < ${options.p99LimitMs} ms = ${best.rate} req/s`,
            best.stats,
          )
        : 'call-start: no tried rate held the p99 limit',
    );
    const rssMb = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, rssMbOf(pid)]));
    log(
      `RSS MB after the run: ${Object.entries(rssMb)
        .map(([k, v]) => `${k} ${v?.toFixed(0)}`)
        .join(', ')}`,
    );

    const c0 = closed[options.concurrency[0]!]!;
    const report = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadavgStart, loadavgEnd: os.loadavg() },
      options: { ...options, cacheTtlMs: input.cacheTtlMs ?? 'default', simLatencyMs: input.simLatencyMs ?? 'default' },
      document,
      open,
      closed,
      crmOnly,
      cold,
      planFastPathOff,
      callStartToCrmOnlyThroughput: c0.stats.rps / crmOnly.stats.rps,
      maxSteadyRate: best ? { rate: best.rate, p50: best.stats.p50, p99: best.stats.p99 } : null,
      rssMb,
      distinctDecisions: ourDecisions,
      peers,
      goals: {
        ...(peers['hive-merging-off']
          ? {
              vsHiveMergingOff: {
                target: '>= 2x at 10 and 50 clients',
                measured: Object.values(peers['hive-merging-off'].throughputRatio)
                  .map((r) => r.toFixed(2))
                  .join(' / '),
                met: Object.values(peers['hive-merging-off'].throughputRatio).every((r) => r >= 2),
              },
              vsHiveMergingOn: {
                target: '>= 1x at 10 and 50 clients',
                measured: Object.values(peers['hive-merging-on']!.throughputRatio)
                  .map((r) => r.toFixed(2))
                  .join(' / '),
                met: Object.values(peers['hive-merging-on']!.throughputRatio).every((r) => r >= 1),
              },
            }
          : {}),
        p99AtRate: {
          target: `<= 10 ms at ${options.rate} req/s`,
          measured: open?.stats.p99 ?? NaN,
          met: (open?.stats.p99 ?? Infinity) <= 10,
        },
        steadyRate: {
          target: '>= 1000 req/s with p99 < 50 ms',
          measured: best?.rate ?? 0,
          met: (best?.rate ?? 0) >= 1000,
        },
        cpuPerRequest: {
          target: '<= 1.2 ms (all services)',
          measured: c0.cpuMsPerRequest.servicesTotal,
          met: (c0.cpuMsPerRequest.servicesTotal ?? 99) <= 1.2,
        },
        ...(cold
          ? {
              coldP50: cold[0]!.goals.coldP50,
              coldCalls: cold[0]!.goals.coldCalls,
              coldP50AmpleBudget: cold[1]!.goals.coldP50,
              coldCallsAmpleBudget: cold[1]!.goals.coldCalls,
            }
          : {}),
      },
    };
    for (const [name, goal] of Object.entries(report.goals))
      log(
        `goal ${name}: ${goal.target}; measured ${typeof goal.measured === 'number' ? goal.measured.toFixed(2) : goal.measured} ${goal.met ? 'MET' : 'NOT MET'}`,
      );
    const outDir = input.outDir ?? path.join(REPO, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `call-start-${report.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`results: ${file}`);
    return report;
  } finally {
    destroyAgents();
    await stack?.close();
    if (profDir) {
      const { summarizeProfiles } = await import('./profile-summary.js');
      const names = Object.fromEntries(
        Object.entries(stack?.pids ?? {})
          .filter(([, pid]) => pid)
          .map(([name, pid]) => [pid, name]),
      );
      log(summarizeProfiles(profDir, 15, { window: profileWindow, names }));
    }
  }
}

/**
 * The expiry swing (issue 17): the call-start document at `rate` req/s open loop for `durationMs`
 * with the default contact-cache lifetime, then the same with a 10 min lifetime (the longest the
 * CRM subgraph accepts, longer than the run), each on a fresh
 * stack. With refresh-ahead, expiries should not show in the p99 (target: within 1.5×).
 */
export async function runExpirySwing(input: { durationMs?: number; rate?: number; log?: (line: string) => void } = {}) {
  const log = input.log ?? ((line: string) => console.log(line));
  const durationMs = input.durationMs ?? 60_000;
  const rate = input.rate ?? 200;
  const ok: Check = (status, text) => status === 200 && !text.includes('"errors"');
  const { signToken } = await import('../gateway/dev-tokens.js');
  const token = await signToken({ sub: 'bench-agent', roles: ['agent'], seller: 'demo-seller' }, BENCH_JWT, '2h');
  const results: Record<string, LatencyStats> = {};
  // The longest lifetime the CRM subgraph accepts (10 min) outlives the run: no expiry in it.
  for (const [label, cacheTtlMs] of [
    ['default lifetime', undefined],
    ['10 min lifetime', 600_000],
  ] as const) {
    const stack = await startProductionStack(cacheTtlMs === undefined ? {} : { cacheTtlMs });
    try {
      const body = JSON.stringify({
        query: callStartDocument(),
        variables: { id: stack.contactId, purpose: 'MARKETING' },
        operationName: 'CallStart',
      });
      const spec: RequestSpec = {
        url: stack.gatewayUrl,
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body,
      };
      await closedLoop(spec, 10, 3_000, ok);
      results[label] = await openLoop(spec, rate, durationMs, ok);
      log(statLine(`call-start ${rate} req/s for ${durationMs / 1000} s, ${label}`, results[label]));
    } finally {
      destroyAgents();
      await stack.close();
    }
  }
  const ratio = results['default lifetime']!.p99 / results['10 min lifetime']!.p99;
  log(
    `expiry swing: p99 default lifetime / p99 10 min lifetime (no expiry in the run) = ×${ratio.toFixed(2)} (target ≤ 1.5)`,
  );
  return {
    durationMs,
    rate,
    defaultLifetime: results['default lifetime'],
    longLifetime: results['10 min lifetime'],
    p99Ratio: ratio,
  };
}

/** Only the cold-read column, on its own stack (after a short warm-up of the CRM-only query). */
export async function runColdOnly(input: { count?: number; concurrency?: number; log?: (line: string) => void } = {}) {
  const log = input.log ?? ((line: string) => console.log(line));
  const count = input.count ?? 1_000;
  const stack = await startProductionStack({ simContacts: Math.max(1_000, 4 * count + 100) });
  try {
    const { signToken } = await import('../gateway/dev-tokens.js');
    const token = await signToken({ sub: 'bench-agent', roles: ['agent'], seller: 'demo-seller' }, BENCH_JWT, '2h');
    const ok: Check = (status, text) => status === 200 && !text.includes('"errors"');
    const warm = await closedLoop(
      {
        url: stack.gatewayUrl,
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: CRM_ONLY_QUERY, variables: { id: stack.contactId } }),
      },
      10,
      3_000,
      ok,
    );
    if (warm.errors > 0) throw new Error(`warm-up saw ${warm.errors} failed requests`);
    log(
      `cold reads: ${os.cpus().length} cpus, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    return await runColdColumn({
      gatewayUrl: stack.gatewayUrl,
      simUrl: stack.simUrl,
      token,
      query: CRM_ONLY_QUERY,
      count,
      concurrency: input.concurrency ?? 50,
      log,
    });
  } finally {
    destroyAgents();
    await stack.close();
  }
}

export async function run(report: (section: string, data: Record<string, unknown>) => void): Promise<void> {
  if (process.env.CALL_START_EXPIRY_SWING === 'only') {
    report('call-start', { expirySwing: await runExpirySwing() });
    return;
  }
  report(
    'call-start',
    (await runCallStartBench(process.env.CALL_START_COLD === 'off' ? { cold: false } : {})) as unknown as Record<
      string,
      unknown
    >,
  );
  if (process.env.CALL_START_EXPIRY_SWING !== 'off') report('call-start', { expirySwing: await runExpirySwing() });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const ttl = process.argv.find((a) => a.startsWith('--ttl='));
  const duration = process.argv.find((a) => a.startsWith('--duration='));
  const done = (work: Promise<unknown>) =>
    work.then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  const coldCount = process.argv.find((a) => a.startsWith('--cold-count='));
  const coldClients = process.argv.find((a) => a.startsWith('--cold-clients='));
  const coldOptions = {
    ...(coldCount ? { count: Number(coldCount.slice(13)) } : quick ? { count: 400 } : {}),
    ...(coldClients ? { concurrency: Number(coldClients.slice(15)) } : {}),
  };
  if (process.argv.includes('--expiry-swing'))
    done(runExpirySwing(duration ? { durationMs: Number(duration.slice(11)) } : {}));
  else if (process.argv.includes('--cold-only')) done(runColdOnly(coldOptions));
  else
    done(
      runCallStartBench({
        ...(quick ? { durationMs: 4_000, maxRatePhaseMs: 3_000, warmupMs: 3_000 } : {}),
        ...(duration ? { durationMs: Number(duration.slice(11)) } : {}),
        ...(process.argv.includes('--closed-only') ? { closedOnly: true } : {}),
        ...(ttl ? { cacheTtlMs: Number(ttl.slice(6)) } : {}),
        ...(process.env.CALL_START_COLD === 'off' ? { cold: false } : {}),
        ...(coldOptions.count ? { coldCount: coldOptions.count } : {}),
        ...(coldOptions.concurrency ? { coldConcurrency: coldOptions.concurrency } : {}),
      }),
    );
}
