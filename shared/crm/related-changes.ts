import type { CrmChangeEvent, RelatedRecordChange } from './connector.js';

/**
 * Turns changes of records that feed contacts (deals) into one change event per contact, once the
 * connector said which contacts each record belongs to. Contacts the delivery named are kept even
 * when the CRM no longer links them (the deal moved away from them: their cached deal is stale too).
 */
export function expandRelatedChanges(
  related: readonly RelatedRecordChange[],
  contactsOf: ReadonlyMap<string, readonly string[]>,
): CrmChangeEvent[] {
  const events: CrmChangeEvent[] = [];
  for (const r of related) {
    const contacts = new Set([...r.knownContactIds, ...(contactsOf.get(`${r.object}:${r.recordId}`) ?? [])]);
    for (const sourceId of contacts)
      events.push({ ...r.change, eventId: `${r.change.eventId}:${sourceId}`, sourceId, origin: 'related' });
  }
  return events;
}
