/**
 * The whole system, started in-process for tests that must exercise it over real HTTP and
 * graphql-ws as a client (or an attacker) would: both CRM simulators (small seeded orgs, zero
 * latency unless asked), the Salesforce and HubSpot subgraphs, consent, engagement and the gateway
 * on the committed supergraph. Embedded by default (in-memory PGlite, in-process bus and cache);
 * pass `databaseUrl` (a `createTestDatabase` URL) for the PostgreSQL shape.
 *
 * Every part listens on an ephemeral port, so test files never collide.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { silentLogger } from '../../shared/logger.js';
import { loadConfig } from '../../shared/config.js';
import type { Identity } from '../../shared/identity.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { loadManifest, TRUSTED_DOCUMENTS_MANIFEST } from '../../shared/trusted-documents-manifest.js';
import type { GatewayConfig } from '../../gateway/config.js';
import { mintDevTokens, signToken, type CallerRole } from '../../gateway/dev-tokens.js';
import { startSalesforceSim, type SalesforceCustomField, type SalesforceSim } from '../../sim/salesforce/server.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { loadSalesforceSubgraphConfig } from '../../subgraphs/salesforce/config.js';
import { startSalesforceSubgraph } from '../../subgraphs/salesforce/server.js';
import type { CrmRuntimeConfig } from '../../shared/crm/crm-subgraph.js';
import { loadHubspotSubgraphConfig } from '../../subgraphs/hubspot/config.js';
import { startHubspotSubgraph } from '../../subgraphs/hubspot/server.js';
import { loadConsentConfig } from '../../subgraphs/consent/config.js';
import { startConsentSubgraph } from '../../subgraphs/consent/server.js';
import { engagementEnv, toEngagementConfig } from '../../subgraphs/engagement/config.js';
import { startEngagementSubgraph } from '../../subgraphs/engagement/server.js';

export const STACK_INTERNAL_SECRET = 'stack-internal-secret-0123456789abcdef';
export const STACK_JWT = {
  secret: 'stack-jwt-secret-0123456789abcdef0123456789',
  issuer: 'dialplane',
  audience: 'dialplane-api',
};

const root = path.resolve(import.meta.dirname, '../..');

export interface StackOptions {
  /** PostgreSQL for consent and engagement; unset = in-memory PGlite each. */
  databaseUrl?: string;
  /** Extra environment for every service (e.g. secrets, NODE_ENV, limits). */
  env?: Record<string, string>;
  /** Contacts per simulated CRM (default 200). */
  contacts?: number;
  /** Run the write-back worker inside engagement (default false). */
  engagementWorker?: boolean;
  /** Gateway in development mode (introspection for everyone, suggestions); default false. */
  development?: boolean;
  /** Gateway configuration overrides (e.g. `admission`: limits, rate limits, trusted documents). */
  gateway?: Partial<GatewayConfig>;
  /** Runtime overrides for both CRM subgraphs (e.g. a hand-ticked `driftTicker`). */
  crmRuntime?: Partial<CrmRuntimeConfig>;
  /** Custom fields of the simulated Salesforce org (e.g. a `Do_Not_Call__c` the mapping overrides read). */
  salesforceCustomFields?: SalesforceCustomField[];
}

