/**
 * The embedded footprint (issue 17: "embedded stack ≤ 600 MB RSS in all after the bench"):
 * `npm start` as a user runs it, from compiled JS (dist/scripts/start.js: both simulators with
 * their demo data, the four subgraphs, the in-process worker, the gateway and the voice platforms,
 * one process on one shared in-memory PGlite), then the call-start document
 * (examples/operations/call-start.graphql, as it is) through its gateway with the agent token its
 * banner prints, cycling over ~500 contacts of both CRMs.
 * Prints the process's RSS when ready, after the drive and after a short settle, against the target.
 *
 *   run(report)                                                  // bench/index.ts (`npm run bench -- embedded-rss`)
 *   node dist/bench/embedded-rss.js [--quick] [--duration=<ms>]  // alone
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { rssMbOf, stopChild } from './child-process.js';
import { DEV_JWT_SECRET } from '../shared/config.js';
import { signToken } from '../gateway/dev-tokens.js';
import { closedLoopFn, destroyAgents, fmt, send, statLine, type RequestSpec } from './load.js';
import { REPO } from './production-stack.js';
import { salesforceContactIds } from './sim-contacts.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const TARGET_MB = 600;
const CLIENTS = 16;
/**
 * Agents the drive speaks for, one token each: the gateway limits every caller (agent 200 req/s by
 * default), and a deployment's load comes from many agents, not one token at thousands a second.
 */
const AGENTS = 32;
/**
 * Distinct contacts per CRM the drive cycles through (each CRM simulator holds 10,000). A pass
 * takes longer than the contact cache's lifetime, so most reads are cold: the path that fills the
 * caches, the simulators' request logs and the in-memory database (an audit row per decision).
 */
const CONTACTS_PER_CRM = 250;

/** `npm start`'s port variables. */
const PORT_VARS = [
  'GATEWAY_PORT',
  'SALESFORCE_SUBGRAPH_PORT',
  'HUBSPOT_SUBGRAPH_PORT',
  'CONSENT_SUBGRAPH_PORT',
  'ENGAGEMENT_SUBGRAPH_PORT',
  'SIM_SALESFORCE_PORT',
  'SIM_HUBSPOT_PORT',
  'SIM_RND_PORT',
  'PLATFORMS_PORT',
] as const;

function bindable(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * One free port per variable, below Linux's ephemeral range (32768+), where no `listen(0)` or
 * outgoing connection of another process takes it between our check and npm start's bind.
 */
async function freePortEnv(): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const taken = new Set<number>();
  for (const name of PORT_VARS) {
    for (;;) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (taken.has(port) || !(await bindable(port))) continue;
      taken.add(port);
      env[name] = String(port);
      break;
    }
  }
  return env;
}

interface RunningStart {
  proc: ChildProcess;
  gatewayUrl: string;
  agentToken: string;
  ports: Record<string, string>;
}

