import { z } from 'zod';
import type { Cache } from '../cache.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../logger.js';
import { normalizePhone } from '../phone.js';
import { globalId, type CrmChangeEvent, type CrmConnector } from './connector.js';
import type { ContactStore } from './contact-store.js';
import type { CrmMetrics } from './crm-metrics.js';
import type { PhoneIndex } from './phone-index.js';
import { logError } from '../logger.js';

/**
 * Applies CRM change events: invalidates the cached contact at once, updates the phone index, and
 * publishes a canonical `contact.changed` on the event bus. Safe against duplicate deliveries (event
 * id seen before) and out-of-order ones (order key at or below the last applied for that record):
 * those are acknowledged and ignored, so an older state is never announced after a newer one.
 *
 * Webhooks and reconciliation (shared/crm/reconciliation/) both come through here, and each
 * record version (`versionMs`, the CRM's modification stamp) is applied once whichever path saw it
 * first: a reconciled record at or below the newest version already applied is a duplicate, and
 * a (late) webhook at or below the newest version reconciliation announced is one too, since a
 * reconciled change announces every field.
 */

/** Canonical top-level fields, announced when an event does not say what changed (create, delete, gap). */
export const ALL_CANONICAL_FIELDS = [
  'name',
  'email',
  'phones',
  'primaryPhone',
  'timeZone',
  'location',
  'crmIntentStage',
  'openDeal',
  'crmLastActivity',
  'suppression.doNotCall',
  'suppression.emailOptOut',
];

/** `order` holds an order key (`order:`) or a version stamp in ms (`version:`, `reconciled:`). */
const SeenMarker = z.object({ order: z.number() });
type SeenMarker = z.infer<typeof SeenMarker>;

export interface ChangeHandlerOptions {
  connector: CrmConnector;
  store: ContactStore;
  phoneIndex: PhoneIndex;
  bus: EventBus;
  /** Dedupe and ordering markers (`id:<eventId>`, `order:<sourceId>`); shared across replicas with Redis. */
  markers: Cache<SeenMarker>;
  /** How long dedupe markers live. @default 24 h */
  markerTtlMs?: number;
  metrics: CrmMetrics;
  log: Logger;
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'out_of_order';

export class ChangeHandler {
  constructor(private readonly options: ChangeHandlerOptions) {}

  /** Applies events in order; returns the outcome of each. */
  async apply(events: readonly CrmChangeEvent[]): Promise<ApplyOutcome[]> {
    const outcomes: ApplyOutcome[] = [];
    for (const event of events) {
      const outcome = await this.applyOne(event);
      if (event.origin !== 'reconciliation') this.options.metrics.webhookEvent(outcome);
      outcomes.push(outcome);
    }
    return outcomes;
  }

  private async applyOne(event: CrmChangeEvent): Promise<ApplyOutcome> {
    const { connector, store, phoneIndex, bus, markers, log } = this.options;
    const ttl = this.options.markerTtlMs ?? 24 * 3_600_000;
    const reconciled = event.origin === 'reconciliation';
    const idKey = `id:${event.eventId}`;
    const orderKey = `order:${event.sourceId}`;
    const versionKey = `version:${event.sourceId}`;
    const reconciledKey = `reconciled:${event.sourceId}`;
    const [seen, last, version, reconciledVersion] = await Promise.all([
      readMarker(markers, idKey),
      readMarker(markers, orderKey),
      readMarker(markers, versionKey),
      readMarker(markers, reconciledKey),
    ]);
    if (seen) return 'duplicate';
    if (event.versionMs !== undefined) {
      if (reconciled && version && event.versionMs <= version.order) return 'duplicate';
      if (!reconciled && reconciledVersion && event.versionMs <= reconciledVersion.order) return 'duplicate';
    }
    // Order keys are per delivery channel; a reconciled record is ordered by its version alone. A
    // related record's change (a deal) is never "older" than the contact's own events: evicting is
    // always safe, and letting its commit time into the contact's order would make a late do-not-call
    // event of the contact look out of order.
    const related = event.origin === 'related';
    if (!reconciled && !related && last && event.order < last.order) return 'out_of_order';

    const previous = await store.invalidate(event.sourceId);
    const newPhones = (event.phoneValues ?? []).map((raw) => normalizePhone(raw)?.e164).filter((p): p is string => !!p);
    await Promise.all(newPhones.map((e164) => phoneIndex.add(e164, event.sourceId)));

    const changedFields =
      event.changedFields.length > 0 && event.kind === 'updated' ? event.changedFields : ALL_CANONICAL_FIELDS;
    const suppressionChanged = changedFields.some((f) => f.startsWith('suppression'));
    const knownPhones =
      previous?.result.kind === 'found'
        ? (previous.result.contact.phones ?? []).map((p) => p.e164).filter((p): p is string => !!p)
        : [];
    let phones = [...new Set([...knownPhones, ...newPhones])];
    if (suppressionChanged && phones.length === 0) phones = await this.phonesFromCrm(event.sourceId);
    await bus.publish('contact.changed', {
      eventId: `${connector.source}:${event.eventId}`,
      contactId: globalId(connector.source, event.sourceId),
      source: connector.source,
      changedFields,
      occurredAt: event.occurredAt,
      ...(suppressionChanged && phones.length > 0 ? { phones } : {}),
      ...(event.suppression ? { suppression: event.suppression } : {}),
    });
    // Marked only once published: a delivery that failed half-way (bus down) is retried by the
    // sender and applied then, instead of being mistaken for a duplicate.
    const versionMs = event.versionMs;
    await Promise.all([
      markers.set(idKey, { order: event.order }, ttl).catch(() => undefined),
      reconciled || related ? undefined : markers.set(orderKey, { order: event.order }, ttl).catch(() => undefined),
      versionMs !== undefined && (!version || versionMs > version.order)
        ? markers.set(versionKey, { order: versionMs }, ttl).catch(() => undefined)
        : undefined,
      reconciled && versionMs !== undefined
        ? markers.set(reconciledKey, { order: versionMs }, ttl).catch(() => undefined)
        : undefined,
    ]);
    log.info(
      {
        crm: connector.source,
        eventId: event.eventId,
        kind: event.kind,
        fields: changedFields.length,
        origin: event.origin ?? 'webhook',
      },
      'CRM change applied',
    );
    return 'applied';
  }

  /**
   * A do-not-call change must reach the consent subgraph with the contact's numbers even when this
   * replica never cached the contact, so read it from the CRM once. If the CRM cannot answer, the
   * event still goes out (other replicas must evict) and the failure is logged at error level,
   * because consent cannot suppress numbers it was not told.
   */
  private async phonesFromCrm(sourceId: string): Promise<string[]> {
    try {
      const [result] = await this.options.connector.loadContacts([sourceId]);
      return phonesOf(result);
    } catch (error) {
      logError(this.options.log, error, 'could not read phones for a suppression change', {
        crm: this.options.connector.source,
        sourceId,
      });
      return [];
    }
  }
}

/** Fallback for a suppression change on a contact nobody has read yet: consent needs its numbers. */
function phonesOf(result: Awaited<ReturnType<CrmConnector['loadContacts']>>[number] | undefined): string[] {
  if (!result || result.kind !== 'found') return [];
  return (result.contact.phones ?? []).map((p) => p.e164).filter((p): p is string => !!p);
}

async function readMarker(markers: Cache<SeenMarker>, key: string): Promise<SeenMarker | undefined> {
  try {
    const parsed = SeenMarker.safeParse(await markers.get(key));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
