import { migrate, openDatabase, type Database } from '../../../shared/db.js';
import type { Logger } from '../../../shared/logger.js';
import { CONSENT_MIGRATIONS } from '../migrations/index.js';

/** Opens the system of record (PostgreSQL or embedded PGlite) and applies the consent migrations. */
export async function openConsentDatabase(options: {
  url?: string;
  dataDir?: string;
  log?: Logger;
  maxConnections?: number;
}): Promise<Database> {
  const db = await openDatabase(options);
  try {
    await migrate(db, 'consent', CONSENT_MIGRATIONS);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  // Keep a warm core of connections through lulls: pg-pool closes every idle client after 10 s,
  // and the next burst then pays a backend fork, authentication and a re-PREPARE of the facts
  // statement per connection (seen as connection set-up at the start of a load phase, in the tail).
  if (db.pool) db.pool.options.min = Math.min(WARM_CONNECTIONS, db.pool.options.max ?? WARM_CONNECTIONS);
  return db;
}

const WARM_CONNECTIONS = 4;
