import type { Database } from '../../db.js';
import type { EventBus } from '../../events.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { Ticker } from '../drift-watch.js';
import { StoreConnectionDirectory } from './directory.js';
import { ConnectionHealth } from './health.js';
import { migrateConnections } from './migrations.js';
import { createSecretBox, parseKeyRing } from './secret-box.js';
import { ConnectionStore } from './store.js';
import { ConnectionTokens, type CrmConnectionKind } from './tokens.js';

/**
 * Everything a process needs to serve connections, assembled once: the store on the database
 * (migrated), the in-memory directory fed by the bus, per-connection health in `metrics`, and the
 * token cache. The CRM subgraphs and the write-back worker each start one.
 */
export interface ConnectionRuntime {
  store: ConnectionStore;
  directory: StoreConnectionDirectory;
  health: ConnectionHealth;
  tokens: ConnectionTokens;
  close(): Promise<void>;
}

export interface ConnectionRuntimeOptions {
  db: Database;
  bus: EventBus;
  /** CONNECTION_ENCRYPTION_KEYS. */
  keyRing: string;
  kinds: readonly CrmConnectionKind[];
  metrics: Metrics;
  log: Logger;
  /** CONNECTION_RESYNC_MS. @default 60000 */
  resyncMs?: number;
  ticker?: Ticker;
  now?: () => number;
}

export async function startConnectionRuntime(options: ConnectionRuntimeOptions): Promise<ConnectionRuntime> {
  const box = createSecretBox(parseKeyRing(options.keyRing));
  await migrateConnections(options.db);
  const store = new ConnectionStore({ db: options.db, box, bus: options.bus, log: options.log });
  const directory = await StoreConnectionDirectory.start({
    store,
    bus: options.bus,
    log: options.log,
    resyncMs: options.resyncMs,
    ticker: options.ticker,
  });
  const health = new ConnectionHealth({ metrics: options.metrics, log: options.log, now: options.now });
  const tokens = new ConnectionTokens({
    directory,
    store,
    kinds: options.kinds,
    health,
    log: options.log,
    now: options.now,
  });
  // A rotated, disabled or deleted connection's cached token is dropped at once.
  const stopListening = directory.onChange((id) => {
    const connection = directory.byId(id);
    if (!connection || connection.status !== 'active') tokens.forget(id);
  });
  return {
    store,
    directory,
    health,
    tokens,
    async close() {
      stopListening();
      await directory.close();
    },
  };
}
