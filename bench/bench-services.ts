import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';

/**
 * The real servers a benchmark may use: Redis and PostgreSQL at BENCH_REDIS_URL and
 * BENCH_DATABASE_URL (defaults: the local servers). A benchmark that needs one checks it answers
 * and says so when it does not, instead of failing half-way.
 */
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const BENCH_POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const DEFAULT_PORTS: Record<string, number> = { 'redis:': 6379, 'postgres:': 5432, 'postgresql:': 5432 };

/** Whether something accepts TCP connections at the URL's host and port (within 1 s). */
export function reachable(url: string): Promise<boolean> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(target.port || DEFAULT_PORTS[target.protocol]), target.hostname, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A throw-away database on the PostgreSQL server for one run, dropped by `drop()`. */
export async function throwAwayDatabase(
  label: string,
  serverUrl = BENCH_POSTGRES_URL,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `dialplane_bench_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
