import net from 'node:net';
import type { TestProject } from 'vitest/node';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './service-urls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisAvailable: boolean;
    postgresAvailable: boolean;
  }
}

function answers(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || defaultPort) });
    socket.setTimeout(1500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

// Probes the real Redis and PostgreSQL once per run. Without them the embedded paths still run
// and the suites that need a server are skipped with a plain explanation; under CI a missing
// server fails the run, because a skipped compliance path is not a passed one.
export default async function setup(project: TestProject): Promise<() => void> {
  const redisAvailable = await answers(TEST_REDIS_URL, 6379);
  const postgresAvailable = await answers(TEST_DATABASE_URL, 5432);
  const missing = [
    !redisAvailable && `Redis (${TEST_REDIS_URL}): suites marked [redis] are skipped`,
    !postgresAvailable && `PostgreSQL (${TEST_DATABASE_URL}): suites marked [postgres] are skipped`,
  ].filter(Boolean) as string[];
  if (missing.length > 0) {
    if (process.env.CI === 'true') {
      throw new Error(`CI=true and a required server does not answer:\n  ${missing.join('\n  ')}`);
    }
    console.warn(
      `\n[dialplane tests] servers not reachable, running embedded paths only:\n  ${missing.join('\n  ')}\n`,
    );
  }
  project.provide('redisAvailable', redisAvailable);
  project.provide('postgresAvailable', postgresAvailable);
  return () => {
    if (missing.length > 0) console.warn(`\n[dialplane tests] SKIPPED (server missing):\n  ${missing.join('\n  ')}\n`);
  };
}
