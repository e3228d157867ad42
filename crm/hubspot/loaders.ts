import type { AssociationIndex } from './association-index.js';
import type { HubspotClient, HubspotObject } from './client.js';
import {
  DEFAULT_HUBSPOT_MAPPING,
  propertiesOf,
  type HubspotContactBundle,
  type HubspotReadMapping,
} from './read-mapping.js';

/**
 * One batch of contacts with their deals and calls, as three parallel chains of HubSpot calls:
 *   contacts batch read
 *   v4 associations contacts->deals, then deals batch read (skipped when nothing is associated)
 *   v4 associations contacts->calls, then calls batch read (skipped when nothing is associated)
 * so a batch of ≤ 100 contacts usually costs five calls and two round trips of CRM latency (one
 * more call per further 100 deals or calls). The chains do not wait for each other: each second
 * read starts as soon as its own association read answered, which trims the tail when CRM latency
 * jitters.
 *
 * Only the CALLS_PER_CONTACT most recently created calls of each contact are read (HubSpot ids
 * grow with creation): the last activity is the latest hs_timestamp among them. Reading every call
 * of a busy contact would cost a HubSpot call per 100 calls for one field, against a rate limit of
 * 100-190 requests per 10 s; a call logged out of order (back-dated after two newer ones) is the
 * price, and the engagement subgraph overlays dialplane's own outcomes anyway.
 * Per-request and cross-request batching happen before this (shared/crm); this is the CRM side.
 */
export const CALLS_PER_CONTACT = 2;

export async function loadContactBundles(
  client: HubspotClient,
  ids: readonly string[],
  associations?: AssociationIndex,
  mapping: HubspotReadMapping = DEFAULT_HUBSPOT_MAPPING,
): Promise<Map<string, HubspotContactBundle>> {
  const linked = async (to: 'deals' | 'calls', properties: readonly string[], keep: (ids: string[]) => string[]) => {
    const links = await client.readAssociations('contacts', to, ids);
    associations?.record(to, links);
    const kept = new Map([...links].map(([from, targets]) => [from, keep(targets)]));
    // A missing contact has no associations (HubSpot reports it as an error), so nothing is read for it.
    const records = await client.batchRead(to, [...new Set([...kept.values()].flat())], properties);
    const byId = new Map(records.map((r) => [r.id, r]));
    return (contactId: string) =>
      (kept.get(contactId) ?? []).map((id) => byId.get(id)).filter((r): r is HubspotObject => r !== undefined);
  };
  const [contacts, dealsOf, callsOf] = await Promise.all([
    client.batchRead('contacts', ids, propertiesOf('contacts', mapping)),
    linked('deals', propertiesOf('deals', mapping), (targets) => targets),
    linked('calls', propertiesOf('calls', mapping), (targets) => newestIds(targets, CALLS_PER_CONTACT)),
  ]);
  const out = new Map<string, HubspotContactBundle>();
  for (const contact of contacts)
    out.set(contact.id, { contact, deals: dealsOf(contact.id), calls: callsOf(contact.id) });
  return out;
}

/** The `n` highest (most recently created) numeric ids. */
function newestIds(ids: readonly string[], n: number): string[] {
  return [...ids].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)).slice(-n);
}
