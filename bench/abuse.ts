/**
 * `npm run bench -- abuse` (issue 10): a victim agent runs the call-start query
 * (examples/operations/call-start.graphql: contact + consent decision) at 100 req/s open loop,
 * quiet and then while an abuser sends each attack of the issue as fast as it can (closed loop,
 * 8 in flight), against the embedded stack (`npm start` in a child process under tsx, its own
 * free ports).
 * Reported per phase: the victim's p50/p99 and their ratio to the quiet phase, the victim's
 * errors, and what the abuser got (answered vs refused, by code).
 *
 * Then the production shape (bench/production-stack.ts: every service in its own process, the
 * gateway configured from the environment exactly as deployed, so agents run registered documents
 * only; PostgreSQL and Redis, Redis behind a TCP proxy the bench can cut): the same phases, the
 * agents sending registered document ids as production clients do, and a last phase in which
 * Redis is cut (blackholed: the worst case, only timeouts notice) one second into the phase.
 * Skipped, with the reason, when Redis or PostgreSQL does not answer (BENCH_REDIS_URL,
 * BENCH_DATABASE_URL; defaults: the local servers). `ABUSE_SHAPES=embedded|production` runs one shape;
 * `ABUSE_PHASE_MS` sets the phase length (6 s).
 *
 * Then the door's own cost on the call-start request: admission (rate limit, concurrency slot,
 * demand control) timed in-process, against the quiet victim p50 of the same run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { DEV_JWT_SECRET } from '../shared/config.js';
import { silentLogger } from '../shared/logger.js';
import { createMetrics } from '../shared/metrics.js';
import { signToken } from '../gateway/dev-tokens.js';
import { readSupergraph } from '../gateway/supergraph-info.js';
import { Admission } from '../gateway/demand-control/admission.js';
import { idsByOperationName, loadManifest, TRUSTED_DOCUMENTS_MANIFEST } from '../shared/trusted-documents-manifest.js';
import { startTcpProxy, type TcpProxy } from '../sim/common/tcp-proxy.js';
import { destroyAgents, fmt, openLoopFn, send, type LatencyStats } from './load.js';
import { BENCH_POSTGRES_URL, BENCH_REDIS_URL, reachable, throwAwayDatabase } from './bench-services.js';
import { BENCH_JWT, startProductionStack, type ProductionStack } from './production-stack.js';
import type { Report } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const JWT = { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' };
const PHASE_MS = Number(process.env.ABUSE_PHASE_MS ?? 6_000);
const VICTIM_RATE = 100;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `npm start` (compiled) in a child process on free ports; resolves with the gateway URL. */
async function startEmbedded(extraEnv: Record<string, string> = {}): Promise<{ url: string; proc: ChildProcess }> {
  const names = [
    'GATEWAY_PORT',
    'SALESFORCE_SUBGRAPH_PORT',
    'HUBSPOT_SUBGRAPH_PORT',
    'CONSENT_SUBGRAPH_PORT',
    'ENGAGEMENT_SUBGRAPH_PORT',
    'SIM_SALESFORCE_PORT',
    'SIM_HUBSPOT_PORT',
  ];
  const ports: Record<string, string> = {};
  for (const name of names) ports[name] = String(await freePort());
  const env: Record<string, string> = {
    ...ports,
    CRM_SUBGRAPHS: `salesforce=http://127.0.0.1:${ports.SALESFORCE_SUBGRAPH_PORT}/graphql,hubspot=http://127.0.0.1:${ports.HUBSPOT_SUBGRAPH_PORT}/graphql`,
    CONSENT_SUBGRAPH_URL: `http://127.0.0.1:${ports.CONSENT_SUBGRAPH_PORT}/graphql`,
    ENGAGEMENT_SUBGRAPH_URL: `http://127.0.0.1:${ports.ENGAGEMENT_SUBGRAPH_PORT}/graphql`,
    SALESFORCE_LOGIN_URL: `http://127.0.0.1:${ports.SIM_SALESFORCE_PORT}`,
    SALESFORCE_INSTANCE_URL: `http://127.0.0.1:${ports.SIM_SALESFORCE_PORT}`,
    HUBSPOT_BASE_URL: `http://127.0.0.1:${ports.SIM_HUBSPOT_PORT}`,
    SIM_CONTACTS: '2000',
    LOG_LEVEL: 'error',
    ...extraEnv,
  };
  // scripts/start.ts finds its parts by their .ts sources, so the stack runs under tsx (the same
  // for every phase: ratios compare like with like); the load generator runs compiled.
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: proc.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('embedded stack did not start within 180 s')), 180_000);
    proc.once('exit', (code) => reject(new Error(`embedded stack exited with ${code}`)));
    let notStarted = false;
    lines.on('line', (line) => {
      if (/^Not started:/.test(line)) notStarted = true;
      else if (notStarted && line.trim() === '') notStarted = false;
      if (notStarted) console.log(`[embedded stack] ${line}`);
      const m = /^Gateway:\s+(\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { url, proc };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
  });
}

