import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { openDatabase, type Database } from '../db.js';
import { adminConnectionRoutes, type MappingOverrideValidator } from './connections/admin-routes.js';
import { startConnectionRuntime, type ConnectionRuntime } from './connections/runtime.js';
import type { ConnectionTokenSource, CrmConnectionKind } from './connections/tokens.js';
import { withRequestPathHealth } from './token-source.js';
import { createRedisConnection } from '../redis.js';
import { createEventBus, type EventBus } from '../events.js';
import { HttpError, readRawBody, sendJson, type Route } from '../http.js';
import { createLogger, errorForLog, logError, type Logger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { createIdentityVerifier, type IdentityVerifier } from '../identity.js';
import { startSubgraph, type RunningSubgraph } from '../subgraph-server.js';
import type { ServerTls } from '../tls.js';
import { SpanAttr, SpanKind, tracingActive, withSpan } from '../tracing.js';
import { expandRelatedChanges } from './related-changes.js';
import type { Ticker } from './drift-watch.js';
import type { DriftWatch } from './drift-watch.js';
import { ErrorCode, dialplaneError, isDialplaneError } from '../errors.js';
import { webhookAuthFailures } from '../webhook-signature.js';
import type { CrmChangeEvent, CrmConnector, CrmSource, WebhookRequest } from './connector.js';
import type { ConnectionDirectory, CrmConnection } from './connection.js';
import { openConnectionPipeline, type ConnectionPipeline } from './connection-pipeline.js';
import { ConnectionRouter } from './connection-router.js';
import type { ContactService } from './contact-service.js';
import { crmContractTypeDefs } from './contract.js';
import { createCrmMetrics, type CrmMetrics } from './crm-metrics.js';
import type { BreakerState } from './circuit-breaker.js';
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
   * A fixed number of batch loads in flight, instead of the adaptive concurrency (benchmarks
   * comparing settings). Fewer means fuller batches (fewer CRM calls under load: arrivals wait for a
   * slot and merge) at the cost of up to one CRM round trip of queueing; more means lower cold
   * latency and more calls.
   */
  maxConcurrentBatches?: number;
  /**
   * Ceiling of the adaptive batch concurrency per CRM account (CRM_BATCH_CONCURRENCY_MAX), capped
   * by the connector's limit: starts at one, rises while keys wait and the CRM reports budget to
   * spare, back to one on a rate limit. @default 4
   */
  batchConcurrencyMax?: number;
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
  /**
   * Whether sellers without a connection of their own are served by the deployment connection
   * (the env-configured account) when connections are on (CRM_DEPLOYMENT_CONNECTION). @default true
   */
  deploymentConnection?: boolean;
  /**
   * Connections per seller (shared/crm/connections/, docs/connections.md): the key ring that opens
   * their credentials, the resync period, and where the table lives (DATABASE_URL; unset = the
   * reconciliation database or an embedded PGlite). Served when the CRM passes its connectionKind.
   */
  connections?: { keyRing: string; resyncMs?: number; databaseUrl?: string; dataDir?: string };
}

/** What a CRM adds to its subgraph for connections: its credential kind and, optionally, override checks. */
export interface CrmConnectionsOptions {
  /** The CRM's credential kind (crm/<name>/connection.ts); stored connections need it. */
  kind?: CrmConnectionKind;
  /** Checks mapping overrides against the account's live schema (the default checks their shape only). */
  validateOverrides?: MappingOverrideValidator;
  /** An open database for the connection table (npm start shares its embedded one). */
  db?: Database;
  /**
   * Route by this directory instead of the stored connections (tests, sim/stacks): no store, admin
   * API or token cache is started then.
   */
  directory?: ConnectionDirectory;
}

