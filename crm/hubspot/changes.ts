import { CrmCallError, type ChangedContact } from '../../shared/crm/connector.js';
import type { HubspotClient, HubspotObject } from './client.js';

/**
 * The incremental read behind reconciliation: contact search with `lastmodifieddate GTE t`, sorted
 * by lastmodifieddate ascending, 200 a page. Search reaches at most 10,000 results per query, so
 * after 9,800 the query restarts from the newest stamp seen (keyset paging on the stamp; records
 * sharing it are read again and deduped by the reconciler). `GTE` rather than `GT` so a write
 * sharing the cursor's millisecond is never skipped.
 */

export const HUBSPOT_SEARCH_POLICY = {
  pageSize: 200,
  /** HubSpot answers 400 beyond 10,000 results of one search. */
  maxReachable: 10_000,
} as const;

const PHONE_PROPERTIES = ['phone', 'mobilephone'] as const;
export const CHANGED_CONTACT_PROPERTIES = [
  'lastmodifieddate',
  ...PHONE_PROPERTIES,
  'dialplane_do_not_call',
  'hs_email_optout',
] as const;

/** HubSpot booleans are strings; blank is unset (false); anything else cannot be read (null). */
function flag(value: string | null | undefined): boolean | null {
  if (value === undefined) return null;
  const v = (value ?? '').trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false' || v === '') return false;
  return null;
}

function stampOf(o: HubspotObject): number {
  const raw = o.properties.lastmodifieddate ?? o.updatedAt ?? '';
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms))
    throw new CrmCallError(
      'hubspot',
      'contacts.search',
      'invalid_response',
      'HubSpot contacts.search: lastmodifieddate is not a date',
    );
  return ms;
}

export function toChangedContact(o: HubspotObject): ChangedContact {
  return {
    sourceId: o.id,
    modifiedAtMs: stampOf(o),
    phoneValues: PHONE_PROPERTIES.map((p) => o.properties[p]).filter(
      (v): v is string => typeof v === 'string' && v.trim() !== '',
    ),
    // A property missing from the answer (renamed, removed) reads as null: unknown.
    doNotCall: flag(o.properties.dialplane_do_not_call),
    emailOptOut: flag(o.properties.hs_email_optout),
  };
}

/** Ascending (stamp, id), the order the reconciler's cursor relies on. */
function byStampThenId(a: ChangedContact, b: ChangedContact): number {
  return (
    a.modifiedAtMs - b.modifiedAtMs ||
    a.sourceId.length - b.sourceId.length ||
    (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0)
  );
}

export async function* hubspotChangedContactsSince(
  client: HubspotClient,
  sinceMs: number,
): AsyncIterable<ChangedContact[]> {
  let from = sinceMs;
  let after: string | undefined;
  let offset = 0;
  for (;;) {
    const page = await client.searchContacts({
      filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(from) }] }],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
      properties: CHANGED_CONTACT_PROPERTIES,
      limit: HUBSPOT_SEARCH_POLICY.pageSize,
      ...(after ? { after } : {}),
    });
    const contacts = page.results.map(toChangedContact).sort(byStampThenId);
    if (contacts.length > 0) yield contacts;
    if (!page.after) return;
    offset += page.results.length;
    if (offset + HUBSPOT_SEARCH_POLICY.pageSize > HUBSPOT_SEARCH_POLICY.maxReachable) {
      const newest = contacts[contacts.length - 1]?.modifiedAtMs ?? from;
      // One millisecond holding 10,000 writes would loop: give up loudly rather than spin.
      if (newest <= from)
        throw new CrmCallError(
          'hubspot',
          'contacts.search',
          'rejected',
          'HubSpot contacts.search: more than 10,000 contacts share one modification time',
        );
      from = newest;
      after = undefined;
      offset = 0;
    } else {
      after = page.after;
    }
  }
}
