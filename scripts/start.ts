/**
 * `npm start`: all of dialplane in one process on embedded defaults: both CRM simulators seeded with
 * demo data, every subgraph present in subgraphs/, the gateway. No Redis, no PostgreSQL (in-process
 * event bus and cache, in-memory PGlite). Prints the URLs and one development token per role.
 *
 * Parts are loaded by dynamic import and skipped (with a note) while their module does not exist
 * yet, so the command works at every stage of the project. The supergraph is composed in memory
 * from the SDL files present, so a stale schema/supergraph.graphql cannot break a demo.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, DEFAULT_PORTS, loadConfig, loadTracingConfig } from '../shared/config.js';
import { openDatabase, type Database } from '../shared/db.js';
import { createEventBus, type EventBus } from '../shared/events.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { startTracing, type Tracing } from '../shared/tracing.js';
import { composeSupergraph, readSubgraphSdls } from '../gateway/compose-supergraph.js';
import { loadGatewayConfig, type GatewayConfig } from '../gateway/config.js';
import { mintDevTokens, signToken } from '../gateway/dev-tokens.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Compiled (dist/scripts/start.js, as `npm run bench -- embedded-rss` runs it), the parts are
// the .js files beside this one.
const ext = path.extname(fileURLToPath(import.meta.url));
const file = (rel: string) => path.join(root, ext === '.ts' ? rel : rel.replace(/\.ts$/, ext));
const exists = (rel: string) => existsSync(file(rel));
// Dynamic import by path: the module may not exist yet, and TypeScript must not require it to.
const load = (rel: string): Promise<any> => import(file(rel));

interface Running {
  name: string;
  url: string;
  close(): Promise<void>;
}

interface Part {
  name: string;
  /** Module whose presence means "this part exists". */
  module: string;
  /** The variables that set its listening port(s), named in the message when a port is taken. */
  portVars: string[];
  start(ctx: {
    env: NodeJS.ProcessEnv;
    logFor: (service: string) => Logger;
    bus: EventBus;
    sharedDb: () => Promise<Database | undefined>;
  }): Promise<Running>;
}

const env: NodeJS.ProcessEnv = { NODE_ENV: 'development', ...process.env };
const localUrl = (port: number, rel = '') => `http://127.0.0.1:${port}${rel}`;
const ports = {
  gateway: Number(env.GATEWAY_PORT ?? DEFAULT_PORTS.gateway),
  salesforce: Number(env.SALESFORCE_SUBGRAPH_PORT ?? DEFAULT_PORTS.salesforce),
  hubspot: Number(env.HUBSPOT_SUBGRAPH_PORT ?? DEFAULT_PORTS.hubspot),
  simSalesforce: Number(env.SIM_SALESFORCE_PORT ?? DEFAULT_PORTS.simSalesforce),
  simHubspot: Number(env.SIM_HUBSPOT_PORT ?? DEFAULT_PORTS.simHubspot),
  consent: Number(env.CONSENT_SUBGRAPH_PORT ?? DEFAULT_PORTS.consent),
  engagement: Number(env.ENGAGEMENT_SUBGRAPH_PORT ?? DEFAULT_PORTS.engagement),
};
// Each part finds its peers where this stack puts them: a port moved with *_PORT moves the URL
// its callers use (before, the callers kept the default ports). An explicit URL still wins. With
// TLS (docs/operations.md#tls) every subgraph listens on https (the certificate must name
// 127.0.0.1), and the simulators, which stay plain HTTP, deliver their change events there.
const subgraphUrl = (port: number, rel: string) => `${env.TLS_CERT_FILE ? 'https' : 'http'}://127.0.0.1:${port}${rel}`;
env.SALESFORCE_LOGIN_URL ??= localUrl(ports.simSalesforce);
env.SALESFORCE_INSTANCE_URL ??= localUrl(ports.simSalesforce);
env.HUBSPOT_BASE_URL ??= localUrl(ports.simHubspot);
env.CRM_SUBGRAPHS ??= `salesforce=${subgraphUrl(ports.salesforce, '/graphql')},hubspot=${subgraphUrl(ports.hubspot, '/graphql')}`;
env.CONSENT_SUBGRAPH_URL ??= subgraphUrl(ports.consent, '/graphql');
env.ENGAGEMENT_SUBGRAPH_URL ??= subgraphUrl(ports.engagement, '/graphql');
env.SIM_SALESFORCE_CDC_TARGETS ??= subgraphUrl(ports.salesforce, '/webhooks/salesforce');
env.SIM_HUBSPOT_WEBHOOK_TARGETS ??= subgraphUrl(ports.hubspot, '/webhooks/hubspot');

