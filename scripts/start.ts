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
import { DEFAULT_PORTS, loadConfig } from '../shared/config.js';
import { openDatabase, type Database } from '../shared/db.js';
import { createEventBus, type EventBus } from '../shared/events.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { composeSupergraph, readSubgraphSdls } from '../gateway/compose-supergraph.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { mintDevTokens } from '../gateway/dev-tokens.js';
import { startGateway } from '../gateway/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exists = (rel: string) => existsSync(path.join(root, rel));
// Dynamic import by path: the module may not exist yet, and TypeScript must not require it to.
const load = (rel: string): Promise<any> => import(path.join(root, rel));

interface Running {
  name: string;
  url: string;
  close(): Promise<void>;
}

interface Part {
  name: string;
  /** Module whose presence means "this part exists". */
  module: string;
  start(ctx: { env: NodeJS.ProcessEnv; log: Logger; bus: EventBus; sharedDb: () => Promise<Database | undefined> }): Promise<Running>;
}

const env: NodeJS.ProcessEnv = { NODE_ENV: 'development', ...process.env };
const localUrl = (port: number, rel = '') => `http://127.0.0.1:${port}${rel}`;
const ports = {
  gateway: Number(env.GATEWAY_PORT ?? DEFAULT_PORTS.gateway),
  salesforce: Number(env.SALESFORCE_SUBGRAPH_PORT ?? DEFAULT_PORTS.salesforce),
  hubspot: Number(env.HUBSPOT_SUBGRAPH_PORT ?? DEFAULT_PORTS.hubspot),
  simSalesforce: Number(env.SIM_SALESFORCE_PORT ?? DEFAULT_PORTS.simSalesforce),
  simHubspot: Number(env.SIM_HUBSPOT_PORT ?? DEFAULT_PORTS.simHubspot),
};

const sims: Part[] = [
  {
    // Both simulators, seeded with the deterministic demo dataset (SIM_SEED, SIM_CONTACTS: 10,000 a CRM).
    name: 'CRM simulators (salesforce, hubspot)',
    module: 'sim/index.ts',
    start: async ({ env }) => {
      const { simEnv, startSimulators } = await load('sim/index.ts');
      const sims = await startSimulators(loadConfig(simEnv, env));
      return { name: 'CRM simulators (salesforce, hubspot)', url: `${sims.salesforce.url}  ${sims.hubspot.url}`, close: () => sims.close() };
    },
  },
];

const subgraphs: Part[] = [
  {
    name: 'salesforce',
    module: 'subgraphs/salesforce/server.ts',
    start: async ({ env, log, bus, sharedDb }) => {
      const { loadSalesforceSubgraphConfig } = await load('subgraphs/salesforce/config.ts');
      const { startSalesforceSubgraph } = await load('subgraphs/salesforce/server.ts');
      // Reconciliation state and jobs in the shared embedded database (not one PGlite per CRM).
      const running = await startSalesforceSubgraph({ ...loadSalesforceSubgraphConfig(env), log: log.child({ service: 'salesforce' }), bus, reconcileDb: await sharedDb() });
      return { name: 'salesforce', url: running.url, close: () => running.close() };
    },
  },
  {
    name: 'hubspot',
    module: 'subgraphs/hubspot/server.ts',
    start: async ({ env, log, bus, sharedDb }) => {
      const { loadHubspotSubgraphConfig } = await load('subgraphs/hubspot/config.ts');
      const { startHubspotSubgraph } = await load('subgraphs/hubspot/server.ts');
      // Reconciliation state and jobs in the shared embedded database (not one PGlite per CRM).
      const running = await startHubspotSubgraph({ ...loadHubspotSubgraphConfig(env), log: log.child({ service: 'hubspot' }), bus, reconcileDb: await sharedDb() });
      return { name: 'hubspot', url: running.url, close: () => running.close() };
    },
  },
  {
    name: 'consent',
    module: 'subgraphs/consent/server.ts',
    start: async ({ env, log, bus, sharedDb }) => {
      const { loadConsentConfig } = await load('subgraphs/consent/config.ts');
      const { startConsentSubgraph } = await load('subgraphs/consent/server.ts');
      const db = await sharedDb();
      if (db) {
        const { migrate } = await load('shared/db.ts');
        const { CONSENT_MIGRATIONS } = await load('subgraphs/consent/migrations/index.ts');
        await migrate(db, 'consent', CONSENT_MIGRATIONS);
      }
      const running = await startConsentSubgraph(loadConsentConfig(env), { log: log.child({ service: 'consent' }), bus, db });
      return { name: 'consent', url: running.url, close: () => running.close() };
    },
  },
  {
    name: 'engagement (with the write-back worker in-process)',
    module: 'subgraphs/engagement/server.ts',
    start: async ({ env, log, sharedDb }) => {
      const { engagementEnv, toEngagementConfig } = await load('subgraphs/engagement/config.ts');
      const { startEngagementSubgraph } = await load('subgraphs/engagement/server.ts');
      const running = await startEngagementSubgraph(toEngagementConfig(loadConfig(engagementEnv, env)), {
        log: log.child({ service: 'engagement' }),
        db: await sharedDb(),
      });
      return { name: 'engagement', url: running.url, close: () => running.close() };
    },
  },
];