interface Attack {
  name: string;
  token: 'abuser-agent' | 'abuser-analyst';
  body: (i: number) => string;
}

const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

function attacks(contactIds: string[], phoneLookupId?: string): Attack[] {
  const ids500 = Array.from({ length: 500 }, (_, i) => contactIds[i % contactIds.length]!);
  return [
    {
      name: '200 aliases × contacts(500 ids)',
      token: 'abuser-analyst',
      body: () =>
        JSON.stringify({
          query: `query Flood($ids: [ID!]!) ${aliases(200, 'contacts(ids: $ids) { id name { full } }')}`,
          variables: { ids: ids500 },
        }),
    },
    {
      name: '1,000 aliases × contactsByPhone',
      token: 'abuser-analyst',
      body: () => JSON.stringify({ query: aliases(1_000, 'contactsByPhone(phone: "+14155550100") { id }') }),
    },
    {
      name: '1,000 aliases × callPermission',
      token: 'abuser-agent',
      body: () =>
        JSON.stringify({
          query: aliases(1_000, 'callPermission(phone: "+14155550100", purpose: MARKETING) { allowed }'),
        }),
    },
    {
      name: 'contactsByPhone flood (distinct numbers)',
      token: 'abuser-agent',
      body: (i) => {
        const phone = `+1415${String(2_000_000 + (i % 7_000_000)).padStart(7, '0')}`;
        // In production agents can only send registered documents: the flood uses the registered lookup.
        return phoneLookupId
          ? JSON.stringify({ documentId: phoneLookupId, variables: { phone } })
          : JSON.stringify({
              query: 'query L($p: String!) { contactsByPhone(phone: $p) { id } }',
              variables: { p: phone },
            });
      },
    },
  ];
}

/** The manifest id (`sha256:…`) of the registered operation with this name. */
function registeredId(operationName: string): string {
  const id = idsByOperationName(loadManifest(path.join(root, TRUSTED_DOCUMENTS_MANIFEST))).get(operationName);
  if (!id) throw new Error(`no registered document named ${operationName} in the trusted-documents manifest`);
  return id;
}

interface PhaseResult {
  victim: LatencyStats;
  abuser?: { sent: number; answered: number; refused: Record<string, number>; p50: number };
}

async function phase(
  url: string,
  victimBody: string,
  victimToken: string,
  attack?: { body: (i: number) => string; token: string },
  /** Runs this long into the phase (e.g. cut Redis), ms. */
  fault?: { afterMs: number; run: () => void },
): Promise<PhaseResult> {
  const faultTimer = fault ? setTimeout(fault.run, fault.afterMs) : undefined;
  const victimSpec = { url, headers: { authorization: `Bearer ${victimToken}` }, body: victimBody };
  let stopAbuser = false;
  const refused: Record<string, number> = {};
  let answered = 0;
  let sent = 0;
  const abuserLatencies: number[] = [];
  const abuser = attack
    ? Promise.all(
        Array.from({ length: 8 }, async () => {
          while (!stopAbuser) {
            const i = sent++;
            const t0 = performance.now();
            try {
              const res = await send(
                { url, headers: { authorization: `Bearer ${attack.token}` }, body: attack.body(i) },
                i,
              );
              abuserLatencies.push(performance.now() - t0);
              const code = /"code":"([A-Z_]+)"/.exec(res.body)?.[1];
              if (res.status === 200 && !code) answered++;
              else refused[code ?? `HTTP ${res.status}`] = (refused[code ?? `HTTP ${res.status}`] ?? 0) + 1;
            } catch {
              refused.network = (refused.network ?? 0) + 1;
            }
          }
        }),
      )
    : Promise.resolve();
  const victim = await openLoopFn(
    async (i) => {
      const res = await send(victimSpec, i);
      return res.status === 200 && !res.body.includes('"errors"');
    },
    VICTIM_RATE,
    PHASE_MS,
  );
  clearTimeout(faultTimer);
  stopAbuser = true;
  await abuser;
  abuserLatencies.sort((a, b) => a - b);
  return {
    victim,
    ...(attack
      ? { abuser: { sent, answered, refused, p50: abuserLatencies[Math.floor(abuserLatencies.length / 2)] ?? NaN } }
      : {}),
  };
}

