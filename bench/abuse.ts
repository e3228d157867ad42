/**
 * `npm run bench -- abuse` (issue 10): a victim agent runs the call-start query
 * (examples/operations/call-start.graphql: contact + consent decision) at 100 req/s open loop,
 * quiet and then while an abuser sends each attack of the issue as fast as it can (closed loop,
 * 8 in flight), against the embedded stack (`npm start` in a child process under tsx, its own
 * free ports).
 * Reported per phase: the victim's p50/p99 and their ratio to the quiet phase, the victim's
 * errors, and what the abuser got (answered vs refused, by code).
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
import { closedLoopFn, fmt, openLoopFn, send, type LatencyStats } from './load.js';
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
  const names = ['GATEWAY_PORT', 'SALESFORCE_SUBGRAPH_PORT', 'HUBSPOT_SUBGRAPH_PORT', 'CONSENT_SUBGRAPH_PORT', 'ENGAGEMENT_SUBGRAPH_PORT', 'SIM_SALESFORCE_PORT', 'SIM_HUBSPOT_PORT'];
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
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'start.ts')], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
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

function attacks(contactIds: string[]): Attack[] {
  const ids500 = Array.from({ length: 500 }, (_, i) => contactIds[i % contactIds.length]!);
  return [
    { name: '200 aliases × contacts(500 ids)', token: 'abuser-analyst', body: () => JSON.stringify({ query: `query Flood($ids: [ID!]!) ${aliases(200, 'contacts(ids: $ids) { id name { full } }')}`, variables: { ids: ids500 } }) },
    { name: '1,000 aliases × contactsByPhone', token: 'abuser-analyst', body: () => JSON.stringify({ query: aliases(1_000, 'contactsByPhone(phone: "+14155550100") { id }') }) },
    { name: '1,000 aliases × callPermission', token: 'abuser-agent', body: () => JSON.stringify({ query: aliases(1_000, 'callPermission(phone: "+14155550100", purpose: MARKETING) { allowed }') }) },
    {
      name: 'contactsByPhone flood (distinct numbers)',
      token: 'abuser-agent',
      body: (i) => JSON.stringify({ query: 'query L($p: String!) { contactsByPhone(phone: $p) { id } }', variables: { p: `+1415${String(2_000_000 + (i % 7_000_000)).padStart(7, '0')}` } }),
    },
  ];
}

interface PhaseResult {
  victim: LatencyStats;
  abuser?: { sent: number; answered: number; refused: Record<string, number>; p50: number };
}

async function phase(url: string, victimBody: string, victimToken: string, attack?: { body: (i: number) => string; token: string }): Promise<PhaseResult> {
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
              const res = await send({ url, headers: { authorization: `Bearer ${attack.token}` }, body: attack.body(i) }, i);
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
  const victim = await openLoopFn(async (i) => {
    const res = await send(victimSpec, i);
    return res.status === 200 && !res.body.includes('"errors"');
  }, VICTIM_RATE, PHASE_MS);
  stopAbuser = true;
  await abuser;
  abuserLatencies.sort((a, b) => a - b);
  return {
    victim,
    ...(attack ? { abuser: { sent, answered, refused, p50: abuserLatencies[Math.floor(abuserLatencies.length / 2)] ?? NaN } } : {}),
  };
}

/** Per-request cost of the door on the call-start request, timed in-process (µs resolution). */
async function admissionCost(query: string, variables: Record<string, unknown>): Promise<{ p50Ms: number; p99Ms: number }> {
  const supergraph = readSupergraph(readFileSync(path.join(root, 'schema', 'supergraph.graphql'), 'utf8'));
  const admission = new Admission({ rateLimits: { agent: { points: 1_000_000_000, durationS: 1 } }, maxInFlightPerCaller: 16 }, supergraph.schema, createMetrics('bench', { collectDefault: false }), silentLogger);
  const identity = { sub: 'agent-bench', roles: ['agent' as const], seller: 'demo-seller' };
  const body = { query, variables };
  const samples: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t0 = performance.now();
    const entered = await admission.enter(identity);
    if ('status' in entered) throw new Error('admission refused the call-start request');
    const admitted = admission.admitOperation(body, identity);
    if ('status' in admitted) throw new Error(`demand control refused the call-start request: ${admitted.error.message}`);
    entered.release();
    samples.push(performance.now() - t0);
  }
  await admission.close();
  samples.sort((a, b) => a - b);
  return { p50Ms: samples[Math.floor(samples.length * 0.5)]!, p99Ms: samples[Math.floor(samples.length * 0.99)]! };
}

