import type PgBoss from 'pg-boss';
import { splitStatements, type Database, type Queryable } from './db.js';

/**
 * pg-boss is the job queue dialplane runs (engagement's write-backs, CRM reconciliation); this is
 * its database adapter over our `Database`, so it runs on PostgreSQL and on embedded PGlite alike.
 */

/**
 * pg-boss's `Db` over one of our SQL handles (the pool, or an open transaction). pg-boss installs
 * its schema with parameterless multi-statement scripts that must return the last statement's
 * rows (`Database.script`). Its parameterless statements, single (state counts) or scripts
 * (maintenance: expire, archive, drop, each locked in its own transaction), go through the handle
 * like every other statement, so a handle that orders work (shared/db-priority.ts) orders them
 * too: on the embedded database they no longer jump ahead of a request's statement.
 */
export function pgBossDb(sql: Queryable, db: Database): PgBoss.Db {
  const script = async (text: string): Promise<{ rows: unknown[] }> => {
    // Through the handle, so an ordering handle orders the script (maintenance) too.
    if (db.script) return { rows: await db.script(text) };
    if (db.pglite) {
      const results = await db.pglite.exec(text);
      return { rows: results[results.length - 1]?.rows ?? [] };
    }
    const r = (await db.pool!.query(text)) as unknown as { rows: unknown[] } | { rows: unknown[] }[];
    return Array.isArray(r) ? { rows: r[r.length - 1]?.rows ?? [] } : r;
  };
  return {
    executeSql: async (text: string, values?: unknown[]) =>
      values && values.length > 0
        ? sql.query(text, values)
        : sql === db && splitStatements(text).length > 1
          ? script(text)
          : sql.query(text),
  };
}
