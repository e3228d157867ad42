import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { logError, type Logger } from './logger.js';
import { createRedisConnection } from './redis.js';

/**
 * The event bus between subgraphs: in-process by default, Redis pub/sub when REDIS_URL is set (so
 * every replica of every subgraph sees every event). Pub/sub is a notification channel, not a
 * store: whatever must not be lost (consent revocations) is written durably first, and consumers
 * that reconnect catch up from that store by cursor.
 */

export const ContactChangedEvent = z.object({
  eventId: z.string().min(1),
  /** Global id, e.g. `salesforce:003...`. */
  contactId: z.string().min(1),
  source: z.string().min(1),
  /** Canonical field names that changed (e.g. `suppression.doNotCall`, `phones`). */
  changedFields: z.array(z.string()),
  occurredAt: z.iso.datetime({ offset: true }),
  /** E.164 phones of the contact, included when suppression changed, so consent can act without a CRM read. */
  phones: z.array(z.string()).optional(),
  /** New suppression state when it changed. */
  suppression: z
    .object({ doNotCall: z.boolean().nullable(), emailOptOut: z.boolean().nullable() })
    .partial()
    .optional(),
});
export type ContactChangedEvent = z.infer<typeof ContactChangedEvent>;

export const ConsentRevokedEvent = z.object({
  eventId: z.string().min(1),
  phone: z.string().min(1),
  revokedAt: z.iso.datetime({ offset: true }),
  channel: z.string(),
  source: z.string(),
  cursor: z.string(),
});
export type ConsentRevokedEvent = z.infer<typeof ConsentRevokedEvent>;

/**
 * A CRM connection was created, had its credentials rotated, its mapping changed, was disabled or
 * deleted (shared/crm/connections/). Carries ids only, never credentials: every process's
 * ConnectionDirectory reloads that one row from the database.
 */
export const ConnectionChangedEvent = z.object({
  eventId: z.string().min(1),
  connectionId: z.string().min(1),
  change: z.enum(['created', 'credentials', 'mapping', 'disabled', 'deleted', 'rekeyed']),
  revision: z.number().int().min(0),
});
export type ConnectionChangedEvent = z.infer<typeof ConnectionChangedEvent>;

export const TOPICS = {
  'contact.changed': ContactChangedEvent,
  'consent.revoked': ConsentRevokedEvent,
  'connection.changed': ConnectionChangedEvent,
} as const;
export type Topic = keyof typeof TOPICS;
export type EventOf<T extends Topic> = z.infer<(typeof TOPICS)[T]>;

export interface EventBus {
  readonly kind: 'memory' | 'redis';
  publish<T extends Topic>(topic: T, event: EventOf<T>): Promise<void>;
  /** Handler errors are logged, never thrown back to the publisher. Returns an unsubscribe. */
  subscribe<T extends Topic>(
    topic: T,
    handler: (event: EventOf<T>) => void | Promise<void>,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface EventBusOptions {
  redisUrl?: string;
  /** Channel prefix; tests use a unique one so parallel runs never hear each other. */
  prefix?: string;
  log?: Logger;
  /** Upper bound of one publish, ms. @default 50 */
  commandTimeoutMs?: number;
  /** How long start-up waits for Redis before going on degraded, ms. @default 500 */
  connectWaitMs?: number;
}

export async function createEventBus(options: EventBusOptions = {}): Promise<EventBus> {
  return options.redisUrl ? createRedisBus(options.redisUrl, options) : createMemoryBus(options);
}

function deliver<T extends Topic>(
  topic: T,
  raw: unknown,
  handler: (e: EventOf<T>) => void | Promise<void>,
  log?: Logger,
): void {
  const parsed = TOPICS[topic].safeParse(raw);
  if (!parsed.success) {
    log?.warn({ topic, issues: parsed.error.issues.length }, 'event bus: dropped malformed event');
    return;
  }
  Promise.resolve()
    .then(() => handler(parsed.data as EventOf<T>))
    .catch((error: unknown) => {
      if (log) logError(log, error, 'event handler failed', { topic });
    });
}

function createMemoryBus(options: EventBusOptions): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    kind: 'memory',
    async publish(topic, event) {
      TOPICS[topic].parse(event);
      // Deliver asynchronously, as Redis would, so publishers never depend on handler timing.
      setImmediate(() => emitter.emit(topic, event));
    },
    async subscribe(topic, handler) {
      const listener = (raw: unknown) => deliver(topic, raw, handler, options.log);
      emitter.on(topic, listener);
      return async () => void emitter.off(topic, listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

async function createRedisBus(url: string, options: EventBusOptions): Promise<EventBus> {
  const prefix = options.prefix ?? 'dialplane:events:';
  // Publishing fails within the command timeout when Redis is down (callers degrade: consent
  // replicas poll the ledger; CRM webhook deliveries are retried by the sender). The subscriber
  // queues its SUBSCRIBEs until connected and is resubscribed by the client after a reconnect, so
  // the bus starts, and recovers, without Redis.
  const publisherConnection = createRedisConnection({
    url,
    log: options.log,
    name: 'event-bus-publisher',
    commandTimeoutMs: options.commandTimeoutMs,
  });
  const subscriberConnection = createRedisConnection({
    url,
    log: options.log,
    name: 'event-bus-subscriber',
    commandTimeoutMs: 0,
    offlineQueue: true,
  });
  const publisher = publisherConnection.client;
  const subscriber = subscriberConnection.client;
  await Promise.all([
    publisherConnection.waitUntilReady(options.connectWaitMs ?? 500),
    subscriberConnection.waitUntilReady(options.connectWaitMs ?? 500),
  ]);
  const handlers = new Map<string, Set<(raw: unknown) => void>>();
  return {
    kind: 'redis',
    async publish(topic, event) {
      TOPICS[topic].parse(event);
      await publisher.publish(prefix + topic, JSON.stringify(event));
    },
    async subscribe(topic, handler) {
      const channel = prefix + topic;
      const listener = (raw: unknown) => deliver(topic, raw, handler, options.log);
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        const listeners = set;
        const subscribed = subscriber.subscribe(channel, (message: string) => {
          let raw: unknown;
          try {
            raw = JSON.parse(message);
          } catch {
            options.log?.warn({ topic }, 'event bus: dropped non-JSON message');
            return;
          }
          for (const l of listeners) l(raw);
        });
        // Connected: wait for the SUBSCRIBE (callers rely on hearing events published next).
        // Disconnected: it stays queued and is sent on connect; do not hold start-up on it.
        if (subscriberConnection.isReady()) await subscribed;
        else subscribed.catch(() => undefined);
      }
      set.add(listener);
      return async () => {
        set.delete(listener);
        if (set.size === 0) {
          handlers.delete(channel);
          await subscriber.unsubscribe(channel).catch(() => undefined);
        }
      };
    },
    async close() {
      handlers.clear();
      await Promise.allSettled([subscriberConnection.close(), publisherConnection.close()]);
    },
  };
}
