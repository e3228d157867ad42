import { createClient, type RedisClientType } from 'redis';
import { errorForLog, type Logger } from './logger.js';

/**
 * A Redis connection whose faults cost milliseconds, not seconds. Every command has a tight
 * timeout; while the socket is down commands fail at once (no offline queue) instead of waiting
 * for a reconnect; connecting happens in the background, so a service starts (and reports itself
 * degraded) when Redis is unreachable, and reconnects by itself when it returns.
 */
export interface RedisConnectionOptions {
  url: string;
  /** Upper bound of one command, ms; 0: none (a pub/sub subscriber). @default 50 */
  commandTimeoutMs?: number;
  /**
   * Queue commands while disconnected and send them on connect (a subscriber's SUBSCRIBE);
   * otherwise they fail at once. @default false
   */
  offlineQueue?: boolean;
  /** Upper bound of one connection attempt, ms. @default 1000 */
  connectTimeoutMs?: number;
  log?: Logger;
  name?: string;
}

export interface RedisConnection {
  readonly client: RedisClientType;
  /** True while the socket is connected and ready. */
  isReady(): boolean;
  /** Resolves once connected, or after `timeoutMs` (then false); never rejects. */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
  /** Another connection with the same settings (pub/sub needs its own). */
  duplicate(name: string): RedisConnection;
  close(): Promise<void>;
}

export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 50;

export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  const client = createClient({
    url: options.url,
    disableOfflineQueue: !options.offlineQueue,
    ...(commandTimeoutMs > 0 ? { commandOptions: { timeout: commandTimeoutMs } } : {}),
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 1_000,
      // Keep trying forever, at most every 2 s: the service recovers by itself.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2_000),
    },
  }) as unknown as RedisClientType;
  let lastError = 0;
  client.on('error', (error: unknown) => {
    // A reconnect loop reports the same failure every attempt: log it at most every 10 s.
    const now = Date.now();
    if (now - lastError < 10_000) return;
    lastError = now;
    options.log?.warn(
      { err: errorForLog(error), redis: options.name ?? 'redis' },
      'redis unavailable (degraded: in-process fallbacks in use)',
    );
  });
  client.on('ready', () => {
    if (lastError) options.log?.info({ redis: options.name ?? 'redis' }, 'redis connected');
  });
  let closed = false;
  const connecting = client.connect().catch(() => undefined);

  return {
    client,
    isReady: () => client.isReady,
    async waitUntilReady(timeoutMs) {
      if (client.isReady) return true;
      let timer: NodeJS.Timeout | undefined;
      const ready = await Promise.race([
        new Promise<boolean>((resolve) => client.once('ready', () => resolve(true))),
        connecting.then(() => client.isReady),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(client.isReady), timeoutMs))),
      ]);
      clearTimeout(timer);
      return ready || client.isReady;
    },
    duplicate: (name) => createRedisConnection({ ...options, name }),
    async close() {
      if (closed) return;
      closed = true;
      // Never wait on `connecting`: while Redis is down it retries forever.
      // A graceful QUIT, bounded: a partitioned socket never answers it.
      if (client.isReady) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          client.close().catch(() => undefined),
          new Promise((resolve) => (timer = setTimeout(resolve, 200))),
        ]);
        clearTimeout(timer);
      }
      if (client.isOpen) client.destroy();
    },
  };
}
