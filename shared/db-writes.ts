import type { Database, Queryable } from './db.js';

/**
 * Write watching for in-memory mirrors of database state (engagement's overlay cache, consent's
 * facts snapshot): a database handle that reports every statement that may change what a mirror
 * holds, so the mirror can drop its answers before the write lands and again once it has settled.
 * Which statements count is the caller's predicate; `exec` and `script` (migrations, PREPARE,
 * pg-boss scripts) always count, since their text is not inspected.
 */

/** Statements that only read: a plain SELECT without a row lock. */
export const READ_ONLY_SQL = /^\s*SELECT\b(?![\s\S]*\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE)\b)/i;

/**
 * The same database with every statement for which `mayChange(sql)` holds reported to `onWrite`:
 * when issued, when it settles, and (inside a transaction that wrote) again once the transaction
 * has committed or rolled back. Driver handles (pglite, pool) are passed through untouched: code
 * that uses them directly is not watched (pg-boss's own schema, a prepared read).
 */
export function reportingWrites(db: Database, mayChange: (sql: string) => boolean, onWrite: () => void): Database {
  const watch = (q: Queryable, wrote?: { value: boolean }): Queryable['query'] =>
    (async (sql: string, params?: unknown[]) => {
      const writes = mayChange(sql);
      if (writes) {
        onWrite();
        if (wrote) wrote.value = true;
      }
      try {
        return await q.query(sql, params);
      } finally {
        if (writes) onWrite();
      }
    }) as Queryable['query'];
  return {
    kind: db.kind,
    pglite: db.pglite,
    pool: db.pool,
    query: watch(db),
    async transaction(fn) {
      const wrote = { value: false };
      try {
        return await db.transaction((tx) => fn({ query: watch(tx, wrote) }));
      } finally {
        if (wrote.value) onWrite();
      }
    },
    async exec(sql) {
      onWrite();
      try {
        await db.exec(sql);
      } finally {
        onWrite();
      }
    },
    ...(db.script
      ? {
          async script(sql: string) {
            onWrite();
            try {
              return await db.script!(sql);
            } finally {
              onWrite();
            }
          },
        }
      : {}),
    close: () => db.close(),
  };
}
