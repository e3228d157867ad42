import type { Database, Queryable } from './db.js';

/**
 * Two handles on one embedded database for two kinds of work in one process: `foreground`, what a
 * caller is waiting on (a request's statement), and `background`, what nobody waits on (a worker's
 * statements). PGlite is a single connection that runs statements one at a time in arrival order,
 * so a request that arrives behind a burst of worker statements waits for all of them, and how long
 * depends on what the worker is doing (how many CRM answers just came back). Here background work
 * enters the database one statement or transaction at a time, and only while no foreground work is
 * running or waiting: a request waits for at most the one background statement already inside.
 *
 * Background work is never starved: one that has waited `maxWaitMs` goes in even while requests
 * keep coming (one at a time still), so a worker under constant request load still drains.
 *
 * On PostgreSQL (a pool: statements of different connections run at once) there is nothing to
 * order, and both handles are the database itself.
 */
export interface PrioritizedDatabase {
  foreground: Database;
  background: Database;
}

export interface PriorityOptions {
  /** Longest a background statement waits for foreground work to stop. @default 20 */
  maxWaitMs?: number;
  now?: () => number;
}

export function prioritized(db: Database, options: PriorityOptions = {}): PrioritizedDatabase {
  if (db.kind !== 'pglite') return { foreground: db, background: db };
  const maxWaitMs = options.maxWaitMs ?? 20;
  const now = options.now ?? (() => performance.now());
  let foreground = 0;
  let backgroundInside = false;
  const waiting: { since: number; enter: () => void }[] = [];
  let timer: NodeJS.Timeout | undefined;

  const pump = () => {
    if (backgroundInside) return;
    const next = waiting[0];
    if (!next) return;
    const waited = now() - next.since;
    if (foreground > 0 && waited < maxWaitMs) {
      // Requests are inside: look again when they leave (below) or when this one has waited enough.
      if (!timer) {
        timer = setTimeout(
          () => {
            timer = undefined;
            pump();
          },
          Math.max(1, maxWaitMs - waited),
        );
        timer.unref();
      }
      return;
    }
    waiting.shift();
    backgroundInside = true;
    next.enter();
  };

  const inBackground = async <T>(work: () => Promise<T>): Promise<T> => {
    await new Promise<void>((enter) => {
      waiting.push({ since: now(), enter });
      pump();
    });
    try {
      return await work();
    } finally {
      backgroundInside = false;
      pump();
    }
  };
  const inForeground = async <T>(work: () => Promise<T>): Promise<T> => {
    foreground++;
    try {
      return await work();
    } finally {
      foreground--;
      if (foreground === 0) pump();
    }
  };

  const handle = (run: <T>(work: () => Promise<T>) => Promise<T>): Database => ({
    kind: db.kind,
    pglite: db.pglite,
    pool: db.pool,
    query: ((sql: string, params?: unknown[]) => run(() => db.query(sql, params))) as Queryable['query'],
    transaction: (fn) => run(() => db.transaction(fn)),
    exec: (sql) => run(() => db.exec(sql)),
    ...(db.script ? { script: (sql: string) => run(() => db.script!(sql)) } : {}),
    close: () => db.close(),
  });
  return { foreground: handle(inForeground), background: handle(inBackground) };
}
