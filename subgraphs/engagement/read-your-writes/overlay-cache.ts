import type { Database } from '../../../shared/db.js';
import { READ_ONLY_SQL, reportingWrites as reportingDbWrites } from '../../../shared/db-writes.js';

/**
 * The overlay read of Contact.intentStage / Contact.lastInteraction (the newest outcome of a
 * contact with its write-back state) is one database statement per call-start, and on the
 * embedded PGlite that statement was the larger part of the engagement subgraph's CPU. This keeps
 * the answers (including "no outcome") in memory, exact for every write this process makes:
 *
 * - every statement that may write, through the database handle the store, queue and worker share,
 *   drops the whole cache when it is issued and again when its transaction settles, and a read that
 *   overlapped a write never stores its (possibly older) answer (generation check);
 * - writes this process cannot see (an external worker or another replica on the same PostgreSQL)
 *   show after at most `maxAgeMs`: the answer's age bound. The embedded database has no other
 *   writer, so there it is exact; on PostgreSQL with `npm run worker` a written status may lag by
 *   that bound (the overlay's choice between outcome and CRM already allows a grace period of
 *   CACHE_TTL_MS after a write, which is far longer).
 * `maxAgeMs` 0 turns the cache off (every read goes to the database, as before).
 */
export interface OverlayCacheOptions {
  maxAgeMs: number;
  /** Most contacts kept (oldest dropped first). @default 10_000 */
  maxEntries?: number;
  now?: () => number;
}

export class OverlayCache<V> {
  private generation = 0;
  private readonly entries = new Map<string, { value: V | undefined; at: number }>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly options: OverlayCacheOptions) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Something may have written: forget every answer, and refuse answers of reads now in flight. */
  changed(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** One value per id (undefined: none), from memory where young enough, else through `fetch` (missing ids only). */
  async load(ids: readonly string[], fetch: (ids: string[]) => Promise<Map<string, V>>): Promise<(V | undefined)[]> {
    if (this.options.maxAgeMs <= 0) {
      const found = await fetch([...ids]);
      return ids.map((id) => found.get(id));
    }
    const startedAt = this.now();
    const out: (V | undefined)[] = new Array(ids.length);
    const missing: number[] = [];
    ids.forEach((id, i) => {
      const hit = this.entries.get(id);
      if (hit && startedAt - hit.at < this.options.maxAgeMs) out[i] = hit.value;
      else missing.push(i);
    });
    if (missing.length === 0) return out;
    const generation = this.generation;
    const found = await fetch(missing.map((i) => ids[i]!));
    const keep = generation === this.generation;
    for (const i of missing) {
      const id = ids[i]!;
      out[i] = found.get(id);
      if (!keep) continue;
      this.entries.delete(id);
      this.entries.set(id, { value: out[i], at: startedAt });
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return out;
  }
}

/** The tables the overlay reads; statements on other tables (pg-boss's job polling) cannot change it. */
const OVERLAY_TABLES = /\bengagement\.(call_outcome|write_back)\b/i;
/** True when the statement may change what the overlay reads. */
export const mayChangeOverlay = (sql: string): boolean => OVERLAY_TABLES.test(sql) && !READ_ONLY_SQL.test(sql);

/**
 * The same database with every statement that may write the overlay's tables reported to `onWrite`
 * (shared/db-writes.ts): when issued, and (inside a transaction that wrote) again once the
 * transaction has committed or rolled back. pg-boss's own schema scripts go through the driver
 * handles and never touch the overlay's tables.
 */
export function reportingWrites(db: Database, onWrite: () => void): Database {
  return reportingDbWrites(db, mayChangeOverlay, onWrite);
}
