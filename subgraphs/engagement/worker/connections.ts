import type { CrmConnection } from '../../../shared/crm/connection.js';
import { startConnectionRuntime, type ConnectionRuntime } from '../../../shared/crm/connections/runtime.js';
import type { ConnectionTokenSource } from '../../../shared/crm/connections/tokens.js';
import type { Database } from '../../../shared/db.js';
import { createEventBus, type EventBus } from '../../../shared/events.js';
import type { Logger } from '../../../shared/logger.js';
import { createMetrics, type Metrics } from '../../../shared/metrics.js';
import { CRM_MODULES } from '../../../crm/registry.js';
import type { EngagementConfig } from '../config.js';

/**
 * The sellers' own CRM connections, as the write-back worker sees them: the connection table in
 * the worker's database (the CRM subgraphs' one: the same PostgreSQL, or npm start's PGlite), the
 * in-memory directory following `connection.changed` on the event bus, and each connection's
 * token source (one grant at a time per connection, shared with nothing else in this process).
 * It never probes the CRMs itself (`checkOnChange: false`): the CRM subgraphs check connections.
 */
export interface WorkerConnections {
  runtime: ConnectionRuntime;
  tokensFor(connection: CrmConnection): ConnectionTokenSource;
  close(): Promise<void>;
}

export async function openWorkerConnections(
  config: Pick<EngagementConfig, 'connections' | 'redisUrl'>,
  deps: { db: Database; log: Logger; bus?: EventBus; metrics?: Metrics },
): Promise<WorkerConnections | undefined> {
  if (!config.connections) return undefined;
  const ownsBus = !deps.bus;
  // The bus's default channel prefix is the one the CRM subgraphs publish connection changes under.
  const bus = deps.bus ?? (await createEventBus({ redisUrl: config.redisUrl, log: deps.log }));
  try {
    const runtime = await startConnectionRuntime({
      db: deps.db,
      bus,
      keyRing: config.connections.keyRing,
      kinds: CRM_MODULES.map((m) => m.connectionKind),
      metrics: deps.metrics ?? createMetrics('engagement-worker', { collectDefault: false }),
      log: deps.log,
      resyncMs: config.connections.resyncMs,
      checkOnChange: false,
    });
    return {
      runtime,
      tokensFor: (connection) => runtime.tokens.sourceFor(connection.id),
      async close() {
        await runtime.close();
        if (ownsBus) await bus.close();
      },
    };
  } catch (error) {
    if (ownsBus) await bus.close();
    throw error;
  }
}
