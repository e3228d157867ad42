import type { EventBus, ContactChangedEvent } from '../../shared/events.js';
import { serviceIdentity } from '../../shared/identity.js';
import type { Logger } from '../../shared/logger.js';
import { toE164 } from '../../shared/phone.js';
import type { ConsentService } from './consent-service.js';

/**
 * A do-not-call flag set in a CRM (Salesforce DoNotCall, HubSpot dialplane_do_not_call) arrives as
 * `contact.changed` with the contact's phones. It becomes an internal DNC entry for every seller
 * plus a CRM_FLAG revocation, each keyed by the event id so every replica hearing the same event
 * appends once. Clearing the flag in the CRM restores nothing: consent needs a new grant.
 */
export async function listenForCrmDoNotCall(
  bus: EventBus,
  service: ConsentService,
  log: Logger,
): Promise<() => Promise<void>> {
  const identity = serviceIdentity('consent-crm-listener');
  return bus.subscribe('contact.changed', async (event: ContactChangedEvent) => {
    if (!event.changedFields.includes('suppression.doNotCall')) return;
    // A null flag is a drifted field: the contract says treat it as do-not-call.
    if (event.suppression?.doNotCall === false) return;
    const phones = (event.phones ?? []).map((p) => toE164(p)).filter((p): p is string => !!p);
    if (phones.length === 0) {
      log.warn(
        { eventId: event.eventId, contactId: event.contactId },
        'CRM do-not-call change without phones: cannot suppress',
      );
      return;
    }
    const occurred = new Date(event.occurredAt);
    const addedAt = occurred.getTime() > service.now().getTime() ? service.now() : occurred;
    for (const e164 of [...new Set(phones)]) {
      await service.addInternalDnc(
        {
          eventId: `crm:${event.eventId}:${e164}`,
          e164,
          scope: 'ALL',
          seller: null,
          source: `crm:${event.source}`,
          addedAt,
          channel: 'CRM_FLAG',
        },
        identity,
      );
    }
    log.info(
      { eventId: event.eventId, contactId: event.contactId, numbers: phones.length },
      'CRM do-not-call recorded',
    );
  });
}
