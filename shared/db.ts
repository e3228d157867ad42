import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from './logger.js';

/**
 * The durable store: PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise. Both run the
 * same SQL and the same migrations; results come back with the same JS types (int8 as number,
 * numeric as string, timestamptz as Date, jsonb as objects).
 */

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements (no parameters), e.g. a migration file. */
  exec(sql: string): Promise<void>;
  /**
   * Runs several statements (no parameters) and returns the last one's rows: pg-boss's schema
   * scripts and its maintenance (BEGIN; advisory lock; expire/archive/drop; COMMIT). Through a
   * handle that orders work (shared/db-priority.ts), ordered like every other statement.
   */
  script?(sql: string): Promise<unknown[]>;
  close(): Promise<void>;
  /** The underlying driver, for libraries that need it (pg-boss). */
  readonly pglite?: PGlite;
  readonly pool?: pg.Pool;
}

export interface DatabaseOptions {
  /** postgres://… ; unset = PGlite */
  url?: string;
  /** PGlite directory; unset = in-memory */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
  log?: Logger;
}

const INT8_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options);
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types: pgTypes as never });
  pool.on('error', (error) => options.log?.error({ err: error.message }, 'postgres pool error'));
  // Fail at start-up, not on the first request, when the server is unreachable.
  await pool.query('SELECT 1');
  const wrap = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
  });
  const root = wrap(pool);
  return {
    kind: 'postgres',
    pool,
    query: root.query,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async script(sql) {
      const r = (await pool.query(sql)) as unknown as { rows: unknown[] } | { rows: unknown[] }[];
      return Array.isArray(r) ? (r[r.length - 1]?.rows ?? []) : r.rows;
    },
    async close() {
      await pool.end();
    },
  };
}

/** shared_buffers of the embedded PGlite. */
export const EMBEDDED_SHARED_BUFFERS = '16MB';

/**
 * wal_init_zero of the embedded PGlite: off. PostgreSQL fills each new 16 MB WAL segment with
 * zeros; in PGlite that is 16 MB written in small pieces to an in-memory file that grows by 1/8
 * at a time (each growth copies the whole file), all inside whichever statement needed the new
 * segment, synchronously on the process's one thread: 60–110 ms measured (issue 17: the embedded
 * shape's event loop stalled ~100 ms every 16 MB of WAL, a request's acknowledgment or a
 * worker's statement alike). Off, PostgreSQL writes the segment's last byte only (one growth,
 * ~1–9 ms). The zeros only preallocate space; recovery relies on record checksums, not on them.
 */
export const EMBEDDED_WAL_INIT_ZERO = 'off';

async function openPglite(options: DatabaseOptions): Promise<Database> {
  // PostgreSQL's default shared_buffers (128 MB) is sized for a server, not an embedded store of a
  // few tables: 16 MB measured ~150 MB less RSS per PGlite with the same data (issue 17).
  const startParams = [
    ...PGlite.defaultStartParams,
    '-c',
    `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`,
    '-c',
    `wal_init_zero=${EMBEDDED_WAL_INIT_ZERO}`,
  ];
  const db = options.dataDir ? new PGlite(options.dataDir, { startParams }) : new PGlite({ startParams });
  await db.waitReady;
  const wrap = (q: { query: PGlite['query'] }): Queryable => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = await q.query<R>(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  });
  const root = wrap(db);
  return {
    kind: 'pglite',
    pglite: db,
    query: root.query,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    async exec(sql) {
      await db.exec(sql);
    },
    async script(sql) {
      const results = await db.exec(sql);
      return results[results.length - 1]?.rows ?? [];
    },
    async close() {
      await db.close();
    },
  };
}

/**
 * True when `error` says the database could not be reached or went away (connection refused or
 * lost, server shutting down or not accepting connections, pool exhausted, PGlite closed), as
 * opposed to a statement that failed. Such a write is retryable: its transaction did not commit.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now), 53300 (too many connections).
      if (/^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300') return true;
      if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
    }
    if (
      typeof message === 'string' &&
      /Connection terminated|connection error|timeout exceeded when trying to connect|Cannot use a pool after calling end|PGlite is closed|is not currently accepting connections/i.test(
        message,
      )
    ) {
      return true;
    }
  }
  return false;
}

export interface Migration {
  /** Sortable, never renamed: `001_ledger`. */
  id: string;
  sql: string;
}

/**
 * Applies the pending migrations of `component` in id order, each in its own transaction, under an
 * advisory lock so replicas starting together never race. Applied migrations are recorded in
 * `dialplane_migrations`; an applied migration is never edited (add a new one).
 */
export async function migrate(db: Database, component: string, migrations: Migration[]): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS dialplane_migrations (
    component text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, id))`);
  const applied: string[] = [];
  for (const migration of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dialplane_migrate:${component}`]);
      const seen = await tx.query('SELECT 1 FROM dialplane_migrations WHERE component = $1 AND id = $2', [
        component,
        migration.id,
      ]);
      if (seen.rowCount > 0 || seen.rows.length > 0) return false;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO dialplane_migrations (component, id) VALUES ($1, $2)', [component, migration.id]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  return applied;
}

/**
 * Splits a migration into statements so each runs through the parameterised path inside the
 * transaction. Understands quotes, comments and dollar-quoted bodies (functions, triggers).
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const rest = sql.slice(i);
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      continue;
    }
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
    if (dollar) {
      const tag = dollar[0];
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end === -1 ? sql.length : end + tag.length;
      current += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      current += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === ';') {
      if (current.trim()) out.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