export interface Stack {
  gatewayUrl: string;
  /** ws:// URL of the gateway's graphql-ws endpoint. */
  wsUrl: string;
  gateway: RunningGateway;
  urls: { salesforce: string; hubspot: string; consent: string; engagement: string };
  sims: { salesforce: SalesforceSim; hubspot: HubspotSim };
  /** Environment every service was started with (secrets included), for signing test requests. */
  env: Record<string, string>;
  /** One token per role, acting for `demo-seller`. */
  tokens: Record<CallerRole, string>;
  /** Signs a token for any identity with the stack's JWT secret. */
  token(identity: Identity, expiresIn?: string | number): Promise<string>;
  bus: EventBus;
  /** Stops one subgraph (an outage); the rest keeps running. */
  stopService(name: 'consent' | 'engagement' | 'salesforce' | 'hubspot'): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const bus = await createEventBus();
    closers.push(() => bus.close());
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DIALPLANE_INTERNAL_SECRET: STACK_INTERNAL_SECRET,
      CACHE_TTL_MS: '10000',
      // Reconciliation is opt-in for stack tests (it adds a database and a job queue per CRM).
      RECONCILE_INTERVAL_MS: '0',
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    };
    const contacts = options.contacts ?? 200;
    const latency = { medianMs: 0, jitterMs: 0 };

    // The simulator signs its change events with the same secret the subgraph verifies them with.
    const salesforceSim = await startSalesforceSim({
      port: 0,
      contacts,
      latency,
      ...(env.SALESFORCE_WEBHOOK_SECRET ? { webhookSecret: env.SALESFORCE_WEBHOOK_SECRET } : {}),
      ...(options.salesforceCustomFields ? { customFields: options.salesforceCustomFields } : {}),
    });
    closers.push(() => salesforceSim.close());
    const hubspotSim = await startHubspotSim({ port: 0, contacts, latency });
    closers.push(() => hubspotSim.close());
    Object.assign(env, {
      SALESFORCE_LOGIN_URL: salesforceSim.url,
      SALESFORCE_INSTANCE_URL: salesforceSim.url,
      HUBSPOT_BASE_URL: hubspotSim.url,
      SALESFORCE_SUBGRAPH_PORT: '0',
      HUBSPOT_SUBGRAPH_PORT: '0',
      CONSENT_SUBGRAPH_PORT: '0',
      ENGAGEMENT_SUBGRAPH_PORT: '0',
    });

    const sfConfig = loadSalesforceSubgraphConfig(env);
    const salesforce = await startSalesforceSubgraph({
      ...sfConfig,
      runtime: { ...sfConfig.runtime, ...options.crmRuntime },
      log: silentLogger,
      bus,
    });
    closers.push(() => salesforce.close());
    const hsConfig = loadHubspotSubgraphConfig(env);
    const hubspot = await startHubspotSubgraph({
      ...hsConfig,
      runtime: { ...hsConfig.runtime, ...options.crmRuntime },
      log: silentLogger,
      bus,
    });
    closers.push(() => hubspot.close());
    // Change events flow from each simulator to its subgraph's receiver, as under `npm start`.
    await salesforceSim.admin.setWebhooks([new URL('/webhooks/salesforce', salesforce.url).toString()]);
    await hubspotSim.admin.setWebhooks([new URL('/webhooks/hubspot', hubspot.url).toString()]);

    const consent = await startConsentSubgraph(loadConsentConfig(env), { log: silentLogger, bus });
    closers.push(() => consent.close());
    const engagement = await startEngagementSubgraph(
      toEngagementConfig(
        loadConfig(engagementEnv, {
          ...env,
          CONSENT_SUBGRAPH_URL: consent.url,
          ENGAGEMENT_WORKER: options.engagementWorker ? 'true' : 'false',
        }),
      ),
      { log: silentLogger },
    );
    closers.push(() => engagement.close());

    const gateway = await startGateway(
      {
        port: 0,
        development: options.development ?? false,
        internalSecret: STACK_INTERNAL_SECRET,
        jwt: STACK_JWT,
        supergraphSdl: readFileSync(path.join(root, 'schema/supergraph.graphql'), 'utf8'),
        crmSubgraphs: [
          { name: 'salesforce', url: salesforce.url },
          { name: 'hubspot', url: hubspot.url },
        ],
        subgraphUrls: { consent: consent.url, engagement: engagement.url },
        // As `npm start` (development): the manifest is loaded so registered ids resolve, texts are not checked.
        admission: {
          trustedDocuments: { mode: 'off', manifest: loadManifest(path.join(root, TRUSTED_DOCUMENTS_MANIFEST)) },
        },
        ...options.gateway,
      },
      { log: silentLogger, collectDefaultMetrics: false },
    );
    closers.push(() => gateway.close());

    return {
      gatewayUrl: gateway.url,
      wsUrl: gateway.url.replace(/^http/, 'ws'),
      gateway,
      urls: { salesforce: salesforce.url, hubspot: hubspot.url, consent: consent.url, engagement: engagement.url },
      sims: { salesforce: salesforceSim, hubspot: hubspotSim },
      env,
      tokens: await mintDevTokens(STACK_JWT),
      token: (identity, expiresIn) => signToken(identity, STACK_JWT, expiresIn),
      bus,
      stopService: (name) => ({ consent, engagement, salesforce, hubspot })[name].close(),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
