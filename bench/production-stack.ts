/**
 * The production shape for benchmarks: every component in its own process, as deployed, in
 * production mode (bench secrets, since production refuses the development ones):
 *   HubSpot simulator (default latency) → HubSpot subgraph ─┐
 *   consent subgraph ───────────────────────────────────────┼─ gateway
 *   engagement subgraph (write-back worker in-process) ─────┘
 * Stores are embedded (PGlite, in-process cache and events) unless `databaseUrl` / `redisUrl`
 * are given; then consent and engagement use PostgreSQL, and the CRM subgraph's cache, the event
 * bus and the gateway's rate limiter use Redis, as in a deployment.
 *
 * Two gateway configurations: `benchGateway` (the call-start bench's: default demand-control
 * limits, no rate limit or trusted documents, so throughput is measured rather than refused) and
 * `deployedGateway` (built from the environment by `loadGatewayConfig`, exactly what
 * `npm run start:gateway` runs in production: trusted documents enforced, per-caller rate limits).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TRUSTED_DOCUMENTS_MANIFEST } from '../shared/trusted-documents-manifest.js';
import {
  serveIfChild,
  serveUntilParentLeaves,
  startChild,
  stopChild,
  type Child,
  type EventLoopDelay,
} from './child-process.js';
import { send } from './load.js';

const THIS_FILE = fileURLToPath(import.meta.url);
export const BENCH_INTERNAL_SECRET = 'bench-internal-secret-0123456789abcdef';
export const BENCH_JWT = {
  secret: 'bench-jwt-secret-0123456789abcdef0123456789',
  issuer: 'dialplane',
  audience: 'dialplane-api',
};
const HUBSPOT_TOKEN = 'dev-hubspot-token';

/** Repository root whether this runs compiled (dist/bench) or from source (bench). */
export const REPO = path.resolve(
  path.dirname(THIS_FILE),
  THIS_FILE.includes(`${path.sep}dist${path.sep}bench${path.sep}`) ? '../..' : '..',
);

export interface ProductionStackOptions {
  gateway?: 'bench' | 'deployed';
  /** Contact cache lifetime of the CRM subgraph; unset = the default. */
  cacheTtlMs?: number;
  /** Simulator latency median (ms); unset = the simulator's default. */
  simLatencyMs?: number;
  /** Contacts in the simulated portal (cold reads need many never-read ones). @default 1000 */
  simContacts?: number;
  redisUrl?: string;
  databaseUrl?: string;
  /** Extra node flags for every child (e.g. --cpu-prof). */
  execArgv?: string[];
}

export interface ProductionStack {
  gatewayUrl: string;
  /** Starts Hive Gateway on the same subgraphs (bench/peers must be installed). */
  startHivePeer(merging: 'on' | 'off'): Promise<{ url: string; pid: number | undefined }>;
  /** Starts a second bench gateway on the same subgraphs without the plan fast path (the planned path as Apollo runs it). */
  startGatewayWithoutPlanFastPath(): Promise<{ url: string; pid: number | undefined }>;
  simUrl: string;
  /** A contact of the simulator, as the graph names it. */
  contactId: string;
  pids: Record<'gateway' | 'hubspot' | 'consent' | 'engagement' | 'sim', number | undefined>;
  /** Each process's event-loop delay since the previous call (bench/child-process.ts). */
  eventLoopDelays(): Promise<Record<string, EventLoopDelay>>;
  close(): Promise<void>;
}

const defined = (args: Record<string, string | number | undefined>) =>
  Object.fromEntries(
    Object.entries(args)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );

export async function startProductionStack(options: ProductionStackOptions = {}): Promise<ProductionStack> {
  const spawn = (component: string, args: Record<string, string | number | undefined>) =>
    startChild(
      THIS_FILE,
      component,
      defined({ ...args, redisUrl: options.redisUrl, databaseUrl: options.databaseUrl }),
      {
        env: { NODE_ENV: 'production', LOG_LEVEL: 'error' },
        ...(options.execArgv ? { execArgv: options.execArgv } : {}),
      },
    );
  const children: Child['proc'][] = [];
  const close = async () => {
    await Promise.all(children.reverse().map(stopChild));
  };
  try {
    const sim = await spawn('sim', { latencyMs: options.simLatencyMs, contacts: options.simContacts });
    children.push(sim.proc);
    const crm = await spawn('hubspot', { simUrl: sim.url, cacheTtlMs: options.cacheTtlMs });
    children.push(crm.proc);
    const consent = await spawn('consent', {});
    children.push(consent.proc);
    const engagement = await spawn('engagement', { consentUrl: consent.url, simUrl: sim.url });
    children.push(engagement.proc);
    const gateway = await spawn(options.gateway === 'deployed' ? 'deployedGateway' : 'benchGateway', {
      crmUrl: crm.url,
      consentUrl: consent.url,
      engagementUrl: engagement.url,
    });
    children.push(gateway.proc);
    const page = JSON.parse(
      (
        await send(
          { url: `${sim.url}/crm/v3/objects/contacts?limit=1`, headers: { authorization: `Bearer ${HUBSPOT_TOKEN}` } },
          0,
        )
      ).body,
    ) as { results: { id: string }[] };
    return {
      gatewayUrl: gateway.url,
      async startGatewayWithoutPlanFastPath() {
        const planned = await spawn('benchGateway', {
          planFastPath: 'off',
          crmUrl: crm.url,
          consentUrl: consent.url,
          engagementUrl: engagement.url,
        });
        children.push(planned.proc);
        return { url: planned.url, pid: planned.proc.pid };
      },
      async startHivePeer(merging) {
        const hive = await spawn('hiveGateway', {
          merging,
          crmUrl: crm.url,
          consentUrl: consent.url,
          engagementUrl: engagement.url,
        });
        children.push(hive.proc);
        return { url: hive.url, pid: hive.proc.pid };
      },
      simUrl: sim.url,
      contactId: `hubspot:${page.results[0]!.id}`,
      pids: {
        gateway: gateway.proc.pid,
        hubspot: crm.proc.pid,
        consent: consent.proc.pid,
        engagement: engagement.proc.pid,
        sim: sim.proc.pid,
      },
      async eventLoopDelays() {
        const named = { gateway, hubspot: crm, consent, engagement, sim };
        const delays = await Promise.all(Object.values(named).map((c) => c.eventLoopDelay()));
        return Object.fromEntries(Object.keys(named).map((name, i) => [name, delays[i]!]));
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Child side: one component per process, on an ephemeral port. */
async function serve(component: string, args: Record<string, string>): Promise<void> {
  const { silentLogger } = await import('../shared/logger.js');
  // Production mode, as deployed: it refuses every development secret, so each gets a bench value.
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    HUBSPOT_CLIENT_SECRET: 'bench-hubspot-client-secret-0123456789',
    SALESFORCE_WEBHOOK_SECRET: 'bench-salesforce-webhook-secret-0123456789',
    CALL_WEBHOOK_SECRET: 'bench-call-webhook-secret-0123456789',
    JWT_SECRET: BENCH_JWT.secret,
    DIALPLANE_INTERNAL_SECRET: BENCH_INTERNAL_SECRET,
    CONNECTION_ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 7).toString('base64')}`,
    ...(args.redisUrl ? { REDIS_URL: args.redisUrl } : {}),
    ...(args.databaseUrl ? { DATABASE_URL: args.databaseUrl } : {}),
  };
  let running: { url: string; close(): Promise<void> };
  if (component === 'sim') {
    const { startHubspotSim } = await import('../sim/hubspot/server.js');
    const latency =
      args.latencyMs === undefined
        ? {}
        : { latency: { medianMs: Number(args.latencyMs), jitterMs: Math.round(Number(args.latencyMs) / 3) } };
    running = await startHubspotSim({ port: 0, contacts: Number(args.contacts ?? 1000), ...latency });
  } else if (component === 'hubspot') {
    const { loadHubspotSubgraphConfig } = await import('../subgraphs/hubspot/config.js');
    const { startHubspotSubgraph } = await import('../subgraphs/hubspot/server.js');
    const config = loadHubspotSubgraphConfig({
      ...env,
      HUBSPOT_BASE_URL: args.simUrl,
      HUBSPOT_SUBGRAPH_PORT: '0',
      // Comparing batch settings by hand (bench/README.md); unset in the bench's own runs = the default.
      ...(process.env.CRM_BATCH_CONCURRENCY_MAX
        ? { CRM_BATCH_CONCURRENCY_MAX: process.env.CRM_BATCH_CONCURRENCY_MAX }
        : {}),
      ...(args.cacheTtlMs ? { CACHE_TTL_MS: args.cacheTtlMs } : {}),
    });
    running = await startHubspotSubgraph({ ...config, log: silentLogger });
  } else if (component === 'consent') {
    const { loadConsentConfig } = await import('../subgraphs/consent/config.js');
    const { startConsentSubgraph } = await import('../subgraphs/consent/server.js');
    running = await startConsentSubgraph(loadConsentConfig({ ...env, CONSENT_SUBGRAPH_PORT: '0' }), {
      log: silentLogger,
    });
  } else if (component === 'engagement') {
    const { loadConfig } = await import('../shared/config.js');
    const { engagementEnv, toEngagementConfig } = await import('../subgraphs/engagement/config.js');
    const { startEngagementSubgraph } = await import('../subgraphs/engagement/server.js');
    const config = toEngagementConfig(
      loadConfig(engagementEnv, {
        ...env,
        ENGAGEMENT_SUBGRAPH_PORT: '0',
        CONSENT_SUBGRAPH_URL: args.consentUrl,
        HUBSPOT_BASE_URL: args.simUrl,
      }),
    );
    running = await startEngagementSubgraph(config, { log: silentLogger });
  } else if (component === 'benchGateway') {
    const { startGateway } = await import('../gateway/server.js');
    running = await startGateway(
      {
        port: 0,
        development: false,
        internalSecret: BENCH_INTERNAL_SECRET,
        jwt: BENCH_JWT,
        supergraphSdl: readFileSync(path.join(REPO, 'schema/supergraph.graphql'), 'utf8'),
        crmSubgraphs: [{ name: 'hubspot', url: args.crmUrl! }],
        subgraphUrls: { consent: args.consentUrl!, engagement: args.engagementUrl! },
        planFastPath: args.planFastPath !== 'off',
      },
      { log: silentLogger },
    );
  } else if (component === 'deployedGateway') {
    const { loadGatewayConfig } = await import('../gateway/config.js');
    const { startGateway } = await import('../gateway/server.js');
    const config = loadGatewayConfig({
      ...env,
      GATEWAY_PORT: '0',
      SUPERGRAPH_PATH: path.join(REPO, 'schema/supergraph.graphql'),
      GATEWAY_TRUSTED_DOCUMENTS_PATH: path.join(REPO, TRUSTED_DOCUMENTS_MANIFEST),
      CRM_SUBGRAPHS: `hubspot=${args.crmUrl}`,
      CONSENT_SUBGRAPH_URL: args.consentUrl,
      ENGAGEMENT_SUBGRAPH_URL: args.engagementUrl,
    });
    running = await startGateway(config, { log: silentLogger });
  } else if (component === 'hiveGateway') {
    running = await startHivePeer(args);
  } else {
    throw new Error(`unknown component ${component}`);
  }
  serveUntilParentLeaves(running.url, () => running.close());
}

/** Where `npm run bench:peers` installs the peers (their own package.json and lock). */
const PEERS = path.join(REPO, 'bench', 'peers');

/** Whether the bench-only peers are installed. */
export function hivePeerInstalled(): boolean {
  try {
    createRequire(path.join(PEERS, 'package.json')).resolve('@graphql-hive/gateway-runtime');
    return true;
  } catch {
    return false;
  }
}

/**
 * Hive Gateway (its runtime, the engine of @graphql-hive/gateway 2.15) on the same supergraph and
 * subgraphs, as the peer of issue 17: `crm` routed to the one CRM subgraph, in-flight request
 * merging (`deduplicateInflightRequests`, Hive's default) on or off. Our subgraphs accept only
 * requests signed with the gateway identity, so a plugin signs each subgraph fetch for a fixed
 * agent identity (Hive verifies no JWT: that work is ours alone, a small head start for the peer).
 */
async function startHivePeer(args: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const runtimePath = createRequire(path.join(PEERS, 'package.json')).resolve('@graphql-hive/gateway-runtime');
  const { createGatewayRuntime } = (await import(pathToFileURL(runtimePath).href)) as {
    createGatewayRuntime(config: Record<string, unknown>): http.RequestListener & { dispose(): Promise<void> | void };
  };
  const { IDENTITY_HEADER, signIdentity } = await import('../shared/identity.js');
  const identity = { sub: 'bench-agent', roles: ['agent' as const], seller: 'demo-seller' };
  const gateway = createGatewayRuntime({
    supergraph: readFileSync(path.join(REPO, 'schema/supergraph.graphql'), 'utf8'),
    transportEntries: {
      '*.http': { options: { deduplicateInflightRequests: args.merging === 'on' } },
      crm: { location: args.crmUrl },
      consent: { location: args.consentUrl },
      engagement: { location: args.engagementUrl },
    },
    plugins: () => [
      {
        onFetch({
          options,
          setOptions,
        }: {
          options: { body?: unknown; headers?: Record<string, string> };
          setOptions(o: unknown): void;
        }) {
          const body = typeof options.body === 'string' ? options.body : '';
          setOptions({
            ...options,
            headers: { ...options.headers, [IDENTITY_HEADER]: signIdentity(identity, BENCH_INTERNAL_SECRET, { body }) },
          });
        },
      },
    ],
    logging: false,
    graphiql: false,
    landingPage: false,
  });
  const server = http.createServer(gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.dispose();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) serveIfChild(serve);
