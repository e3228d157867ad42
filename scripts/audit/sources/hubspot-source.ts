import { HubspotClient } from '../../../crm/hubspot/client.js';
import { createHubspotConnector } from '../../../crm/hubspot/connector.js';
import { LIFECYCLE_STAGE_INTENT } from '../../../crm/hubspot/read-mapping.js';
import type { AuditContact } from '../audit-contact.js';
import { CallPacer, type AuditSource } from './audit-source.js';

/**
 * HubSpot through @hubspot/api-client: every contact by `GET /crm/v3/objects/contacts` pages of
 * 100 (the list endpoint is not subject to search's 10,000-result cap or its ~5/s limit), paced
 * under the app's rate limit (default 100 per 10 s, HubSpot's lowest tier) with the client's own
 * retry on a TEN_SECONDLY 429. The checkpoint is the `after` cursor of the next page.
 */

export interface HubspotAuditOptions {
  baseUrl: string;
  accessToken: string;
  clientSecret: string;
  /** Calls per window the audit allows itself. @default 100 per 10000 ms */
  rate?: { limit: number; windowMs: number };
}

export const AUDIT_CONTACT_PROPERTIES = [
  'firstname',
  'lastname',
  'email',
  'phone',
  'mobilephone',
  'address',
  'zip',
  'state',
  'country',
  'hs_timezone',
  'dialplane_do_not_call',
  'lifecyclestage',
];

const text = (v: string | null | undefined): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

function flag(v: string | null | undefined): boolean | null {
  const t = v?.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : null;
}

export function toAuditContact(
  o: { id: string; properties: Record<string, string | null> },
  closedWon: ReadonlySet<string>,
): AuditContact {
  const p = o.properties;
  const phones: AuditContact['phones'] = [];
  if (text(p.phone)) phones.push({ field: 'phone', raw: p.phone!, kind: 'unknown' });
  if (text(p.mobilephone)) phones.push({ field: 'mobilephone', raw: p.mobilephone!, kind: 'mobile' });
  return {
    crm: 'hubspot',
    id: o.id,
    firstName: text(p.firstname),
    lastName: text(p.lastname),
    email: text(p.email),
    phones,
    street: text(p.address),
    postalCode: text(p.zip),
    state: text(p.state),
    country: text(p.country),
    statedTimeZone: text(p.hs_timezone),
    doNotCall: flag(p.dialplane_do_not_call),
    closedWon: closedWon.has(o.id),
    stage: text(p.lifecyclestage),
  };
}

export function createHubspotAuditSource(options: HubspotAuditOptions): AuditSource {
  const pacer = new CallPacer(options.rate?.limit ?? 100, options.rate?.windowMs ?? 10_000);
  const client = new HubspotClient({
    baseUrl: options.baseUrl,
    accessToken: options.accessToken,
    timeoutMs: 60_000,
    attempts: 3,
    instrument: pacer.instrument,
  });
  const connector = createHubspotConnector({ ...options, timeoutMs: 30_000, instrument: pacer.instrument });

  return {
    crm: 'hubspot',
    async count() {
      // A search's `total` counts every match; with no filter, every contact (one call).
      const page = await client
        .searchContacts({ filterGroups: [], sorts: [], properties: ['hs_object_id'], limit: 1 })
        .catch(() => null);
      return page?.total ?? null;
    },
    async closedWonContactIds() {
      const dealIds: string[] = [];
      let after: string | undefined;
      do {
        const page = await client.searchDeals({
          filters: [{ propertyName: 'hs_is_closed_won', operator: 'EQ', value: 'true' }],
          properties: ['hs_object_id'],
          limit: 200,
          ...(after ? { after } : {}),
        });
        dealIds.push(...page.results.map((d) => d.id));
        after = page.after ?? undefined;
      } while (after);
      const contacts = await client.dealContacts(dealIds);
      return new Set([...contacts.values()].flat());
    },
    async *pages(checkpoint, closedWon) {
      let after = checkpoint;
      for (;;) {
        const page = await client.contactsPage(after, AUDIT_CONTACT_PROPERTIES);
        if (page.results.length > 0 || page.after) {
          yield { contacts: page.results.map((o) => toAuditContact(o, closedWon)), checkpoint: page.after ?? 'done' };
        }
        if (!page.after) return;
        after = page.after;
      }
    },
    async mappingDifferences() {
      return (await connector.checkMapping()).differences;
    },
    isMappedStage: (value) => value in LIFECYCLE_STAGE_INTENT,
    calls: () => pacer.snapshot(),
    async close() {
      client.close();
      await connector.close();
    },
  };
}