/** The demo sellers' connections, per CRM, as created (or found) at start: for the banner. */
const demoConnections: { crm: string; seller: string; id: string }[] = [];
async function seedConnections(crm: 'salesforce' | 'hubspot', running: any, baseUrl: string): Promise<void> {
  if (!running.connections) return;
  const { ensureDemoConnections } = await load('scripts/demo-connections.ts');
  const ids: { seller: string; id: string }[] = await ensureDemoConnections(running.connections.store, crm, baseUrl);
  demoConnections.push(...ids.map((c) => ({ crm, ...c })));
}

const sims: Part[] = [
  {
    // Both simulators, seeded with the deterministic demo dataset (SIM_SEED, SIM_CONTACTS: 10,000 a CRM).
    name: 'CRM simulators (salesforce, hubspot)',
    module: 'sim/index.ts',
    portVars: ['SIM_SALESFORCE_PORT', 'SIM_HUBSPOT_PORT'],
    start: async ({ env }) => {
      const { simEnv, startSimulators } = await load('sim/index.ts');
      const sims = await startSimulators(loadConfig(simEnv, env));
      return {
        name: 'CRM simulators (salesforce, hubspot)',
        url: `${sims.salesforce.url}  ${sims.hubspot.url}`,
        close: () => sims.close(),
      };
    },
  },
];

sims.push({
  // A Reassigned Numbers Database simulator (RND query API shape) knowing the demo's reassigned number.
  name: 'Reassigned Numbers Database simulator',
  module: 'sim/rnd/server.ts',
  portVars: ['SIM_RND_PORT'],
  start: async ({ env }) => {
    const { startRndSim } = await load('sim/rnd/server.ts');
    const { DEMO_DISCONNECTED } = await load('subgraphs/consent/demo-seed.ts');
    const rnd = await startRndSim({
      port: Number(env.SIM_RND_PORT ?? DEFAULT_PORTS.simRnd),
      disconnected: DEMO_DISCONNECTED,
    });
    env.RND_URL ??= rnd.url;
    return { name: 'Reassigned Numbers Database simulator', url: rnd.url, close: () => rnd.close() };
  },
});

