import { z } from 'zod';
import type {
  CrmChangeEvent,
  RelatedRecordChange,
  WebhookParseResult,
  WebhookRequest,
} from '../../shared/crm/connector.js';
import {
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../../shared/webhook-signature.js';
import { DEFAULT_SALESFORCE_MAPPING, type SalesforceReadMapping } from './read-mapping.js';

/**
 * Salesforce Change Data Capture events, POSTed as JSON (one event, or an array of events) in the
 * shape CometD delivers them on /data/ContactChangeEvent. Contact events name the record directly;
 * Task events are mapped to their contact through WhoId when the event carries it. Opportunity and
 * OpportunityContactRole events usually carry no contact (CDC sends only the changed fields), so
 * they come back as `related` changes: the runtime asks the connector for the deal's contacts
 * (Opportunity.ContactId and every OpportunityContactRole, one batched SOQL query) and evicts
 * each, so a closed deal reaches the decision within the event delay.
 *
 * CDC itself has no delivery signature, so deployments put a signing relay (or a Named Credential
 * on an outbound call) in front of this receiver: every delivery carries the dialplane webhook
 * signature (shared/webhook-signature.ts) made with SALESFORCE_WEBHOOK_SECRET, verified over the
 * raw bytes before anything is parsed. Unsigned, mis-signed or stale deliveries answer 401 and
 * nothing is applied. Even signed, events are trusted only in the safe direction: they evict
 * caches and announce *which* fields changed; values are forwarded only where acting on one cannot
 * loosen anything: doNotCall true adds a block, false records nothing (clearing the flag never
 * restores consent), and phone values only seed the phone index, which readers verify against the
 * CRM record.
 */

const Header = z
  .object({
    entityName: z.string(),
    recordIds: z.array(z.string().min(1)).min(1),
    changeType: z.string(),
    changedFields: z.array(z.string()).default([]),
    nulledFields: z.array(z.string()).default([]),
    sequenceNumber: z.number().int().optional(),
    commitTimestamp: z.number(),
    commitNumber: z.number().optional(),
    transactionKey: z.string().optional(),
  })
  .loose();

const CdcEvent = z.object({
  schema: z.string().optional(),
  payload: z.object({ ChangeEventHeader: Header }).catchall(z.unknown()),
  event: z
    .object({ replayId: z.union([z.number(), z.string()]) })
    .loose()
    .optional(),
});
export const CdcBody = z.union([CdcEvent, z.array(CdcEvent).max(500)]);
export type CdcEvent = z.infer<typeof CdcEvent>;

const KIND: Record<string, CrmChangeEvent['kind']> = {
  CREATE: 'created',
  UPDATE: 'updated',
  DELETE: 'deleted',
  UNDELETE: 'undeleted',
};

/** CRM field names of an event → canonical fields they feed (unknown fields are ignored). */
export function canonicalFieldsOf(
  object: string,
  fields: readonly string[],
  mapping: SalesforceReadMapping = DEFAULT_SALESFORCE_MAPPING,
): string[] {
  const out = new Set<string>();
  for (const field of fields) {
    // Compound fields arrive as `MailingAddress.City`; the mapping reads the flat `MailingCity`.
    const flat = field.includes('.') ? field.replace(/Address\./, '') : field;
    for (const s of mapping.specs) if (s.object === object && s.field === flat) s.feeds.forEach((f) => out.add(f));
  }
  return [...out];
}

/** The org fields a mapping reads phones and do-not-call from (a connection's overrides included). */
function contactFieldsOf(mapping: SalesforceReadMapping): { phones: string[]; doNotCall: string | undefined } {
  const contact = mapping.specs.filter((s) => s.object === 'Contact');
  return {
    phones: contact.filter((s) => s.feeds.includes('phones')).map((s) => s.field),
    doNotCall: contact.find((s) => s.key === 'DoNotCall')?.field,
  };
}

export function parseSalesforceWebhook(
  request: WebhookRequest,
  webhookSecret: string,
  mapping: SalesforceReadMapping = DEFAULT_SALESFORCE_MAPPING,
): WebhookParseResult {
  const check = verifyWebhookSignature({
    secret: webhookSecret,
    timestamp: request.headers[WEBHOOK_TIMESTAMP_HEADER],
    signature: request.headers[WEBHOOK_SIGNATURE_HEADER],
    rawBody: request.body,
    now: request.receivedAt,
  });
  if (!check.ok)
    return {
      ok: false,
      status: 401,
      code: 'WEBHOOK_SIGNATURE_INVALID',
      message: `signature or timestamp did not verify (${check.reason})`,
      reason: check.reason,
    };
  let json: unknown;
  try {
    json = JSON.parse(request.body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, code: 'BAD_USER_INPUT', message: 'body is not JSON' };
  }
  const parsed = CdcBody.safeParse(json);
  if (!parsed.success)
    return { ok: false, status: 400, code: 'BAD_USER_INPUT', message: 'body is not a Change Data Capture event' };
  const events: CrmChangeEvent[] = [];
  const related: RelatedRecordChange[] = [];
  for (const cdc of Array.isArray(parsed.data) ? parsed.data : [parsed.data]) {
    const out = toChangeEvents(cdc, mapping);
    events.push(...out.events);
    related.push(...out.related);
  }
  return { ok: true, events, ...(related.length > 0 ? { related } : {}) };
}

/** Objects whose changes move a contact's deals; their contacts are resolved from the CRM. */
const DEAL_OBJECTS = new Set(['Opportunity', 'OpportunityContactRole']);
const DEAL_FIELDS = ['openDeal', 'crmIntentStage'];
/**
 * A Salesforce record id (15 or 18 characters); anything else is never sent to a query. CDC merges
 * one change of several records into one event (several recordIds, all resolved in one query) and
 * sends a key-prefix wildcard (`006*`) after a lossy field-type conversion: that one is dropped here.
 */
const RECORD_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

function toChangeEvents(
  cdc: CdcEvent,
  mapping: SalesforceReadMapping,
): { events: CrmChangeEvent[]; related: RelatedRecordChange[] } {
  const { ChangeEventHeader: h, ...values } = cdc.payload;
  const object = h.entityName.replace(/ChangeEvent$/, '');
  const kind = h.changeType.startsWith('GAP') ? 'gap' : (KIND[h.changeType] ?? 'updated');
  const changed = [...h.changedFields, ...h.nulledFields];
  const eventKey =
    cdc.event?.replayId !== undefined
      ? String(cdc.event.replayId)
      : `${h.transactionKey ?? h.commitTimestamp}:${h.sequenceNumber ?? 0}`;
  // Per-record order: commit time, then the event's place in its transaction.
  const order = h.commitTimestamp * 1_000 + ((h.sequenceNumber ?? 0) % 1_000);
  const occurredAt = new Date(h.commitTimestamp).toISOString();

  if (DEAL_OBJECTS.has(object)) {
    const join = values.ContactId;
    const known = typeof join === 'string' && join.startsWith('003') ? [join] : [];
    // The eventId gets `:<contact id>` per contact, as for the events below.
    const change = { eventId: eventKey, kind: 'updated' as const, changedFields: DEAL_FIELDS, occurredAt, order };
    const recordIds = h.recordIds.filter((id) => RECORD_ID.test(id));
    return { events: [], related: recordIds.map((recordId) => ({ object, recordId, knownContactIds: known, change })) };
  }
  let contactIds: string[];
  let changedFields: string[];
  if (object === 'Contact') {
    contactIds = h.recordIds;
    changedFields = canonicalFieldsOf('Contact', changed, mapping);
  } else if (object === 'Task') {
    const join = values.WhoId;
    if (typeof join !== 'string' || !join.startsWith('003')) return { events: [], related: [] };
    contactIds = [join];
    changedFields = ['crmLastActivity', 'crmIntentStage'];
  } else {
    return { events: [], related: [] };
  }
  const fields = contactFieldsOf(mapping);
  const phoneValues =
    object === 'Contact'
      ? fields.phones.map((f) => values[f]).filter((v): v is string => typeof v === 'string' && v.trim() !== '')
      : [];
  // Both values are forwarded: `false` (the flag cleared) must reach consent as false, which records
  // nothing (the earlier revocation stands until new consent); dropping it would read as "unknown"
  // and consent, failing closed, would add a new all-seller block. A change that names DoNotCall
  // without a boolean value stays unknown (fail closed).
  const doNotCallValue = fields.doNotCall === undefined ? undefined : values[fields.doNotCall];
  const doNotCall =
    object === 'Contact' && typeof doNotCallValue === 'boolean' ? { doNotCall: doNotCallValue } : undefined;
  const events = contactIds.map((sourceId) => ({
    eventId: `${eventKey}:${sourceId}`,
    sourceId,
    kind,
    changedFields,
    occurredAt,
    order,
    // A task's commit is not the contact's version, nor ordered with the contact's own events.
    ...(object === 'Contact' ? { versionMs: h.commitTimestamp } : { origin: 'related' as const }),
    ...(phoneValues.length > 0 ? { phoneValues } : {}),
    ...(doNotCall ? { suppression: doNotCall } : {}),
  }));
  return { events, related: [] };
}

/**
 * The header the signing relay names a change event's org in (one CDC subscription per org): a
 * subgraph serving several orgs routes the delivery to that org's connection, whose connector
 * then verifies it (the simulator sends it as sim/salesforce/server.ts ORG_ID_HEADER).
 */
export const SALESFORCE_ORG_HEADER = 'x-dialplane-org-id';
