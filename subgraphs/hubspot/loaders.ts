import type { AssociationIndex } from './association-index.js';
import type { HubspotClient, HubspotObject } from './client.js';
import { CALL_PROPERTIES, CONTACT_PROPERTIES, DEAL_PROPERTIES, type HubspotContactBundle } from './mapping.js';

/**
 * One batch of contacts with their deals and calls, in two rounds of HubSpot calls:
 *   round 1, in parallel: contacts batch read, v4 associations contacts->deals and contacts->calls
 *   round 2, in parallel: deals batch read and calls batch read (skipped when nothing is associated)
 * so a batch of ≤ 100 contacts usually costs five calls and two round trips of CRM latency (one
 * more per further 100 deals or calls).
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
): Promise<Map<string, HubspotContactBundle>> {
  const [contacts, dealLinks, callLinks] = await Promise.all([
    client.batchRead('contacts', ids, CONTACT_PROPERTIES),
    client.readAssociations('contacts', 'deals', ids),
    client.readAssociations('contacts', 'calls', ids),
  ]);
  associations?.record('deals', dealLinks);
  associations?.record('calls', callLinks);
  // Only records of contacts that exist matter; associations of a missing id are ignored.
  const found = new Set(contacts.map((c) => c.id));
  const linked = (links: Map<string, string[]>) => [...new Set([...links].filter(([from]) => found.has(from)).flatMap(([, to]) => to))];
  const recentCalls = new Map([...callLinks].map(([from, to]) => [from, newestIds(to, CALLS_PER_CONTACT)]));
  const [deals, calls] = await Promise.all([
    client.batchRead('deals', linked(dealLinks), DEAL_PROPERTIES),
    client.batchRead('calls', linked(recentCalls), CALL_PROPERTIES),
  ]);
  const byId = (records: HubspotObject[]) => new Map(records.map((r) => [r.id, r]));
  const dealById = byId(deals);
  const callById = byId(calls);
  const pick = (links: Map<string, string[]>, from: string, index: Map<string, HubspotObject>) =>
    (links.get(from) ?? []).map((id) => index.get(id)).filter((r): r is HubspotObject => r !== undefined);

  const out = new Map<string, HubspotContactBundle>();
  for (const contact of contacts) {
    out.set(contact.id, { contact, deals: pick(dealLinks, contact.id, dealById), calls: pick(recentCalls, contact.id, callById) });
  }
  return out;
}

/** The `n` highest (most recently created) numeric ids. */
function newestIds(ids: readonly string[], n: number): string[] {
  return [...ids].sort((a, b) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0)).slice(-n);
}
