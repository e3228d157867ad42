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
import { ConnectionTokens, CrmAuthError, type CrmConnectionKind } from './tokens.js';
import { logError } from '../../logger.js';

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
  /**
   * Grants a token and reads the account's schema with it, recording health (last success, a
   * refused credential, the API budget). Run for each active connection at start and after each
   * change, so tokens are ready before the first request and /readyz shows every connection's state.
   */
  check(connectionId: string): Promise<boolean>;
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
  /** Check each connection at start and after each change (a token grant and a schema read). @default true */
  checkOnChange?: boolean;
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
  const kinds = new Map(options.kinds.map((k) => [k.crm, k]));
  const check = async (connectionId: string): Promise<boolean> => {
    const connection = directory.byId(connectionId);
    const kind = connection && kinds.get(connection.crm);
    if (!connection || !kind || connection.status !== 'active') return false;
    try {
      const token = await tokens.token(connectionId);
      const probe = await kind.probe({ baseUrl: connection.baseUrl }, token);
      health.recordSuccess(connection);
      if (probe.budget) health.recordBudget(connection, probe.budget);
      return true;
    } catch (error) {
      if (error instanceof CrmAuthError) {
        // The grant's own refusals are recorded by ConnectionTokens; a token refused by the API is recorded here.
        if (health.get(connectionId)?.authFailing !== true) health.recordAuthFailure(connection, error.crmCode);
      } else logError(options.log, error, 'connection check failed', { connectionId, crm: connection.crm });
      return false;
    }
  };
  const ours = (id: string) => {
    const c = directory.byId(id);
    return c !== null && c.status === 'active' && kinds.has(c.crm);
  };
  // A rotated, disabled or deleted connection's cached token is dropped at once; an active one is checked.
  const stopListening = directory.onChange((id) => {
    const connection = directory.byId(id);
    if (!connection || connection.status !== 'active') tokens.forget(id);
    if (options.checkOnChange !== false && ours(id)) void check(id);
  });
  if (options.checkOnChange !== false)
    await Promise.all(
      directory
        .list()
        .filter((c) => ours(c.id))
        .map((c) => check(c.id)),
    );
  return {
    store,
    directory,
    health,
    tokens,
    check,
    async close() {
      stopListening();
      await directory.close();
    },
  };
}
