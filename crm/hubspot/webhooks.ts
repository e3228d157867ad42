import { z } from 'zod';
import { ErrorCode } from '../../shared/errors.js';
import type { CrmChangeEvent, WebhookParseResult, WebhookRequest } from '../../shared/crm/connector.js';
import type { AssociationIndex } from './association-index.js';
import {
  canonicalFieldsOfContactProperty,
  DEFAULT_HUBSPOT_MAPPING,
  keyOfProperty,
  readsProperty,
  type HubspotReadMapping,
} from './read-mapping.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyHubspotSignatureV3, type SignatureFailure } from './signature.js';

/**
 * HubSpot webhooks -> canonical change events. The signature (v3) is verified over the raw bytes
 * before anything parses them; the body is then a zod-checked JSON array of events. Contact events
 * become CrmChangeEvents; the shared ChangeHandler evicts, dedupes and publishes `contact.changed`.
 */

const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);
const text = z
  .union([z.string(), z.number(), z.boolean()])
  .nullable()
  .transform((v) => (v === null ? null : String(v)));

/**
 * One event. The envelope (id, time, type) is required; the rest depends on the type: property
 * changes carry objectId + propertyName/Value, association changes carry fromObjectId/toObjectId
 * + associationType and no objectId.
 */
export const hubspotWebhookEvent = z.object({
  eventId: id,
  subscriptionId: id.optional(),
  portalId: id.optional(),
  appId: id.optional(),
  /** Epoch milliseconds. */
  occurredAt: z.number().int().nonnegative(),
  subscriptionType: z.string().min(1),
  attemptNumber: z.number().int().optional(),
  objectId: id.optional(),
  propertyName: z.string().optional(),
  propertyValue: text.optional(),
  changeSource: z.string().optional(),
  sourceId: text.optional(),
  associationType: z.string().optional(),
  fromObjectId: id.optional(),
  toObjectId: id.optional(),
  associationRemoved: z.boolean().optional(),
});
export type HubspotWebhookEvent = z.infer<typeof hubspotWebhookEvent>;

/** HubSpot sends up to 100 events per request; a little headroom, but not unbounded. */
export const hubspotWebhookBody = z.array(hubspotWebhookEvent).max(1_000);

/** Default keys of the phone properties (a connection's overrides read other properties under them). */
const PHONE_KEYS = new Set(['phone', 'mobilephone']);
/** Association changes move deals and calls, which feed these canonical fields. */
const ASSOCIATION_FIELDS = ['openDeal', 'crmLastActivity', 'crmIntentStage'];

const SIGNATURE_MESSAGES: Record<SignatureFailure, string> = {
  missing_signature: 'X-HubSpot-Signature-v3 header missing',
  missing_timestamp: 'X-HubSpot-Request-Timestamp header missing',
  bad_timestamp: 'X-HubSpot-Request-Timestamp is not a millisecond timestamp',
  stale_timestamp: 'request timestamp older than 5 minutes',
  future_timestamp: 'request timestamp in the future',
  mismatch: 'signature does not match',
};

export function parseHubspotWebhook(
  request: WebhookRequest,
  clientSecret: string,
  associations?: AssociationIndex,
  mapping: HubspotReadMapping = DEFAULT_HUBSPOT_MAPPING,
): WebhookParseResult {
  const check = verifyHubspotSignatureV3({
    secret: clientSecret,
    method: request.method,
    uri: request.url,
    rawBody: request.body,
    signature: request.headers[SIGNATURE_HEADER],
    timestamp: request.headers[TIMESTAMP_HEADER],
    now: request.receivedAt,
  });
  if (!check.ok)
    return {
      ok: false,
      status: 401,
      code: ErrorCode.WEBHOOK_SIGNATURE_INVALID,
      message: SIGNATURE_MESSAGES[check.reason],
      reason: check.reason,
    };

  let json: unknown;
  try {
    json = JSON.parse(request.body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, code: ErrorCode.BAD_USER_INPUT, message: 'body is not JSON' };
  }
  const parsed = hubspotWebhookBody.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || '(root)';
    return {
      ok: false,
      status: 400,
      code: ErrorCode.BAD_USER_INPUT,
      message: `not a HubSpot webhook batch (at ${where})`,
    };
  }
  return { ok: true, events: toChangeEvents(parsed.data, associations, mapping) };
}

/**
 * HubSpot events -> change events, one per contact and instant. HubSpot sends one event per
 * changed property, all with the commit's occurredAt, and the runtime ignores an order key it has
 * already seen for a record, so the events of one contact at one instant are merged into one.
 * Deal and call changes become changes of the contacts they are associated with (as last read);
 * changes to properties the mapping does not read are dropped: they cannot change a cached contact.
 */