async function main(): Promise<void> {
  const log = createLogger('dialplane', { level: env.LOG_LEVEL ?? 'warn' });
  const bus = await createEventBus({ log });
  const started: Running[] = [];
  const skipped: string[] = [];
  // Embedded mode (no DATABASE_URL): consent, engagement and the CRM subgraphs' reconciliation share
  // one PGlite (their tables live in separate schemas), opened on first use and closed after all of
  // them; each PGlite costs 400-700 MB RSS.
  let embeddedDb: Promise<Database> | undefined;
  const sharedDb = async (): Promise<Database | undefined> => {
    if (env.DATABASE_URL) return undefined;
    embeddedDb ??= openDatabase({ dataDir: env.DATA_DIR, log });
    return embeddedDb;
  };

  for (const part of [...sims, ...subgraphs]) {
    if (!exists(part.module)) {
      skipped.push(`${part.name} (${part.module} not written yet)`);
      continue;
    }
    try {
      started.push(await part.start({ env, log, bus, sharedDb }));
    } catch (error) {
      skipped.push(`${part.name} (failed to start: ${error instanceof Error ? error.message : String(error)})`);
    }
  }

  const composition = composeSupergraph(readSubgraphSdls(root));
  if (!composition.ok) {
    console.error(`Composition failed:\n  - ${composition.errors.join('\n  - ')}`);
    await Promise.all(started.map((s) => s.close()));
    process.exit(1);
  }
  const gatewayConfig = { ...loadGatewayConfig(env), supergraphSdl: composition.supergraphSdl };
  const gateway = await startGateway(gatewayConfig, { log: log.child({ service: 'gateway' }) });
  started.push({ name: 'gateway', url: gateway.url, close: () => gateway.close() });

  // The voice platforms' webhooks, a client of the gateway (docs/platforms.md).
  let platformsUrl: string | null = null;
  if (exists('platforms/service.ts')) {
    try {
      const { platformsEnv, toPlatformsConfig } = await load('platforms/core/config.ts');
      const { startPlatformsService } = await load('platforms/service.ts');
      const running = await startPlatformsService(toPlatformsConfig(loadConfig(platformsEnv, { ...env, GATEWAY_URL: gateway.url })), {
        log: log.child({ service: 'platforms' }),
      });
      platformsUrl = running.url;
      started.push({ name: 'voice platforms (/platforms/<name>/…)', url: running.url, close: () => running.close() });
    } catch (error) {
      skipped.push(`voice platforms (failed to start: ${error instanceof Error ? error.message : String(error)})`);
    }
  }

  const tokens = await mintDevTokens(gatewayConfig.jwt);
  const lines = [
    '',
    'dialplane is running (embedded mode: in-process event bus and cache, in-memory PGlite)',
    '',
    ...started.map((s) => `  ${s.name.padEnd(52)} ${s.url}`),
    ...(skipped.length ? ['', 'Not started:', ...skipped.map((s) => `  ${s}`)] : []),
    '',
    `Gateway:  ${gateway.url}   (Apollo Sandbox: open it in a browser; graphql-ws on the same path)`,
    `Health:   ${gateway.baseUrl}/healthz   ${gateway.baseUrl}/readyz   ${gateway.baseUrl}/metrics`,
    '',
    'Development tokens (12 h; send as "Authorization: Bearer <token>"):',
    ...Object.entries(tokens).map(([role, token]) => `  ${role.padEnd(11)} ${token}`),
    '',
    'Try it:',
    `  GATEWAY_URL=${gateway.url} npx tsx examples/voice-agent.ts +14155550100 --listen=10`,
    `  TOKEN=<agent token above>; curl -s ${gateway.url} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\`,
    `    -d '{"query":"{ contactsByPhone(phone: \\"+14155550100\\") { id name { full } primaryPhone } }"}'`,
    ...(platformsUrl ? [`  npm run sim:platforms -- --url=${platformsUrl} --opt-out     # a whole call as each voice platform plays it`] : []),
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
      await part.close().catch((error: unknown) => console.error(`${part.name} did not close cleanly: ${String(error)}`));
    }
    if (embeddedDb) await (await embeddedDb).close().catch(() => undefined);
    await bus.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('npm start failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