/** Routing by connection (issue 15): the connections plus how to build one connection's connector. */
export interface RoutedConnectionsOptions extends CrmConnectionsOptions {
  /** The connector of one connection (crm/<name>/ builds it from the connection's baseUrl and credentials). */
  connectorFor(connection: CrmConnection, tokens?: ConnectionTokenSource): CrmConnector;
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
  /** Serve each seller from its own connection; with `config.connections`, also the admin API, tokens and health. */
  connections?: RoutedConnectionsOptions;
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
  /** Connections of this CRM (its subgraphs/<crm>/server.ts passes its kind). */
  connections?: CrmConnectionsOptions;
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
  createConnector: (
    instrument: CrmCallInstrument,
    connection?: CrmConnection,
    tokens?: ConnectionTokenSource,
  ) => CrmConnector,
): Promise<RunningCrmSubgraph> {
  const log = options.log ?? createLogger(source, { level: options.logLevel });
  const metrics = createMetrics(source);
  const crmMetrics = createCrmMetrics(metrics, source);
  // Each CRM call a CLIENT span (tracing on) inside its metrics timing.
  const instrument: CrmCallInstrument = (endpoint, fn) =>
    tracingActive()
      ? withSpan(
          `${source} ${endpoint}`,
          { kind: SpanKind.CLIENT, attributes: { [SpanAttr.crm]: source, [SpanAttr.crmEndpoint]: endpoint } },
          () => crmMetrics.call(endpoint, fn),
        )
      : crmMetrics.call(endpoint, fn);
  return startCrmSubgraph({
    name: source,
    port: options.port,
    host: options.host,
    tls: options.tls,
    connector: createConnector(instrument),
    ...(options.connections
      ? {
          connections: {
            ...options.connections,
            connectorFor: (connection, tokens) => createConnector(instrument, connection, tokens),
          },
        }
      : {}),
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
  /** Present when connections are on: the pipeline per connection (tests read breakers and caches through it). */
  router?: ConnectionRouter;
  /** Present when stored connections are configured: the store, directory, tokens and health. */
  connections?: ConnectionRuntime;
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
  const ownsBus = !options.bus;
  const bus =
    options.bus ??
    (await createEventBus({
      redisUrl: config.redisUrl,
      prefix: `${config.keyPrefix ?? 'dialplane:'}events:`,
      log,
      commandTimeoutMs: config.redisCommandTimeoutMs,
    }));

  // One database per CRM subgraph when it opens its own: reconciliation and connections share it
  // (separate schemas), as each embedded PGlite costs ~150 MB.
  const reconcileDir = config.reconcile?.dataDir
    ? `${config.reconcile.dataDir}/crm-reconcile-${connector.source}`
    : undefined;
  const sharedOwnDb =
    config.connections && options.connections && !options.connections.db && !options.reconcileDb && config.reconcile
      ? await openDatabase({ url: config.reconcile.databaseUrl, dataDir: reconcileDir, log, maxConnections: 5 })
      : undefined;
  const reconcileDb = options.reconcileDb ?? sharedOwnDb;
  const connections = await startConnections(options, bus, metrics, log, sharedOwnDb);
  const directory = options.connections?.directory ?? connections?.runtime.directory;

  // A connection's breaker in its own series: the CRM-wide dialplane_crm_breaker_state stays the
  // deployment connection's, so one seller's open breaker neither hides nor fakes another's.
  const connectionBreaker = options.connections
    ? metrics.gauge(
        'dialplane_connection_breaker_state',
        'Circuit breaker state of a connection’s pipeline (0 closed, 1 half-open, 2 open)',
        ['connection', 'crm'] as const,
      )
    : undefined;
  const connectionConcurrency = options.connections
    ? metrics.gauge(
        'dialplane_connection_batch_concurrency',
        'Batch loads a connection’s pipeline allows in flight at once (adaptive, per CRM account)',
        ['connection', 'crm'] as const,
      )
    : undefined;
  const metricsOf = (connection: CrmConnection | null): CrmMetrics => {
    if (!connection || !connectionBreaker || !connectionConcurrency) return crmMetrics;
    const labels = { connection: connection.id, crm: connector.source };
    connectionBreaker.set(labels, 0);
    connectionConcurrency.set(labels, 1);
    return {
      ...crmMetrics,
      breaker: (state) => connectionBreaker.set(labels, BREAKER_VALUE[state]),
      batchConcurrency: (limit) => connectionConcurrency.set(labels, limit),
    };
  };
  const pipelineOf = (
    pipelineConnector: CrmConnector,
    namespace: string,
    connection: CrmConnection | null,
  ): ConnectionPipeline =>
    openConnectionPipeline({
      connectionId: connection?.id ?? null,
      revision: connection?.revision ?? 0,
      connector: pipelineConnector,
      namespace,
      cacheRedis,
      bus,
      metrics: metricsOf(connection),
      log,
      cacheTtlMs: config.cacheTtlMs,
      staleRetainMs,
      phoneIndexTtlMs: config.phoneIndexTtlMs ?? 900_000,
      batchWindowMs: config.batchWindowMs,
      maxConcurrentBatches: config.maxConcurrentBatches,
      batchConcurrencyMax: config.batchConcurrencyMax,
      refreshAheadMs: config.refreshAheadMs,
      breaker: config.breaker,
      driftCheckIntervalMs: config.driftCheckIntervalMs ?? 0,
      driftTicker: config.driftTicker,
      now: config.now,
    });
  // The deployment connection: the env-configured account, with the cache keys it always had.
  const deployment = pipelineOf(connector, prefix, null);
  const { service, driftWatch, changes } = deployment;
  const deploymentShared = config.deploymentConnection ?? true;
  const router =
    directory && options.connections
      ? new ConnectionRouter({
          crm: connector.source,
          directory,
          deployment,
          deploymentShared,
          log,
          open: (connection) => {
            const pipeline = pipelineOf(
              // Stored connections take their tokens from the runtime (single flight, refresh
              // tokens stored back, health); a directory given directly (tests) has none.
              options.connections!.connectorFor(
                connection,
                connections
                  ? withRequestPathHealth(
                      connections.runtime.tokens.sourceFor(connection.id),
                      connections.runtime.health,
                      connection,
                    )
                  : undefined,
              ),
              `${prefix}:${connection.id}:${connection.revision}`,
              connection,
            );
            pipeline.driftWatch.start();
            return pipeline;
          },
        })
      : undefined;
  const resolvers = router ? routedResolvers(deployment.resolvers, router) : deployment.resolvers;
  const reconciliation = config.reconcile
    ? await startCrmReconciliation({
        connector,
        changes,
        config: { ...config.reconcile, dataDir: reconcileDir },
        metrics,
        log,
        ...(reconcileDb ? { db: reconcileDb } : {}),
      })
    : undefined;

  // Nobody reads the deployment account when it is not shared: no drift checks against it either.
  if (!router || deploymentShared) driftWatch.start();

  const webhookPath = `/webhooks/${connector.source}`;
  const authFailures = webhookAuthFailures(metrics);
  const handleWebhook = async (
    target: ConnectionPipeline | null,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> => {
    {
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
      // Addressed to the deployment URL: the account named in the delivery picks the connection
      // (HubSpot portalId, Salesforce org id), else the deployment connection takes it.
      const account = target ? null : (connector.webhookAccount?.(request) ?? null);
      const pipeline = target ?? (account && router ? router.forAccount(account) : null) ?? deployment;
      const { connector: receiver, changes, service } = pipeline;
      const parsed = receiver.parseWebhook(request);
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
          const contactsOf = receiver.contactsOfRecords
            ? await service.callThroughBreaker(() => receiver.contactsOfRecords!(records))
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
    }
  };
  const webhookRoute: Route = {
    method: 'POST',
    path: webhookPath,
    handler: (req, res, url) => handleWebhook(null, req, res, url),
  };
  // `POST /webhooks/<crm>/<connection id>`: a connection's own change events (its webhook URL).
  const connectionWebhookRoute: Route = {
    method: 'POST',
    path: `${webhookPath}/*`,
    handler: async (req, res, url) => {
      const id = decodeURIComponent(url.pathname.slice(webhookPath.length + 1));
      const pipeline = router?.forConnectionId(id) ?? null;
      if (!pipeline) throw new HttpError(404, ErrorCode.NOT_FOUND, `no active ${connector.source} connection ${id}`);
      await handleWebhook(pipeline, req, res, url);
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
    routes: [
      webhookRoute,
      ...(router ? [connectionWebhookRoute] : []),
      pipelineRoute,
      ...(connections && options.connections
        ? adminConnectionRoutes({
            kind: options.connections.kind!,
            store: connections.runtime.store,
            tokens: connections.runtime.tokens,
            health: connections.runtime.health,
            verifyIdentity: config.identityVerifier ?? createIdentityVerifier(config.internalSecret),
            ...(options.connections.validateOverrides
              ? { validateOverrides: options.connections.validateOverrides }
              : {}),
            log,
          })
        : []),
    ],
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
          ...(router ? { connectionsOpen: router.open().length } : {}),
          ...(redis ? { redis: redisDown ? 'down' : 'up' } : {}),
          // Ready all the same: reads work, and every decision on a drifted contact fails closed.
          ...(driftWatch.current.length > 0
            ? { consentCriticalDrift: [...new Set(driftWatch.current.map((d) => d.crmField))] }
            : {}),
          ...(redisDown && service.breaker.state !== 'open' ? { status: 'degraded' } : {}),
          // Per connection (ids and health only): one seller's refused credentials are an alert,
          // not a reason to take the subgraph out of rotation for every other seller.
          ...(connections
            ? { connections: connectionReadiness(connections.runtime, connector.source, router?.open() ?? []) }
            : {}),
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
      await router?.close();
      await deployment.close();
      await connections?.close();
      await sharedOwnDb?.close().catch(() => undefined);
      if (ownsBus) await bus.close();
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
    ...(router ? { router } : {}),
    ...(connections ? { connections: connections.runtime } : {}),
  };
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Where a request's pipeline is kept on its context: chosen once per request, then a property read. */
const PIPELINE = Symbol('crmPipeline');
type RoutedContext = { identity?: { seller?: string }; [PIPELINE]?: ConnectionPipeline };
type ResolverFn = (parent: unknown, args: unknown, context: RoutedContext, info: unknown) => unknown;

/**
 * The contract resolvers, each handing over to the same resolver of the caller's pipeline: the
 * caller's seller (the gateway's signed identity) picks its connection once per request. A global
 * id therefore resolves only in the caller's seller's account: another seller's id is not found
 * there, never read from the other account.
 */
function routedResolvers<R extends Record<string, Record<string, unknown>>>(template: R, router: ConnectionRouter): R {
  const pick = (context: RoutedContext): ConnectionPipeline => {
    const chosen = context[PIPELINE];
    if (chosen) return chosen;
    try {
      const pipeline = router.forSeller(context.identity?.seller);
      context[PIPELINE] = pipeline;
      return pipeline;
    } catch (error) {
      if (isDialplaneError(error)) throw dialplaneError(error.code, error.message, error.context);
      throw error;
    }
  };
  const routed: Record<string, Record<string, unknown>> = {};
  for (const [type, fields] of Object.entries(template)) {
    routed[type] = {};
    for (const [field, resolver] of Object.entries(fields)) {
      routed[type]![field] =
        typeof resolver === 'function'
          ? (((parent, args, context, info) =>
              ((pick(context).resolvers as unknown as R)[type]![field] as ResolverFn)(
                parent,
                args,
                context,
                info,
              )) satisfies ResolverFn)
          : resolver;
    }
  }
  return routed as R;
}

/** Starts the connection runtime when configured; closes what it opened. */
async function startConnections(
  options: StartCrmSubgraphOptions,
  bus: EventBus,
  metrics: Metrics,
  log: Logger,
  sharedDb: Database | undefined,
): Promise<{ runtime: ConnectionRuntime; close(): Promise<void> } | undefined> {
  const settings = options.config.connections;
  const kind = options.connections?.kind;
  if (!settings || !kind || options.connections?.directory) return undefined;
  const given = options.connections!.db ?? options.reconcileDb ?? sharedDb;
  // Stored connections need a store that outlives the process and that the write-back worker can
  // read: PostgreSQL, a PGlite directory, or the database `npm start` shares. A standalone
  // subgraph on an in-memory PGlite would lose them on exit (and costs a PGlite per process):
  // it serves the deployment account only.
  if (!given && !settings.databaseUrl && !settings.dataDir) {
    log.info(
      { crm: options.connector.source },
      'stored connections off: no database (set DATABASE_URL or DATA_DIR); serving the deployment account',
    );
    return undefined;
  }
  // Without DATABASE_URL a standalone subgraph keeps its own embedded table (one PGlite directory
  // per process); `npm start` passes its shared database instead.
  const db =
    given ??
    (await openDatabase({
      url: settings.databaseUrl,
      dataDir: settings.dataDir ? `${settings.dataDir}/crm-connections-${options.connector.source}` : undefined,
      log,
    }));
  const runtime = await startConnectionRuntime({
    db,
    bus,
    keyRing: settings.keyRing,
    kinds: [kind],
    metrics,
    log,
    resyncMs: settings.resyncMs,
  });
  return {
    runtime,
    async close() {
      await runtime.close();
      if (!given) await db.close();
    },
  };
}

/**
 * The readiness detail of each connection of `crm`: ids, seller, status, health and its pipeline's
 * breaker (`idle`: no request has opened a pipeline for it yet); never a credential.
 */
function connectionReadiness(runtime: ConnectionRuntime, crm: CrmSource, pipelines: readonly ConnectionPipeline[]) {
  const breakers = new Map(pipelines.map((p) => [p.connectionId, p.service.breaker.state]));
  return runtime.directory.list(crm).map((c) => {
    const health = runtime.health.get(c.id);
    return {
      id: c.id,
      seller: c.seller,
      account: c.account,
      status: c.status,
      revision: c.revision,
      lastSuccessAt: health?.lastSuccessAt ?? null,
      authFailures: health?.authFailures ?? 0,
      authFailing: health?.authFailing ?? false,
      apiBudgetRemaining: health?.apiBudgetRemaining ?? null,
      breaker: breakers.get(c.id) ?? 'idle',
    };
  });
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