/** Per-request cost of the door on the call-start request, timed in-process (µs resolution). */
async function admissionCost(
  query: string,
  variables: Record<string, unknown>,
): Promise<{ p50Ms: number; p99Ms: number }> {
  const supergraph = readSupergraph(readFileSync(path.join(root, 'schema', 'supergraph.graphql'), 'utf8'));
  const admission = new Admission(
    { rateLimits: { agent: { points: 1_000_000_000, durationS: 1 } }, maxInFlightPerCaller: 16 },
    supergraph.schema,
    createMetrics('bench', { collectDefault: false }),
    silentLogger,
  );
  const identity = { sub: 'agent-bench', roles: ['agent' as const], seller: 'demo-seller' };
  const body = { query, variables };
  const samples: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t0 = performance.now();
    const entered = await admission.enter(identity);
    if ('status' in entered) throw new Error('admission refused the call-start request');
    const admitted = admission.admitOperation(body, identity);
    if ('status' in admitted)
      throw new Error(`demand control refused the call-start request: ${admitted.error.message}`);
    entered.release();
    samples.push(performance.now() - t0);
  }
  await admission.close();
  samples.sort((a, b) => a - b);
  return { p50Ms: samples[Math.floor(samples.length * 0.5)]!, p99Ms: samples[Math.floor(samples.length * 0.99)]! };
}

interface Shape {
  name: 'embedded' | 'production';
  url: string;
  victimBody: string;
  victimToken: string;
  tokens: Record<Attack['token'], string>;
  attacks: Attack[];
}

/** Quiet, then each attack; returns the quiet phase (the baseline of the ratios). */
async function runPhases(shape: Shape, report: Report, log: (line: string) => void): Promise<PhaseResult> {
  // Warm-up: cache, fast lane, JIT.
  await phase(shape.url, shape.victimBody, shape.victimToken);
  const quiet = await phase(shape.url, shape.victimBody, shape.victimToken);
  log(
    `${shape.name}, quiet: victim p50 ${fmt(quiet.victim.p50)} ms, p99 ${fmt(quiet.victim.p99)} ms, errors ${quiet.victim.errors}/${quiet.victim.count}`,
  );
  report('abuse', { shape: shape.name, phase: 'quiet', victim: quiet.victim });
  for (const attack of shape.attacks) {
    const result = await phase(shape.url, shape.victimBody, shape.victimToken, {
      body: attack.body,
      token: shape.tokens[attack.token],
    });
    const a = result.abuser!;
    log(
      `${shape.name}, ${attack.name}: ${victimLine(result.victim, quiet.victim)}; ` +
        `abuser sent ${a.sent}, answered ${a.answered}, refused ${JSON.stringify(a.refused)}, abuser p50 ${fmt(a.p50)} ms`,
    );
    report('abuse', {
      shape: shape.name,
      phase: attack.name,
      victim: result.victim,
      abuser: a,
      p50Ratio: result.victim.p50 / quiet.victim.p50,
      p99Ratio: result.victim.p99 / quiet.victim.p99,
    });
  }
  return quiet;
}

const victimLine = (victim: LatencyStats, quiet: LatencyStats) =>
  `victim p50 ${fmt(victim.p50)} ms (×${fmt(victim.p50 / quiet.p50)}), p99 ${fmt(victim.p99)} ms (×${fmt(victim.p99 / quiet.p99)}), errors ${victim.errors}/${victim.count}`;

