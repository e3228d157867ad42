import { migrate, openDatabase, type Database } from '../../../shared/db.js';
import type { Logger } from '../../../shared/logger.js';
import { CONSENT_MIGRATIONS } from '../migrations/index.js';

/** Opens the system of record (PostgreSQL or embedded PGlite) and applies the consent migrations. */
export async function openConsentDatabase(options: { url?: string; dataDir?: string; log?: Logger; maxConnections?: number }): Promise<Database> {
  const db = await openDatabase(options);
  try {
    await migrate(db, 'consent', CONSENT_MIGRATIONS);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}
