import { createCache, type Cache, type CacheOptions } from '../cache.js';
import type { EventBus } from '../events.js';
import { errorForLog, type Logger } from '../logger.js';
import { ChangeHandler } from './change-handler.js';
import type { CrmConnector } from './connector.js';
import { ContactService } from './contact-service.js';
import { ContactStore, type CachedContactEntry } from './contact-store.js';
import { createContractResolvers } from './contract-resolvers.js';
import type { CrmMetrics } from './crm-metrics.js';
import { DriftWatch, type Ticker } from './drift-watch.js';
import { PhoneIndex, type PhoneIndexEntry } from './phone-index.js';

/**
 * Everything the CRM runtime keeps for one CRM account (one connection, or the deployment's
 * env-configured account): its connector, contact cache, phone index, change-event markers,
 * batcher and breaker (ContactService), drift watch and contract resolvers. Nothing is shared
 * between two pipelines but the Redis connection, the bus and the metrics registry, so one
 * account's outage or 429 storm never slows another's reads.
 */
export interface ConnectionPipeline {
  /** The connection id, or null for the deployment connection. */
  readonly connectionId: string | null;
  /** The connection revision the pipeline was built for (0 for the deployment connection). */
  readonly revision: number;
  readonly connector: CrmConnector;
  readonly store: ContactStore;
  readonly phoneIndex: PhoneIndex;
  readonly service: ContactService;
  readonly driftWatch: DriftWatch;
  readonly changes: ChangeHandler;
  readonly resolvers: ReturnType<typeof createContractResolvers>;
  /** Stops the drift watch, closes the connector and the caches (not the shared Redis connection). */
  close(): Promise<void>;
}

export interface ConnectionPipelineOptions {
  connectionId: string | null;
  revision: number;
  connector: CrmConnector;
  /** Key prefix of this account's caches: `<prefix>crm:<crm>` (deployment) or `<prefix>crm:<crm>:<connectionId>:<revision>`. */
  namespace: string;
  /** The shared Redis tier (unset: in-process caches). */
  cacheRedis: Pick<CacheOptions, 'redis' | 'redisTimeoutMs'>;
  bus: EventBus;
  metrics: CrmMetrics;
  log: Logger;
  cacheTtlMs: number;
  staleRetainMs: number;
  phoneIndexTtlMs: number;
  batchWindowMs: number;
  maxConcurrentBatches?: number;
  batchConcurrencyMax?: number;
  refreshAheadMs?: number;
  breaker?: { failureThreshold?: number; openMs?: number };
  driftCheckIntervalMs: number;
  driftTicker?: Ticker;
  now?: () => number;
}

export function openConnectionPipeline(options: ConnectionPipelineOptions): ConnectionPipeline {
  const { connector, namespace, cacheRedis, log, metrics } = options;
  const contactCache: Cache<CachedContactEntry> = createCache<CachedContactEntry>({
    namespace: `${namespace}:contact:${connector.mappingVersion}`,
    ttlMs: options.staleRetainMs,
    ...cacheRedis,
    log,
  });
  const phoneCache = createCache<PhoneIndexEntry>({
    namespace: `${namespace}:phone`,
    ttlMs: options.phoneIndexTtlMs,
    ...cacheRedis,
    log,
  });
  const markerCache = createCache<{ order: number }>({
    namespace: `${namespace}:events`,
    ttlMs: 24 * 3_600_000,
    ...cacheRedis,
    log,
  });
  const store = new ContactStore({
    cache: contactCache,
    ttlMs: options.cacheTtlMs,
    retainMs: options.staleRetainMs,
    now: options.now,
  });
  const phoneIndex = new PhoneIndex({
    cache: phoneCache,
    ttlMs: options.phoneIndexTtlMs,
    negativeTtlMs: options.cacheTtlMs,
  });
  const driftWatch: DriftWatch = new DriftWatch({
    connector,
    store,
    intervalMs: options.driftCheckIntervalMs,
    ticker: options.driftTicker,
    log,
    onChange: (drifted) => metrics.criticalDrift(new Set(drifted.map((d) => d.crmField)).size),
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
    metrics,
    log,
    batchWindowMs: options.batchWindowMs,
    maxConcurrentBatches: options.maxConcurrentBatches,
    batchConcurrencyMax: options.batchConcurrencyMax,
    refreshAheadMs: options.refreshAheadMs,
    breaker: options.breaker,
    now: options.now,
  });
  const changes = new ChangeHandler({
    connector,
    store,
    phoneIndex,
    bus: options.bus,
    markers: markerCache,
    metrics,
    log,
  });
  const resolvers = createContractResolvers({ connector, service, phoneIndex, metrics, log, now: options.now });
  return {
    connectionId: options.connectionId,
    revision: options.revision,
    connector,
    store,
    phoneIndex,
    service,
    driftWatch,
    changes,
    resolvers,
    async close() {
      driftWatch.stop();
      await connector.close();
      await Promise.allSettled([contactCache.disconnect(), phoneCache.disconnect(), markerCache.disconnect()]);
    },
  };
}