const subgraphs: Part[] = [
  {
    name: 'salesforce',
    module: 'subgraphs/salesforce/server.ts',
    portVars: ['SALESFORCE_SUBGRAPH_PORT'],
    start: async ({ env, logFor, bus, sharedDb }) => {
      const { loadSalesforceSubgraphConfig } = await load('subgraphs/salesforce/config.ts');
      const { startSalesforceSubgraph } = await load('subgraphs/salesforce/server.ts');
      // Reconciliation state and jobs in the shared embedded database (not one PGlite per CRM).
      const { salesforceConnectionKind } = await load('crm/salesforce/connection.ts');
      const db = await sharedDb();
      const running = await startSalesforceSubgraph({
        ...loadSalesforceSubgraphConfig(env),
        log: logFor('salesforce'),
        bus,
        reconcileDb: db,
        connections: { kind: salesforceConnectionKind, ...(db ? { db } : {}) },
      });
      await seedConnections('salesforce', running, env.SALESFORCE_LOGIN_URL!);
      return { name: 'salesforce', url: running.url, close: () => running.close() };
    },
  },
  {
    name: 'hubspot',
    module: 'subgraphs/hubspot/server.ts',
    portVars: ['HUBSPOT_SUBGRAPH_PORT'],
    start: async ({ env, logFor, bus, sharedDb }) => {
      const { loadHubspotSubgraphConfig } = await load('subgraphs/hubspot/config.ts');
      const { startHubspotSubgraph } = await load('subgraphs/hubspot/server.ts');
      // Reconciliation state and jobs in the shared embedded database (not one PGlite per CRM).
      const { hubspotConnectionKind } = await load('crm/hubspot/connection.ts');
      const db = await sharedDb();
      const running = await startHubspotSubgraph({
        ...loadHubspotSubgraphConfig(env),
        log: logFor('hubspot'),
        bus,
        reconcileDb: db,
        connections: { kind: hubspotConnectionKind(), ...(db ? { db } : {}) },
      });
      await seedConnections('hubspot', running, env.HUBSPOT_BASE_URL!);
      return { name: 'hubspot', url: running.url, close: () => running.close() };
    },
  },
  {
    name: 'consent',
    module: 'subgraphs/consent/server.ts',
    portVars: ['CONSENT_SUBGRAPH_PORT'],
    start: async ({ env, logFor, bus, sharedDb }) => {
      const { loadConsentConfig } = await load('subgraphs/consent/config.ts');
      const { startConsentSubgraph } = await load('subgraphs/consent/server.ts');
      const db = await sharedDb();
      if (db) {
        const { migrate } = await load('shared/db.ts');
        const { CONSENT_MIGRATIONS } = await load('subgraphs/consent/migrations/index.ts');
        await migrate(db, 'consent', CONSENT_MIGRATIONS);
      }
      const running = await startConsentSubgraph(loadConsentConfig(env), { log: logFor('consent'), bus, db });
      // The embedded database starts empty: load the labelled demo dataset (never with DATABASE_URL / DATA_DIR).
      if (!env.DATABASE_URL && !env.DATA_DIR) {
        const { seedDemoData } = await load('subgraphs/consent/demo-seed.ts');
        await seedDemoData(running.db, running.service);
        return { name: 'consent (DEMO compliance data loaded)', url: running.url, close: () => running.close() };
      }
      return { name: 'consent', url: running.url, close: () => running.close() };
    },
  },
  {
    name: 'engagement (with the write-back worker in-process)',
    module: 'subgraphs/engagement/server.ts',
    portVars: ['ENGAGEMENT_SUBGRAPH_PORT'],
    start: async ({ env, logFor, bus, sharedDb }) => {
      const { engagementEnv, toEngagementConfig } = await load('subgraphs/engagement/config.ts');
      const { startEngagementSubgraph } = await load('subgraphs/engagement/server.ts');
      // The worker writes each outcome to its seller's own connection: the connection table is in
      // the shared database, and its changes come on the shared bus.
      const running = await startEngagementSubgraph(toEngagementConfig(loadConfig(engagementEnv, env)), {
        log: logFor('engagement'),
        db: await sharedDb(),
        bus,
      });
      return { name: 'engagement', url: running.url, close: () => running.close() };
    },
  },
];

/** What `npm start` really runs, for the banner (never credentials: host and database name only). */
function describeBackends(env: NodeJS.ProcessEnv): string {
  const database = env.DATABASE_URL
    ? `PostgreSQL at ${new URL(env.DATABASE_URL).host}${new URL(env.DATABASE_URL).pathname}`
    : env.DATA_DIR
      ? `embedded PGlite in ${env.DATA_DIR}`
      : 'embedded in-memory PGlite (lost on exit)';
  const bus = env.REDIS_URL
    ? `Redis event bus and cache at ${new URL(env.REDIS_URL).host}`
    : 'in-process event bus and cache';
  return `${bus}; ${database}`;
}

