import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createCache } from '../cache.js';
import type { Database } from '../db.js';
import { createRedisConnection } from '../redis.js';
import { createEventBus, type EventBus } from '../events.js';
import { HttpError, readRawBody, sendJson, type Route } from '../http.js';
import { createLogger, errorForLog, logError, type Logger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { createIdentityVerifier, type IdentityVerifier } from '../identity.js';
import { startSubgraph, type RunningSubgraph } from '../subgraph-server.js';
import type { ServerTls } from '../tls.js';
import { SpanAttr, SpanKind, tracingActive, withSpan } from '../tracing.js';
import { ChangeHandler } from './change-handler.js';
import { expandRelatedChanges } from './related-changes.js';
import { DriftWatch, type Ticker } from './drift-watch.js';
import { ErrorCode } from '../errors.js';
import { webhookAuthFailures } from '../webhook-signature.js';
import type { CrmChangeEvent, CrmConnector, CrmSource, WebhookRequest } from './connector.js';
import { ContactService } from './contact-service.js';
import { ContactStore, type CachedContactEntry } from './contact-store.js';
import { createContractResolvers } from './contract-resolvers.js';
import { crmContractTypeDefs } from './contract.js';
import { createCrmMetrics } from './crm-metrics.js';
import { PhoneIndex, type PhoneIndexEntry } from './phone-index.js';
import { pipelineHealthRoute } from './pipeline-health-route.js';
import {
  startCrmReconciliation,
  type CrmReconciliation,
  type CrmReconciliationConfig,
} from './reconciliation/crm-reconciliation.js';

/**
 * Starts a CRM subgraph around a connector: the contract SDL and resolvers, the cache (memory or
 * Redis), the cross-request batcher and breaker, and `POST /webhooks/<source>` for change events.
 * subgraphs/<crm>/server.ts is a thin wrapper that builds its connector (crm/<name>/) and calls this.
 */

export interface CrmRuntimeConfig {
  /** Fresh lifetime of a cached contact. @default 10000 */
  cacheTtlMs: number;
  /** Cross-request batch window. @default 3 */
  batchWindowMs: number;
  /** Redis for cache, markers and event bus; unset = in-process. */
  redisUrl?: string;
  /** Upper bound of one Redis command, ms. @default 50 */
  redisCommandTimeoutMs?: number;
  internalSecret: string;
  /** How long cached contacts stay available as stale fallback during an outage. @default 3600000 */
  staleRetainMs?: number;
  /** Lifetime of a phone-index entry with matches. @default 900000 */
  phoneIndexTtlMs?: number;
  /** Key and channel prefix (tests pass uniquePrefix()). @default 'dialplane:' */
  keyPrefix?: string;
  breaker?: { failureThreshold?: number; openMs?: number };
  /**
   * Overrides the connector's batch loads in flight at once. Fewer means fuller batches (fewer CRM
   * calls under load: arrivals wait for a slot and merge) at the cost of up to one CRM round trip
   * of queueing; more means lower cold latency and more calls.
   */
  maxConcurrentBatches?: number;
  /** Refresh a hot contact this long before its freshness ends (ContactService). @default 2000 */
  refreshAheadMs?: number;
  /**
   * Period of the drift watch's describe of the contact object (DRIFT_CHECK_INTERVAL_MS); 0 or unset
   * = no periodic check (reads still report drift). Services get the env default (3000).
   */
  driftCheckIntervalMs?: number;
  /** Timer of the drift check (tests tick it by hand). @default setInterval */
  driftTicker?: Ticker;
  development?: boolean;
  /** Clock (epoch ms) of freshness, serve-stale and the breaker; tests inject one instead of sleeping out a TTL. @default Date.now */
  now?: () => number;
  /** Replaces the identity check (benchmarks measure the request path with checks switched off; never in services). */
  identityVerifier?: IdentityVerifier;
  /**
   * Periodic reconciliation against the CRM (changes its webhooks never delivered); unset = off.
   * `dataDir` is the PGlite parent directory: each CRM keeps its own `crm-reconcile-<crm>` in it.
   */
  reconcile?: CrmReconciliationConfig;
}

export interface StartCrmSubgraphOptions {
  /** Subgraph name (`salesforce`, `hubspot`). */
  name: string;
  port: number;
  host?: string;
  /** HTTPS with this certificate; unset: plain HTTP. */
  tls?: ServerTls;
  connector: CrmConnector;
  config: CrmRuntimeConfig;
  log: Logger;
  /** Defaults to a fresh registry named after the subgraph; pass the one the connector records into. */
  metrics?: Metrics;
  /** An existing bus to publish on (else one is created from redisUrl and closed with the server). */
  bus?: EventBus;
  /** An open database for reconciliation (else opened from `config.reconcile` and closed with the server). */
  reconcileDb?: Database;
}

/** What every CRM subgraph's `server.ts` takes besides its CRM's connection options. */
export interface CrmSubgraphOptions {
  /** 0 = ephemeral (tests). */
  port: number;
  host?: string;
  /** HTTPS with this certificate (TLS_CERT_FILE / TLS_KEY_FILE); unset: plain HTTP. */
  tls?: ServerTls;
  runtime: CrmRuntimeConfig;
  log?: Logger;
  logLevel?: string;
  /** Publish change events on an existing bus instead of one built from runtime.redisUrl. */
  bus?: EventBus;
  /** An open database for reconciliation state and jobs (npm start shares its embedded one). */
  reconcileDb?: Database;
}

/** Times and counts each CRM call per endpoint (the connector wraps every client call in it). */
export type CrmCallInstrument = <T>(endpoint: string, fn: () => Promise<T>) => Promise<T>;

/**
 * The whole of a CRM subgraph's start-up but for its connector: one metrics registry shared by the
 * runtime and the connector's per-call series, the logger, then `startCrmSubgraph`.
 */
export async function startInstrumentedCrmSubgraph(
  source: CrmSource,
  options: CrmSubgraphOptions,
  createConnector: (instrument: CrmCallInstrument) => CrmConnector,
): Promise<RunningCrmSubgraph> {
  const log = options.log ?? createLogger(source, { level: options.logLevel });
  const metrics = createMetrics(source);
  const crmMetrics = createCrmMetrics(metrics, source);
  return startCrmSubgraph({
    name: source,
    port: options.port,
    host: options.host,
    tls: options.tls,
    // Each CRM call a CLIENT span (tracing on) inside its metrics timing.
    connector: createConnector((endpoint, fn) =>
      tracingActive()
        ? withSpan(
            `${source} ${endpoint}`,
            { kind: SpanKind.CLIENT, attributes: { [SpanAttr.crm]: source, [SpanAttr.crmEndpoint]: endpoint } },
            () => crmMetrics.call(endpoint, fn),
          )
        : crmMetrics.call(endpoint, fn),
    ),
    config: options.runtime,
    log,
    metrics,
    bus: options.bus,
    reconcileDb: options.reconcileDb,
  });
}

export interface RunningCrmSubgraph extends RunningSubgraph {
  /** The contact service (tests and the bench read breaker state through it). */
  service: ContactService;
  /** Drift on consent-critical fields (tests read its state). */
  driftWatch: DriftWatch;
  bus: EventBus;
  webhookUrl: string;
  /** Present when `config.reconcile` is set. */
  reconciliation?: CrmReconciliation;
}

export async function startCrmSubgraph(options: StartCrmSubgraphOptions): Promise<RunningCrmSubgraph> {
  const { connector, config, log } = options;
  const metrics = options.metrics ?? createMetrics(options.name);
  const crmMetrics = createCrmMetrics(metrics, connector.source);
  const prefix = `${config.keyPrefix ?? 'dialplane:'}crm:${connector.source}`;
  const staleRetainMs = config.staleRetainMs ?? 3_600_000;
  // One Redis connection for the three caches; it connects in the background, so the subgraph
  // starts (degraded, in-process tier) when Redis is unreachable and recovers when it returns.
  const redis = config.redisUrl
    ? createRedisConnection({
        url: config.redisUrl,
        log,
        name: `${connector.source}-cache`,
        commandTimeoutMs: config.redisCommandTimeoutMs,
      })
    : undefined;
  const cacheRedis = redis ? { redis, redisTimeoutMs: config.redisCommandTimeoutMs } : {};
  const contactCache = createCache<CachedContactEntry>({
    namespace: `${prefix}:contact:${connector.mappingVersion}`,
    ttlMs: staleRetainMs,
    ...cacheRedis,
    log,
  });
  const phoneCache = createCache<PhoneIndexEntry>({
    namespace: `${prefix}:phone`,
    ttlMs: config.phoneIndexTtlMs ?? 900_000,
    ...cacheRedis,
    log,
  });
  const markerCache = createCache<{ order: number }>({
    namespace: `${prefix}:events`,
    ttlMs: 24 * 3_600_000,
    ...cacheRedis,
    log,
  });
  const ownsBus = !options.bus;
  const bus =
    options.bus ??
    (await createEventBus({
      redisUrl: config.redisUrl,
      prefix: `${config.keyPrefix ?? 'dialplane:'}events:`,
      log,
      commandTimeoutMs: config.redisCommandTimeoutMs,
    }));

  const store = new ContactStore({
    cache: contactCache,
    ttlMs: config.cacheTtlMs,
    retainMs: staleRetainMs,
    now: config.now,
  });
  const phoneIndex = new PhoneIndex({
    cache: phoneCache,
    ttlMs: config.phoneIndexTtlMs ?? 900_000,
    negativeTtlMs: config.cacheTtlMs,
  });
  const driftWatch: DriftWatch = new DriftWatch({
    connector,
    store,
    intervalMs: config.driftCheckIntervalMs ?? 0,
    ticker: config.driftTicker,
    log,
    onChange: (drifted) => crmMetrics.criticalDrift(new Set(drifted.map((d) => d.crmField)).size),
    paused: (): boolean => service.breaker.state === 'open',
  });
  const service = new ContactService({
    connector,
    store,
    onLoaded: (results) =>
      driftWatch
        .observe(results)
        .catch((error: unknown) =>
          log.warn({ crm: connector.source, err: errorForLog(error) }, 'drift watch could not evict'),
        ),
    metrics: crmMetrics,
    log,
    batchWindowMs: config.batchWindowMs,
    maxConcurrentBatches: config.maxConcurrentBatches,
    refreshAheadMs: config.refreshAheadMs,
    breaker: config.breaker,
    now: config.now,
  });
  const changes = new ChangeHandler({
    connector,
    store,
    phoneIndex,
    bus,
    markers: markerCache,
    metrics: crmMetrics,
    log,
  });
  const resolvers = createContractResolvers({
    connector,
    service,
    phoneIndex,
    metrics: crmMetrics,
    log,
    now: config.now,
  });
  const reconciliation = config.reconcile
    ? await startCrmReconciliation({
        connector,
        changes,
        config: {
          ...config.reconcile,
          dataDir: config.reconcile.dataDir
            ? `${config.reconcile.dataDir}/crm-reconcile-${connector.source}`
            : undefined,
        },
        metrics,
        log,
        ...(options.reconcileDb ? { db: options.reconcileDb } : {}),
      })
    : undefined;

  driftWatch.start();

  const webhookPath = `/webhooks/${connector.source}`;
  const authFailures = webhookAuthFailures(metrics);
  const webhookRoute: Route = {
    method: 'POST',
    path: webhookPath,
    handler: async (req: IncomingMessage, res: ServerResponse, url: URL) => {
      const body = await readRawBody(req);
      const request: WebhookRequest = {
        method: req.method ?? 'POST',
        url: webhookUrlOf(req, url),
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
        ),
        body,
        receivedAt: Date.now(),
      };
      const parsed = connector.parseWebhook(request);
      if (!parsed.ok) {
        crmMetrics.webhookEvent('rejected');
        if (parsed.status === 401)
          authFailures.inc({ receiver: connector.source, reason: parsed.reason ?? 'signature' });
        // Receiver, code and reason only: the body (phones, names) never reaches the logs.
        log.warn(
          { receiver: connector.source, code: parsed.code, status: parsed.status, reason: parsed.reason },
          'CRM webhook rejected',
        );
        throw new HttpError(parsed.status, parsed.code, parsed.message);
      }
      const outcomes = await changes.apply(parsed.events);
      let related: CrmChangeEvent[] = [];
      if (parsed.related && parsed.related.length > 0) {
        // A deal change names no contact: ask the CRM whose deal it is, then evict those. If the CRM
        // cannot answer, the sender retries the delivery (the events above dedupe on the retry).
        const records = parsed.related.map((r) => ({ object: r.object, recordId: r.recordId }));
        try {
          const contactsOf = connector.contactsOfRecords
            ? await service.callThroughBreaker(() => connector.contactsOfRecords!(records))
            : new Map<string, string[]>();
          related = expandRelatedChanges(parsed.related, contactsOf);
        } catch (error) {
          log.warn(
            { receiver: connector.source, records: records.length, err: errorForLog(error) },
            'could not resolve the contacts of a deal change',
          );
          throw new HttpError(
            503,
            ErrorCode.CRM_UNAVAILABLE,
            'the contacts of a changed deal could not be read from the CRM; retry the delivery',
          );
        }
        outcomes.push(...(await changes.apply(related)));
      }
      sendJson(res, 200, {
        received: parsed.events.length + related.length,
        applied: outcomes.filter((o) => o === 'applied').length,
        ignored: outcomes.filter((o) => o !== 'applied').length,
      });
    },
  };

  // The operations console's view of this CRM (asked by the gateway: gateway/console/pipeline-route.ts).
  const pipelineRoute = pipelineHealthRoute({
    connector,
    breakerState: () => service.breaker.state,
    ...(reconciliation ? { reconciliation } : {}),
    metrics,
    verifyIdentity: config.identityVerifier ?? createIdentityVerifier(config.internalSecret),
  });

  const running = await startSubgraph({
    name: options.name,
    port: options.port,
    host: options.host,
    tls: options.tls,
    typeDefs: crmContractTypeDefs(),
    resolvers: resolvers as never,
    internalSecret: config.internalSecret,
    ...(config.identityVerifier ? { identityVerifier: config.identityVerifier } : {}),
    log,
    metrics,
    routes: [webhookRoute, pipelineRoute],
    development: config.development,
    // Redis down is degraded, not unready: the in-process tier serves, so replicas stay in rotation.
    // A CRM that has not reconciled within its bound is unready (docs/reconciliation.md).
    readiness: async () => {
      const reconciled = reconciliation ? await reconciliation.health() : null;
      const redisDown = redis !== undefined && !redis.isReady();
      return {
        ok: service.breaker.state !== 'open' && (reconciled?.ok ?? true),
        details: {
          crm: connector.source,
          breaker: service.breaker.state,
          ...(redis ? { redis: redisDown ? 'down' : 'up' } : {}),
          // Ready all the same: reads work, and every decision on a drifted contact fails closed.
          ...(driftWatch.current.length > 0
            ? { consentCriticalDrift: [...new Set(driftWatch.current.map((d) => d.crmField))] }
            : {}),
          ...(redisDown && service.breaker.state !== 'open' ? { status: 'degraded' } : {}),
          ...(reconciled
            ? {
                reconciliation: reconciled.ok ? 'ok' : reconciled.reason,
                lastReconciledAt: reconciled.lastSuccessAt?.toISOString() ?? null,
              }
            : {}),
        },
      };
    },
    onClose: async () => {
      driftWatch.stop();
      await reconciliation
        ?.stop()
        .catch((error: unknown) =>
          logError(log, error, 'reconciliation did not stop cleanly', { crm: connector.source }),
        );
      await connector.close();
      if (ownsBus) await bus.close();
      await Promise.allSettled([contactCache.disconnect(), phoneCache.disconnect(), markerCache.disconnect()]);
      await redis?.close();
    },
  });
  return {
    ...running,
    service,
    driftWatch,
    bus,
    webhookUrl: `${running.baseUrl}${webhookPath}`,
    ...(reconciliation ? { reconciliation } : {}),
  };
}

/** The URL the sender addressed (HubSpot signs it): Host header + path and query. */
function webhookUrlOf(req: IncomingMessage, url: URL): string {
  const host = req.headers.host ?? 'localhost';
  // The URL the sender signed (HubSpot v3 signs it whole): https when this listener serves TLS.
  const proto =
    (req.headers['x-forwarded-proto'] as string | undefined) ??
    ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
  return `${proto}://${host}${url.pathname}${url.search}`;
}
