import type { EventBus } from '../../events.js';
import { logError, type Logger } from '../../logger.js';
import type { ConnectionDirectory, CrmConnection } from '../connection.js';
import type { CrmSource } from '../connector.js';
import { intervalTicker, type Ticker } from '../drift-watch.js';
import type { ConnectionStore } from './store.js';

/**
 * The ConnectionDirectory of a process: every connection loaded into memory at start, so the hot
 * path answers without a database round trip; one row reloaded when the bus says
 * `connection changed` (a change made by any process, through any store instance, is followed
 * within one message); and a full reload every `resyncMs` as the safety net for a lost message
 * (pub/sub is a notification channel, not a store).
 */
export interface StoreConnectionDirectoryOptions {
  store: ConnectionStore;
  bus: EventBus;
  log: Logger;
  /** Period of the full reload, ms. @default 60000 */
  resyncMs?: number;
  /** Timer of the resync (tests tick it by hand). @default setInterval */
  ticker?: Ticker;
}

export class StoreConnectionDirectory implements ConnectionDirectory {
  private byIdMap = new Map<string, CrmConnection>();
  private bySellerCrm = new Map<string, CrmConnection>();
  private readonly listeners = new Set<(connectionId: string) => void>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private stopTicker: (() => void) | undefined;

  private constructor(private readonly options: StoreConnectionDirectoryOptions) {}

  /** Subscribes first, then loads: a change committed during the load is heard and reloaded. */
  static async start(options: StoreConnectionDirectoryOptions): Promise<StoreConnectionDirectory> {
    const directory = new StoreConnectionDirectory(options);
    directory.unsubscribe = await options.bus.subscribe('connection.changed', (event) =>
      directory.reload(event.connectionId),
    );
    await directory.resync();
    directory.stopTicker = (options.ticker ?? intervalTicker)(options.resyncMs ?? 60_000, () => {
      directory.resync().catch((error: unknown) => logError(options.log, error, 'connection directory resync failed'));
    });
    return directory;
  }

  forSeller(seller: string, crm: CrmSource): CrmConnection | null {
    const connection = this.bySellerCrm.get(key(seller, crm));
    return connection && connection.status === 'active' ? connection : null;
  }

  byId(id: string): CrmConnection | null {
    return this.byIdMap.get(id) ?? null;
  }

  list(crm?: CrmSource): readonly CrmConnection[] {
    const all = [...this.byIdMap.values()];
    return crm ? all.filter((c) => c.crm === crm) : all;
  }

  onChange(listener: (connectionId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reloads one connection from the store (gone from the store = gone from here). */
  async reload(id: string): Promise<void> {
    const fresh = await this.options.store.get(id).catch((error: unknown) => {
      logError(this.options.log, error, 'connection reload failed; kept until the next resync', { connectionId: id });
      return undefined;
    });
    if (fresh === undefined) return;
    const before = this.byIdMap.get(id);
    // Two reloads of one row may finish out of order: never go back to an older revision.
    if (before && fresh && fresh.revision < before.revision) return;
    if (before) this.bySellerCrm.delete(key(before.seller, before.crm));
    if (fresh) {
      this.byIdMap.set(id, fresh);
      this.bySellerCrm.set(key(fresh.seller, fresh.crm), fresh);
    } else this.byIdMap.delete(id);
    if (before?.revision !== fresh?.revision || before?.status !== fresh?.status) this.notify(id);
  }

  /** Replaces the whole map with the store's rows and tells listeners about each one that differs. */
  async resync(): Promise<void> {
    const all = await this.options.store.loadAll();
    const next = new Map(all.map((c) => [c.id, c]));
    const changed: string[] = [];
    for (const [id, c] of next) {
      const before = this.byIdMap.get(id);
      if (!before || before.revision !== c.revision || before.status !== c.status) changed.push(id);
    }
    for (const id of this.byIdMap.keys()) if (!next.has(id)) changed.push(id);
    this.byIdMap = next;
    this.bySellerCrm = new Map(all.map((c) => [key(c.seller, c.crm), c]));
    for (const id of changed) this.notify(id);
  }

  async close(): Promise<void> {
    this.stopTicker?.();
    await this.unsubscribe?.();
    this.listeners.clear();
  }

  private notify(id: string): void {
    for (const listener of this.listeners) {
      try {
        listener(id);
      } catch (error) {
        logError(this.options.log, error, 'connection change listener failed', { connectionId: id });
      }
    }
  }
}

const key = (seller: string, crm: CrmSource) => `${seller}\u0000${crm}`;