/** A part's start failure as one line an operator can act on (no stack for the usual causes). */
function explainStartFailure(part: string, portVars: string[], error: unknown): string {
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e?.code === 'EADDRINUSE') {
    return `${part} could not start: port ${e.port ?? '?'} is already in use by another program (set ${portVars.join(' / ')} to a free port, or stop that program)`;
  }
  if (e?.code === 'EACCES')
    return `${part} could not start: not allowed to listen on port ${e.port ?? '?'} (${portVars.join(' / ')})`;
  if (error instanceof ConfigError) return `${part} could not start: ${error.message}`;
  return `${part} could not start: ${error instanceof Error ? error.message : String(error)}`;
}

/** The date (YYYY-MM-DD, UTC) of the next Monday–Friday after `from`. */
function nextWeekday(from: Date): string {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + 1));
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

async function main(): Promise<void> {
  const level = env.LOG_LEVEL ?? 'warn';
  // One logger per part: each line carries its own service once (a child logger would repeat the key).
  const logFor = (service: string) => createLogger(service, { level });
  // One tracing SDK for every part of this process (service.name "dialplane"), when configured.
  let tracing: Tracing;
  try {
    tracing = await startTracing(loadTracingConfig(env), { service: 'dialplane', log: logFor('dialplane') });
  } catch (error) {
    console.error(`\nnpm start: ${explainStartFailure('tracing', [], error)}\nNothing was started.`);
    process.exit(1);
  }
  const bus = await createEventBus({ log: logFor('dialplane'), redisUrl: env.REDIS_URL });
  const started: Running[] = [];
  const skipped: string[] = [];
  // Embedded mode (no DATABASE_URL): consent, engagement and the CRM subgraphs' reconciliation share
  // one PGlite (their tables live in separate schemas), opened on first use and closed after all of
  // them; each PGlite costs 400-700 MB RSS.
  let embeddedDb: Promise<Database> | undefined;
  const sharedDb = async (): Promise<Database | undefined> => {
    if (env.DATABASE_URL) return undefined;
    embeddedDb ??= openDatabase({ dataDir: env.DATA_DIR, log: logFor('dialplane') });
    return embeddedDb;
  };

  // All or nothing: a part that cannot start stops everything already started, so nothing ever
  // serves a half-built system (the gateway would send queries to whatever holds the port).
  const abort = async (message: string): Promise<never> => {
    console.error(`\nnpm start: ${message}\nStopping the parts already started; nothing is being served.`);
    for (const part of started.reverse()) await part.close().catch(() => {});
    if (embeddedDb) await (await embeddedDb).close().catch(() => undefined);
    await bus.close().catch(() => {});
    await tracing.shutdown();
    process.exit(1);
  };

  for (const part of [...sims, ...subgraphs]) {
    if (!exists(part.module)) {
      skipped.push(`${part.name} (${part.module} not written yet)`);
      continue;
    }
    try {
      started.push(await part.start({ env, logFor, bus, sharedDb }));
    } catch (error) {
      await abort(explainStartFailure(part.name, part.portVars, error));
    }
  }

  const composition = composeSupergraph(readSubgraphSdls(root));
  if (!composition.ok) await abort(`composition failed:\n  - ${composition.errors.join('\n  - ')}`);
  let gatewayConfig: GatewayConfig;
  let gateway: RunningGateway;
  try {
    gatewayConfig = { ...loadGatewayConfig(env), supergraphSdl: composition.ok ? composition.supergraphSdl : '' };
    gateway = await startGateway(gatewayConfig, { log: logFor('gateway') });
  } catch (error) {
    return abort(explainStartFailure('gateway', ['GATEWAY_PORT'], error));
  }
  started.push({ name: 'gateway', url: gateway.url, close: () => gateway.close() });

  // The voice platforms' webhooks, a client of the gateway (docs/platforms.md).
  let platformsUrl: string | null = null;
  if (exists('platforms/service.ts')) {
    try {
      const { platformsEnv, toPlatformsConfig } = await load('platforms/core/config.ts');
      const { startPlatformsService } = await load('platforms/service.ts');
      const running = await startPlatformsService(
        toPlatformsConfig(loadConfig(platformsEnv, { ...env, GATEWAY_URL: gateway.url })),
        {
          log: logFor('platforms'),
        },
      );
      platformsUrl = running.url;
      started.push({ name: 'voice platforms (/platforms/<name>/…)', url: running.url, close: () => running.close() });
    } catch (error) {
      await abort(explainStartFailure('voice platforms', ['PLATFORMS_PORT'], error));
    }
  }

  const tokens = await mintDevTokens(gatewayConfig.jwt);
  // The second demo seller's agent: it reads acme-seller's own org and portal, never demo-seller's.
  const acmeAgent = demoConnections.length
    ? await signToken(
        { sub: 'dev-agent-acme', roles: ['agent'], seller: 'acme-seller', org: 'acme-org' },
        gatewayConfig.jwt,
      )
    : null;
  // What-if instants on the next weekday: the demo consent is recorded now, so a fixed date would
  // fall before it (and outside the what-if window) as the calendar moves on.
  const day = nextWeekday(new Date());
  const lines = [
    '',
    `dialplane is running (${describeBackends(env)})`,
    '',
    ...started.map((s) => `  ${s.name.padEnd(52)} ${s.url}`),
    ...(skipped.length ? ['', 'Not written yet:', ...skipped.map((s) => `  ${s}`)] : []),
    '',
    `Gateway:  ${gateway.url}   (in a browser: Apollo Sandbox, online; GraphiQL, offline: ${gateway.baseUrl}/explorer)`,
    `Console:  ${gateway.baseUrl}/console   (operations: pipeline health, write-back queue and replay, revocations, audit; paste the admin or compliance token)`,
    `Health:   ${gateway.baseUrl}/healthz   ${gateway.baseUrl}/readyz   ${gateway.baseUrl}/metrics`,
    ...(demoConnections.length
      ? [
          `CRM connections (docs/connections.md): ${[...new Set(demoConnections.map((c) => c.seller))].join(', ')}, one per CRM each:`,
          `  curl -s ${gateway.baseUrl}/admin/connections -H "authorization: Bearer $ADMIN_TOKEN"   # ADMIN_TOKEN: the admin token below`,
        ]
      : []),
    '',
    'Development tokens (12 h; send as "Authorization: Bearer <token>"):',
    ...Object.entries(tokens).map(([role, token]) => `  ${role.padEnd(11)} ${token}`),
    ...(acmeAgent
      ? [`  ${'agent'.padEnd(11)} ${acmeAgent}   (acme-seller: its own Salesforce org and HubSpot portal)`]
      : []),
    '',
    'Try it:',
    `  GATEWAY_URL=${gateway.url} npx tsx examples/voice-agent.ts +14155550100 --at=${day}T19:00:00Z   # demo consent: ALLOWED`,
    `  GATEWAY_URL=${gateway.url} npx tsx examples/voice-agent.ts +14155550100 --at=${day}T13:00:00Z   # 05:00 in San Francisco: DENIED + nextAllowedAt`,
    `  GATEWAY_URL=${gateway.url} npx tsx examples/voice-agent.ts +19155550180   # reassigned number; +14155550190 litigator; +12125550160 registered, no consent`,
    '  (demo compliance data: consent for +14155550100, +19155550180, +14155550190, +18505550140 acting for demo-seller;',
    '   a registry snapshot dated today; the RND simulator; one litigator. Only in embedded mode.)',
    `  TOKEN=${tokens.agent}`,
    `  curl -s ${gateway.url} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\`,
    `    -d '{"query":"{ contactsByPhone(phone: \\"+14155550100\\") { id name { full } primaryPhone } }"}'`,
    ...(platformsUrl
      ? [
          `  npm run sim:platforms -- --url=${platformsUrl} --opt-out     # a whole call as each voice platform plays it`,
        ]
      : []),
    '',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    // Front to back: the gateway first (no new work), then subgraphs, then the simulators.
    for (const part of started.reverse()) {
      await part
        .close()
        .catch((error: unknown) => console.error(`${part.name} did not close cleanly: ${String(error)}`));
    }
    if (embeddedDb) await (await embeddedDb).close().catch(() => undefined);
    await bus.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('npm start failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