async function runProductionShape(callStartId: string, report: Report, log: (line: string) => void): Promise<void> {
  for (const url of [BENCH_REDIS_URL, BENCH_POSTGRES_URL]) {
    if (!(await reachable(url))) {
      log(
        `production shape skipped: ${new URL(url).protocol.replace(':', '')} does not answer at ${new URL(url).host}`,
      );
      report('abuse', { shape: 'production', skipped: `${url} unreachable` });
      return;
    }
  }
  const redis = new URL(BENCH_REDIS_URL);
  const proxy: TcpProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  const database = await throwAwayDatabase('abuse');
  let stack: ProductionStack | undefined;
  try {
    stack = await startProductionStack({
      gateway: 'deployed',
      redisUrl: proxy.url('redis'),
      databaseUrl: database.url,
    });
    const sign = (sub: string, role: 'agent' | 'analyst') =>
      signToken({ sub, roles: [role], seller: 'demo-seller' }, BENCH_JWT, '2h');
    const shape: Shape = {
      name: 'production',
      url: stack.gatewayUrl,
      victimBody: JSON.stringify({ documentId: callStartId, variables: { id: stack.contactId, purpose: 'MARKETING' } }),
      victimToken: await sign('victim-agent', 'agent'),
      tokens: {
        'abuser-agent': await sign('abuser-agent', 'agent'),
        'abuser-analyst': await sign('abuser-analyst', 'analyst'),
      },
      attacks: attacks([stack.contactId], registeredId('ContactsByPhone')),
    };
    const probe = await send(
      { url: shape.url, headers: { authorization: `Bearer ${shape.victimToken}` }, body: shape.victimBody },
      0,
    );
    if (probe.status !== 200 || probe.body.includes('"errors"'))
      throw new Error(`production-shape call-start probe failed: ${probe.status} ${probe.body.slice(0, 400)}`);
    const quiet = await runPhases(shape, report, log);

    // Redis cut one second into the phase, restored after it: reads must keep answering from the
    // in-process tier and the limiter's insurance, within milliseconds.
    const cut = await phase(shape.url, shape.victimBody, shape.victimToken, undefined, {
      afterMs: 1_000,
      run: () => proxy.cut('blackhole'),
    });
    proxy.restore();
    log(
      `production, Redis cut (blackholed) 1 s into the phase: ${victimLine(cut.victim, quiet.victim)} (target p99 ≤ 50 ms, 0 errors)`,
    );
    report('abuse', {
      shape: 'production',
      phase: 'redis-cut',
      victim: cut.victim,
      p50Ratio: cut.victim.p50 / quiet.victim.p50,
      p99Ratio: cut.victim.p99 / quiet.victim.p99,
    });
    const after = await phase(shape.url, shape.victimBody, shape.victimToken);
    log(`production, after Redis returned: ${victimLine(after.victim, quiet.victim)}`);
    report('abuse', { shape: 'production', phase: 'redis-restored', victim: after.victim });
  } finally {
    destroyAgents();
    await stack?.close();
    await proxy.close();
    await database.drop().catch((error: unknown) => log(`could not drop the bench database: ${String(error)}`));
  }
}

export async function run(report: Report): Promise<void> {
  const log = (line: string) => console.log(line);
  const document = parse(readFileSync(path.join(root, 'examples', 'operations', 'call-start.graphql'), 'utf8'));
  const callStart = print({
    kind: Kind.DOCUMENT,
    definitions: [
      document.definitions.find(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === 'CallStart',
      )!,
    ],
  });
  const victimToken = await signToken({ sub: 'victim-agent', roles: ['agent'], seller: 'demo-seller' }, JWT);
  const tokens = {
    'abuser-agent': await signToken({ sub: 'abuser-agent', roles: ['agent'], seller: 'demo-seller' }, JWT),
    'abuser-analyst': await signToken({ sub: 'abuser-analyst', roles: ['analyst'], seller: 'demo-seller' }, JWT),
  };

  const shapes = (process.env.ABUSE_SHAPES ?? 'embedded,production').split(',');
  let quietP50: number | undefined;
  if (shapes.includes('embedded')) {
    const stack = await startEmbedded();
    try {
      const lookup = await send(
        {
          url: stack.url,
          headers: { authorization: `Bearer ${victimToken}` },
          body: JSON.stringify({
            query:
              '{ a: contactsByPhone(phone: "+14155550100") { id } b: contactsByPhone(phone: "+14155550101") { id } }',
          }),
        },
        0,
      );
      const ids = [...lookup.body.matchAll(/"id":"([^"]+)"/g)].map((m) => m[1]!);
      if (ids.length === 0) throw new Error(`no contact found for the victim: ${lookup.body.slice(0, 300)}`);
      const victimBody = JSON.stringify({ query: callStart, variables: { id: ids[0], purpose: 'MARKETING' } });
      quietP50 = (
        await runPhases(
          { name: 'embedded', url: stack.url, victimBody, victimToken, tokens, attacks: attacks(ids) },
          report,
          log,
        )
      ).victim.p50;
    } finally {
      destroyAgents();
      await stop(stack.proc);
    }
  }

  // The cost does not depend on which contact: any id of the right shape.
  const cost = await admissionCost(callStart, { id: 'hubspot:1001', purpose: 'MARKETING' });
  log(
    `door (rate limit + concurrency slot + trusted-doc check + demand control) on the call-start request, in-process: p50 ${fmt(cost.p50Ms, 4)} ms, p99 ${fmt(cost.p99Ms, 4)} ms ` +
      `(target ≤ 0.3 ms p50${quietP50 === undefined ? '' : `; ${fmt((cost.p50Ms / quietP50) * 100, 2)} % of the quiet embedded victim p50`})`,
  );
  report('abuse', {
    phase: 'admission-overhead',
    ...cost,
    ...(quietP50 === undefined ? {} : { quietVictimP50Ms: quietP50 }),
  });

  if (shapes.includes('production')) await runProductionShape(registeredId('CallStart'), report, log);
}