export function toChangeEvents(
  events: readonly HubspotWebhookEvent[],
  associations?: AssociationIndex,
  mapping: HubspotReadMapping = DEFAULT_HUBSPOT_MAPPING,
): CrmChangeEvent[] {
  const merged = new Map<string, CrmChangeEvent & { ids: string[] }>();
  const add = (change: CrmChangeEvent) => {
    const key = `${change.sourceId}|${change.order}`;
    const existing = merged.get(key);
    if (!existing) {
      merged.set(key, { ...change, ids: [change.eventId] });
      return;
    }
    existing.ids.push(change.eventId);
    // Merged with one of the contact's own changes: ordered as the contact's own.
    if (existing.origin !== change.origin) delete existing.origin;
    existing.kind = strongerKind(existing.kind, change.kind);
    existing.changedFields =
      existing.changedFields.length === 0 || change.changedFields.length === 0
        ? []
        : [...new Set([...existing.changedFields, ...change.changedFields])];
    if (change.phoneValues) existing.phoneValues = [...(existing.phoneValues ?? []), ...change.phoneValues];
    if (change.suppression) existing.suppression = { ...existing.suppression, ...change.suppression };
  };
  for (const e of events) {
    const [object, action] = e.subscriptionType.split('.', 2);
    if (!action) continue;
    if (action === 'associationChange') {
      for (const contactId of contactsOfAssociation(e)) {
        add({
          eventId: `${e.eventId}-${contactId}`,
          sourceId: contactId,
          kind: 'updated',
          changedFields: ASSOCIATION_FIELDS,
          occurredAt: new Date(e.occurredAt).toISOString(),
          order: e.occurredAt,
          origin: 'related',
        });
      }
    } else if (object === 'contact') {
      const change = contactChangeOf(e, action, mapping);
      if (change) add(change);
    } else if ((object === 'deal' || object === 'call') && associations && e.objectId) {
      const type = object === 'deal' ? 'deals' : 'calls';
      if (action === 'propertyChange' && !readsProperty(type, e.propertyName ?? '', mapping)) continue;
      const changedFields = type === 'deals' ? ['openDeal'] : ['crmLastActivity'];
      for (const contactId of associations.contacts(type, e.objectId)) {
        add({
          eventId: `${object}-${e.eventId}-${contactId}`,
          sourceId: contactId,
          kind: 'updated',
          changedFields,
          occurredAt: new Date(e.occurredAt).toISOString(),
          order: e.occurredAt,
          origin: 'related',
        });
      }
    }
  }
  return [...merged.values()].map(({ ids, ...event }) => ({
    ...event,
    // A redelivery of the same events yields the same id, so the runtime's dedupe still works.
    eventId: ids.length === 1 ? ids[0]! : [...ids].sort().join('+'),
  }));
}

/** The contact side of an association change (`CONTACT_TO_DEAL` from a contact, `DEAL_TO_CONTACT` to one). */
function contactsOfAssociation(e: HubspotWebhookEvent): string[] {
  const type = e.associationType?.toUpperCase() ?? '';
  const out: string[] = [];
  if (type.startsWith('CONTACT_TO_') && e.fromObjectId) out.push(e.fromObjectId);
  if (type.endsWith('_TO_CONTACT') && e.toObjectId) out.push(e.toObjectId);
  return out;
}

function contactChangeOf(e: HubspotWebhookEvent, action: string, mapping: HubspotReadMapping): CrmChangeEvent | null {
  if (!e.objectId) return null;
  const base = {
    eventId: e.eventId,
    sourceId: e.objectId,
    occurredAt: new Date(e.occurredAt).toISOString(),
    order: e.occurredAt,
    versionMs: e.occurredAt,
  };
  switch (action) {
    case 'propertyChange': {
      const property = e.propertyName ?? '';
      const changedFields = canonicalFieldsOfContactProperty(property, mapping);
      if (changedFields.length === 0) return null;
      const value = e.propertyValue ?? null;
      // What the property means to the mapping: its default key (an override reads it as another).
      const key = keyOfProperty('contacts', property, mapping);
      return {
        ...base,
        kind: 'updated',
        changedFields,
        ...(key !== undefined && PHONE_KEYS.has(key) && value ? { phoneValues: [value] } : {}),
        ...(key === 'dialplane_do_not_call' ? { suppression: { doNotCall: booleanOf(value) } } : {}),
        ...(key === 'hs_email_optout' ? { suppression: { emailOptOut: booleanOf(value) } } : {}),
      };
    }
    case 'creation':
      return { ...base, kind: 'created', changedFields: [] };
    case 'deletion':
    case 'privacyDeletion':
      return { ...base, kind: 'deleted', changedFields: [] };
    case 'restore':
      return { ...base, kind: 'undeleted', changedFields: [] };
    case 'merge':
      return { ...base, kind: 'updated', changedFields: [] };
    default:
      return null;
  }
}

/** HubSpot booleans as strings; blank is "not set", which for these flags means false. */
function booleanOf(value: string | null): boolean | null {
  const v = value?.trim().toLowerCase() ?? '';
  if (v === 'true') return true;
  if (v === 'false' || v === '') return false;
  return null;
}

const KIND_STRENGTH: Record<CrmChangeEvent['kind'], number> = {
  updated: 0,
  gap: 1,
  created: 2,
  undeleted: 3,
  deleted: 4,
};
function strongerKind(a: CrmChangeEvent['kind'], b: CrmChangeEvent['kind']): CrmChangeEvent['kind'] {
  return KIND_STRENGTH[b] > KIND_STRENGTH[a] ? b : a;
}
