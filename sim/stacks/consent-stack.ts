/**
 * An in-process consent deployment for the consent benchmark and the revocation fan-out test:
 * the HubSpot simulator and subgraph, `replicas` consent subgraphs on one database and one bus,
 * and one gateway per consent replica, plus a helper that opens many revocation subscriptions.
 * It lives here, not in bench/, because tests use it too (nothing but benches imports bench/).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { DEV_INTERNAL_SECRET, DEV_JWT_SECRET } from '../../shared/config.js';
import type { Database } from '../../shared/db.js';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import { createEventBus, type EventBus } from '../../shared/events.js';
import type { Identity } from '../../shared/identity.js';
import { silentLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import { composeSupergraph, readSubgraphSdls } from '../../gateway/compose-supergraph.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { signToken } from '../../gateway/dev-tokens.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { startHubspotSim, type HubspotSim } from '../hubspot/server.js';
import { loadHubspotSubgraphConfig } from '../../subgraphs/hubspot/config.js';
import { startHubspotSubgraph } from '../../subgraphs/hubspot/server.js';
import { startConsentSubgraph, type RunningConsentSubgraph } from '../../subgraphs/consent/server.js';
import { openConsentDatabase } from '../../subgraphs/consent/store/open-consent-db.js';

// The SDL files are read from the repository (benches and tests run from its root, compiled or not).
const ROOT = process.cwd();
const JWT = { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' };
const AGENT: Identity = { sub: 'bench-agent', roles: ['agent'], seller: 'acme' };

export interface ConsentStack {
  sim: HubspotSim;
  consents: RunningConsentSubgraph[];
  gateways: RunningGateway[];
  crmUrl: string;
  token: string;
  db: Database;
  close(): Promise<void>;
}

/**
 * HubSpot sim + HubSpot subgraph + `replicas` consent subgraphs (one database, one bus) + one
 * gateway per consent replica. PostgreSQL/Redis when URLs are given, else PGlite + in-process bus.
 */
export async function startConsentStack(options: {
  replicas: number;
  databaseUrl?: string;
  redisUrl?: string;
  busPrefix?: string;
}): Promise<ConsentStack> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
    closers.push(() => sim.close());
    const hubspot = await startHubspotSubgraph({
      ...loadHubspotSubgraphConfig({ HUBSPOT_BASE_URL: sim.url, HUBSPOT_SUBGRAPH_PORT: '0', LOG_LEVEL: 'silent' }),
      log: silentLogger,
    });
    closers.push(() => hubspot.close());
    const db = options.databaseUrl
      ? await openConsentDatabase({ url: options.databaseUrl, maxConnections: 20 })
      : await openConsentDatabase({});
    closers.push(() => db.close());
    const sharedBus: EventBus | undefined = options.redisUrl ? undefined : await createEventBus();
    if (sharedBus) closers.push(() => sharedBus.close());
    const consents: RunningConsentSubgraph[] = [];
    for (let i = 0; i < options.replicas; i++) {
      const c = await startConsentSubgraph(
        {
          port: 0,
          nodeEnv: 'production',
          logLevel: 'silent',
          internalSecret: DEV_INTERNAL_SECRET,
          redisUrl: options.redisUrl,
          revocationPollMs: 1_000,
        },
        {
          log: silentLogger,
          metrics: createMetrics(`consent-${i}`, { collectDefault: false }),
          db,
          bus: sharedBus,
          busPrefix: options.busPrefix,
        },
      );
      consents.push(c);
      closers.push(() => c.close());
    }
    const supergraphPath = writeComposedSupergraph();
    const gateways: RunningGateway[] = [];
    for (const c of consents) {
      const g = await startStackGateway({ supergraphPath, crmUrl: hubspot.url, consentUrl: c.url });
      gateways.push(g);
      closers.push(() => g.close());
    }
    const token = await signToken(AGENT, JWT, '2h');
    return {
      sim,
      consents,
      gateways,
      crmUrl: hubspot.url,
      token,
      db,
      close: async () => {
        for (const close of closers.reverse()) await close().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}

/** Composes the supergraph from the repository's subgraph SDLs into a throw-away file; its path. */
export function writeComposedSupergraph(): string {
  const composition = composeSupergraph(readSubgraphSdls(ROOT));
  if (!composition.ok)
    throw new DialplaneError(ErrorCode.CONFIG_INVALID, `composition failed: ${composition.errors.join('; ')}`);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'consent-bench-')), 'supergraph.graphql');
  writeFileSync(file, composition.supergraphSdl);
  return file;
}

/** One gateway in front of the HubSpot subgraph and one consent replica, on the development secrets. */
export async function startStackGateway(urls: {
  supergraphPath: string;
  crmUrl: string;
  consentUrl: string;
  /** GATEWAY_RATE_LIMITS for this gateway; unset: the defaults (an agent may send 200 req/s). */
  rateLimits?: string;
}): Promise<RunningGateway> {
  const config = loadGatewayConfig({
    // 'test': production refuses the development secrets this stack uses.
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    GATEWAY_PORT: '0',
    SUPERGRAPH_PATH: urls.supergraphPath,
    CRM_SUBGRAPHS: `hubspot=${urls.crmUrl}`,
    CONSENT_SUBGRAPH_URL: urls.consentUrl,
    JWT_SECRET: DEV_JWT_SECRET,
    DIALPLANE_INTERNAL_SECRET: DEV_INTERNAL_SECRET,
    ...(urls.rateLimits ? { GATEWAY_RATE_LIMITS: urls.rateLimits } : {}),
  } as NodeJS.ProcessEnv);
  return startGateway({ ...config, development: false }, { log: silentLogger, collectDefaultMetrics: false });
}

/** Subscribes `count` times over `perSocket`-multiplexed graphql-ws connections to `url` (a gateway). */
export function subscribeMany(
  url: string,
  token: string,
  count: number,
  perSocket: number,
  onEvent: (index: number, cursor: string) => void,
): { clients: Client[] } {
  const clients: Client[] = [];
  const query = 'subscription { consentRevoked { phone cursor } }';
  for (let s = 0; s * perSocket < count; s++) {
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(client);
    for (let j = 0; j < perSocket && s * perSocket + j < count; j++) {
      const index = s * perSocket + j;
      client.subscribe<{ consentRevoked: { cursor: string } }>(
        { query },
        {
          next: (m) => onEvent(index, m.data!.consentRevoked.cursor),
          error: () => undefined,
          complete: () => undefined,
        },
      );
    }
  }
  return { clients };
}
