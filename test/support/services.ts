import { randomBytes } from 'node:crypto';
import { describe, inject } from 'vitest';
import pg from 'pg';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './service-urls.js';

export { TEST_DATABASE_URL, TEST_REDIS_URL };

/** `describe` for suites that need the real Redis server; skipped (and reported) without one. */
export const describeWithRedis = (name: string, fn: () => void) =>
  (inject('redisAvailable') ? describe : describe.skip)(`${name} [redis]`, fn);

/** `describe` for suites that need the real PostgreSQL server; skipped (and reported) without one. */
export const describeWithPostgres = (name: string, fn: () => void) =>
  (inject('postgresAvailable') ? describe : describe.skip)(`${name} [postgres]`, fn);

/** A unique prefix so parallel test files never share Redis keys or channels. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${randomBytes(4).toString('hex')}:`;
}

/**
 * Creates a throw-away database on the real PostgreSQL server and returns its URL.
 * The database is dropped by `drop()`; keep it (for evidence) by setting KEEP_TEST_DB=1.
 */
export async function createTestDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `dialplane_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      if (process.env.KEEP_TEST_DB === '1') return;
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