/** `node dist/scripts/start.js`, ready once its banner has printed the agent's token. */
async function startEmbeddedStack(execArgv: string[] = []): Promise<RunningStart> {
  const ports = await freePortEnv();
  const entry = path.join(path.dirname(THIS_FILE), '..', 'scripts', `start${path.extname(THIS_FILE)}`);
  const proc = spawn(process.execPath, [...execArgv, entry], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Embedded defaults: no DATABASE_URL, REDIS_URL or DATA_DIR (unset here even if the caller has them).
    env: {
      ...process.env,
      DATABASE_URL: '',
      REDIS_URL: '',
      DATA_DIR: '',
      LOG_LEVEL: 'warn',
      ...ports,
    },
  });
  const stderr: string[] = [];
  readline.createInterface({ input: proc.stderr! }).on('line', (l) => stderr.push(l));
  const lines = readline.createInterface({ input: proc.stdout! });
  const agentToken = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('npm start did not print its banner within 180 s')), 180_000);
    proc.once('exit', (code) =>
      reject(new Error(`npm start exited with ${code}: ${stderr.slice(-5).join(' | ').slice(0, 500)}`)),
    );
    lines.on('line', (line) => {
      const m = /^\s+agent\s+(\S+\.\S+\.\S+)\s*$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { proc, gatewayUrl: `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`, agentToken, ports };
}

/** Contact ids of the simulators (as the graph names them), `n` per CRM. */
async function contactIds(ports: Record<string, string>, n: number): Promise<string[]> {
  const hs = `http://127.0.0.1:${ports.SIM_HUBSPOT_PORT}`;
  const ids: string[] = [];
  let after: string | undefined;
  while (ids.length < n) {
    const page = JSON.parse(
      (
        await send(
          {
            url: `${hs}/crm/v3/objects/contacts?limit=100${after ? `&after=${after}` : ''}`,
            headers: { authorization: 'Bearer dev-hubspot-token' },
          },
          0,
        )
      ).body,
    ) as { results: { id: string }[]; paging?: { next?: { after: string } } };
    ids.push(...page.results.map((r) => `hubspot:${r.id}`));
    after = page.paging?.next?.after;
    if (!after) break;
  }
  const sf = `http://127.0.0.1:${ports.SIM_SALESFORCE_PORT}`;
  ids.push(...(await salesforceContactIds(sf, n)).map((id) => `salesforce:${id}`));
  return ids;
}

const callStartOk = (status: number, body: string) =>
  status === 200 && body.includes('"callPermission"') && !body.includes('"errors"');

export async function runEmbeddedRss(
  input: { durationMs?: number; log?: (line: string) => void } = {},
): Promise<Record<string, unknown>> {
  const durationMs = input.durationMs ?? 60_000;
  const log = input.log ?? ((line: string) => console.log(`[embedded-rss] ${line}`));
  const started = performance.now();
  const stack = await startEmbeddedStack();
  try {
    const pid = stack.proc.pid;
    const readyMs = performance.now() - started;
    const atReady = rssMbOf(pid);
    log(
      `npm start (dist/scripts/start.js) ready in ${fmt(readyMs / 1000, 1)} s; RSS ${fmt(atReady ?? Number.NaN, 0)} MB`,
    );
    const ids = await contactIds(stack.ports, CONTACTS_PER_CRM);
    const document = readFileSync(path.join(REPO, 'examples/operations/call-start.graphql'), 'utf8');
    const spec: RequestSpec = {
      url: stack.gatewayUrl,
      method: 'POST',
      headers: { authorization: `Bearer ${stack.agentToken}`, 'content-type': 'application/json' },
      body: (i: number) =>
        JSON.stringify({
          query: document,
          operationName: 'CallStart',
          variables: { id: ids[i % ids.length], purpose: 'MARKETING' },
        }),
    };
    const probe = await send(spec, 0);
    if (!callStartOk(probe.status, probe.body)) log(`call-start answered: ${probe.status} ${probe.body.slice(0, 300)}`);
    let peak = atReady ?? 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMbOf(pid) ?? 0);
    }, 500);
    // npm start's development JWT settings (the banner's tokens are signed with them).
    const tokens = await Promise.all(
      Array.from({ length: AGENTS }, (_, k) =>
        signToken(
          { sub: `bench-agent-${k}`, roles: ['agent'], seller: 'demo-seller' },
          { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' },
          '2h',
        ),
      ),
    );
    const drive = await closedLoopFn(
      async (i) => {
        const answer = await send(
          { ...spec, headers: { ...spec.headers, authorization: `Bearer ${tokens[i % AGENTS]}` } },
          i,
        );
        return callStartOk(answer.status, answer.body);
      },
      CLIENTS,
      durationMs,
    );
    clearInterval(sampler);
    const afterDrive = rssMbOf(pid);
    peak = Math.max(peak, afterDrive ?? 0);
    log(
      statLine(
        `call-start, ${CLIENTS} clients for ${AGENTS} agents, ${ids.length} contacts, ${durationMs / 1000} s`,
        drive,
      ),
    );
    // A settle: timers (cache expiry, audit flush, pg-boss maintenance) run; what stays is the footprint.
    await new Promise((r) => setTimeout(r, 5_000));
    const settled = rssMbOf(pid);
    log(
      `RSS: ready ${fmt(atReady ?? Number.NaN, 0)} MB, after the drive ${fmt(afterDrive ?? Number.NaN, 0)} MB, ` +
        `settled ${fmt(settled ?? Number.NaN, 0)} MB, peak ${fmt(peak, 0)} MB (target <= ${TARGET_MB} MB: ${
          (settled ?? Number.POSITIVE_INFINITY) <= TARGET_MB && peak <= TARGET_MB ? 'MET' : 'NOT MET'
        })`,
    );
    return {
      phase: 'embedded-rss',
      durationMs,
      clients: CLIENTS,
      contacts: ids.length,
      readyMs,
      drive,
      rssMb: { ready: atReady, afterDrive, settled, peak },
      targetMb: TARGET_MB,
      met: (settled ?? Number.POSITIVE_INFINITY) <= TARGET_MB && peak <= TARGET_MB,
    };
  } finally {
    await stopChild(stack.proc);
    destroyAgents();
  }
}

export async function run(report: (section: string, data: Record<string, unknown>) => void): Promise<void> {
  report('embedded-rss', await runEmbeddedRss());
}

// `node dist/bench/embedded-rss.js [--quick] [--duration=<ms>]`
if (process.argv[1] && THIS_FILE === path.resolve(process.argv[1])) {
  const duration = process.argv.find((a) => a.startsWith('--duration='))?.split('=')[1];
  runEmbeddedRss({ durationMs: duration ? Number(duration) : process.argv.includes('--quick') ? 15_000 : 60_000 }).then(
    (result) => {
      console.log(JSON.stringify({ section: 'embedded-rss', ...result }));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
