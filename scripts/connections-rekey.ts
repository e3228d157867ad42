/**
 * `npm run connections:rekey [-- --dir <PGlite directory>]`
 *
 * Re-encrypts every CRM connection's credentials with the current key: the first key of
 * CONNECTION_ENCRYPTION_KEYS. Rotation (docs/connections.md#keys): put the new key first and keep
 * the old one after it, restart the services (they read with either), run this, then remove the
 * old key and restart again. One row per transaction under a row lock, so it runs while services
 * serve and can be re-run after an interruption; each re-sealed row is announced on the event
 * bus (REDIS_URL) so every process reloads it. Prints counts and key ids only.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { connectionEnv, loadConfig, runtimeEnv } from '../shared/config.js';
import { migrateConnections } from '../shared/crm/connections/migrations.js';
import { createSecretBox, parseKeyRing } from '../shared/crm/connections/secret-box.js';
import { ConnectionStore } from '../shared/crm/connections/store.js';
import { openDatabase } from '../shared/db.js';
import { createEventBus } from '../shared/events.js';
import { createLogger } from '../shared/logger.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' } } });
  const env = loadConfig(
    z.object({
      NODE_ENV: runtimeEnv.NODE_ENV,
      DATABASE_URL: runtimeEnv.DATABASE_URL,
      REDIS_URL: runtimeEnv.REDIS_URL,
      CONNECTION_ENCRYPTION_KEYS: connectionEnv.CONNECTION_ENCRYPTION_KEYS,
    }),
  );
  if (!env.DATABASE_URL && !values.dir) {
    console.error(
      'DATABASE_URL (or --dir <PGlite directory>, while no service holds it open) must name the database the connections live in.',
    );
    process.exit(2);
  }
  const log = createLogger('connections-rekey', { level: 'warn' });
  const db = await openDatabase({ url: env.DATABASE_URL, dataDir: values.dir, log });
  const bus = await createEventBus({ redisUrl: env.REDIS_URL, log });
  try {
    await migrateConnections(db);
    const store = new ConnectionStore({
      db,
      box: createSecretBox(parseKeyRing(env.CONNECTION_ENCRYPTION_KEYS)),
      bus,
      log,
    });
    const result = await store.rekey();
    const byKey = new Map<string, number>();
    for (const c of await store.list()) byKey.set(c.keyId, (byKey.get(c.keyId) ?? 0) + 1);
    console.log(JSON.stringify({ ...result, rowsByKey: Object.fromEntries(byKey) }));
    if (result.unreadable.length > 0) {
      console.error(
        `${result.unreadable.length} connection(s) are sealed with a key that is not in CONNECTION_ENCRYPTION_KEYS (ids above): add that key back after the current one and run again.`,
      );
      process.exitCode = 1;
    }
  } finally {
    await bus.close();
    await db.close();
  }
}

await main();