export async function run(report: Report): Promise<void> {
  const log = (line: string) => console.log(line);
  const document = parse(readFileSync(path.join(root, 'examples', 'operations', 'call-start.graphql'), 'utf8'));
  const callStart = print({ kind: Kind.DOCUMENT, definitions: [document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === 'CallStart')!] });
  const victimToken = await signToken({ sub: 'victim-agent', roles: ['agent'], seller: 'demo-seller' }, JWT);
  const tokens = {
    'abuser-agent': await signToken({ sub: 'abuser-agent', roles: ['agent'], seller: 'demo-seller' }, JWT),
    'abuser-analyst': await signToken({ sub: 'abuser-analyst', roles: ['analyst'], seller: 'demo-seller' }, JWT),
  };

  const stack = await startEmbedded();
  try {
    const lookup = await send({ url: stack.url, headers: { authorization: `Bearer ${victimToken}` }, body: JSON.stringify({ query: '{ a: contactsByPhone(phone: "+14155550100") { id } b: contactsByPhone(phone: "+14155550101") { id } }' }) }, 0);
    const ids = [...lookup.body.matchAll(/"id":"([^"]+)"/g)].map((m) => m[1]!);
    if (ids.length === 0) throw new Error(`no contact found for the victim: ${lookup.body.slice(0, 300)}`);
    const variables = { id: ids[0], purpose: 'MARKETING' };
    const victimBody = JSON.stringify({ query: callStart, variables });
    // Warm-up: cache, fast lane, JIT.
    await phase(stack.url, victimBody, victimToken);

    const quiet = await phase(stack.url, victimBody, victimToken);
    log(`embedded, quiet: victim p50 ${fmt(quiet.victim.p50)} ms, p99 ${fmt(quiet.victim.p99)} ms, errors ${quiet.victim.errors}/${quiet.victim.count}`);
    report('abuse', { shape: 'embedded', phase: 'quiet', victim: quiet.victim });
    for (const attack of attacks(ids)) {
      const result = await phase(stack.url, victimBody, victimToken, { body: attack.body, token: tokens[attack.token] });
      const a = result.abuser!;
      log(
        `embedded, ${attack.name}: victim p50 ${fmt(result.victim.p50)} ms (×${fmt(result.victim.p50 / quiet.victim.p50)}), p99 ${fmt(result.victim.p99)} ms (×${fmt(result.victim.p99 / quiet.victim.p99)}), errors ${result.victim.errors}/${result.victim.count}; ` +
          `abuser sent ${a.sent}, answered ${a.answered}, refused ${JSON.stringify(a.refused)}, abuser p50 ${fmt(a.p50)} ms`,
      );
      report('abuse', { shape: 'embedded', phase: attack.name, victim: result.victim, abuser: a, p50Ratio: result.victim.p50 / quiet.victim.p50, p99Ratio: result.victim.p99 / quiet.victim.p99 });
    }

    const cost = await admissionCost(callStart, variables);
    log(
      `door (rate limit + concurrency slot + trusted-doc check + demand control) on the call-start request, in-process: p50 ${fmt(cost.p50Ms, 4)} ms, p99 ${fmt(cost.p99Ms, 4)} ms ` +
        `(target ≤ 0.3 ms p50; ${fmt((cost.p50Ms / quiet.victim.p50) * 100, 2)} % of the quiet victim p50)`,
    );
    report('abuse', { phase: 'admission-overhead', ...cost, quietVictimP50Ms: quiet.victim.p50 });
  } finally {
    await stop(stack.proc);
  }
}
