import { createHash, createHmac } from 'node:crypto';
import type { ChangeDelivery } from '../common/change-delivery.js';

/**
 * HubSpot webhooks: property changes are batched (up to 100 events a request, like HubSpot) and
 * POSTed as a JSON array to every target, signed with signature v3 (and v1 for older receivers).
 * Each retry is rebuilt with a higher `attemptNumber` and a fresh timestamp + signature, which is
 * what the real sender does; the retry schedule itself is ChangeDelivery's.
 */

export const MAX_EVENTS_PER_REQUEST = 100;

export type SubscriptionType = 'contact.propertyChange' | 'deal.propertyChange' | 'call.propertyChange';

/** The JSON of one event, field for field as HubSpot sends it. */
export interface WebhookEventJson {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: SubscriptionType;
  attemptNumber: number;
  objectId: number;
  propertyName: string;
  propertyValue: string;
  changeSource: string;
  sourceId?: string;
  isSensitive: boolean;
}

export interface PropertyChange {
  subscriptionType: SubscriptionType;
  objectId: string;
  propertyName: string;
  propertyValue: string;
  /** `CRM_UI` for a person's edit, `INTEGRATION` for an API write, `AUTOMATION` for a sync rule. */
  changeSource: 'CRM_UI' | 'INTEGRATION' | 'AUTOMATION';
  sourceId?: string;
  occurredAt: number;
}

/** base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)) — HubSpot signature v3. */
export function signatureV3(
  clientSecret: string,
  method: string,
  uri: string,
  body: string,
  timestamp: number,
): string {
  return createHmac('sha256', clientSecret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

/** hex(SHA-256(clientSecret + body)) — HubSpot signature v1, still sent alongside v3. */
export function signatureV1(clientSecret: string, body: string): string {
  return createHash('sha256')
    .update(clientSecret + body)
    .digest('hex');
}

/** Fixed per subscription type, like the ids of an app's subscriptions. */
const SUBSCRIPTION_IDS: Record<SubscriptionType, number> = {
  'contact.propertyChange': 1_704_101,
  'deal.propertyChange': 1_704_103,
  'call.propertyChange': 1_704_148,
};

export interface WebhookEmitterOptions {
  clientSecret: string;
  portalId: number;
  appId: number;
  /**
   * How long changes are collected into one request (HubSpot batches near-simultaneous events).
   * 0 sends each write's changes at once, which keeps `waitForDeliveries` exact: events waiting
   * in a window are not yet deliveries, so the admin API cannot see them as pending.
   */
  batchWindowMs: number;
}

export class WebhookEmitter {
  private queue: WebhookEventJson[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextEventId = 1;

  constructor(
    private readonly delivery: ChangeDelivery,
    private readonly options: WebhookEmitterOptions,
  ) {}

  emit(changes: readonly PropertyChange[]): void {
    if (changes.length === 0 || this.delivery.getTargets().length === 0) return;
    for (const c of changes) {
      this.queue.push({
        eventId: this.nextEventId++,
        subscriptionId: SUBSCRIPTION_IDS[c.subscriptionType],
        portalId: this.options.portalId,
        appId: this.options.appId,
        occurredAt: c.occurredAt,
        subscriptionType: c.subscriptionType,
        attemptNumber: 0,
        objectId: Number(c.objectId),
        propertyName: c.propertyName,
        propertyValue: c.propertyValue,
        changeSource: c.changeSource,
        ...(c.sourceId ? { sourceId: c.sourceId } : {}),
        isSensitive: false,
      });
    }
    if (this.queue.length >= MAX_EVENTS_PER_REQUEST || this.options.batchWindowMs === 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.batchWindowMs);
  }

  /** Sends everything queued now, in requests of at most 100 events. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_EVENTS_PER_REQUEST);
      const { clientSecret } = this.options;
      this.delivery.send('hubspot.webhook', ({ attemptNumber, target }) => {
        // HubSpot counts attempts from 0.
        const body = JSON.stringify(batch.map((e) => ({ ...e, attemptNumber: attemptNumber - 1 })));
        const timestamp = Date.now();
        return {
          body,
          headers: {
            'x-hubspot-signature-v3': signatureV3(clientSecret, 'POST', target, body, timestamp),
            'x-hubspot-request-timestamp': String(timestamp),
            'x-hubspot-signature': signatureV1(clientSecret, body),
            'x-hubspot-signature-version': 'v1',
            'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio)',
          },
        };
      });
    }
  }

  /** Drops anything not yet sent (on reset and close). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
  }
}
