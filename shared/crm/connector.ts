import { DialplaneError, ErrorCode } from '../errors.js';

/**
 * The CRM connector interface: the one seam between the shared CRM runtime (cache, batching,
 * breaker, resolvers, webhooks, phone index in shared/crm/) and a CRM (crm/<name>/).
 * A connector speaks to its CRM through the CRM's official client, validates every response
 * against the expected source shape (zod) and maps it with a versioned mapping to the canonical
 * shape below. It does no caching, batching windows, retries or circuit breaking: the runtime does.
 *
 * To add a CRM: implement CrmConnector in crm/<name>/connector.ts, list its module in
 * crm/registry.ts and run test/crm/contract-suite.ts against it (docs/adding-a-crm.md).
 */

/**
 * A CRM's lower-case source name, the prefix of a global id (`salesforce:003...`). shared/ sits
 * below the CRMs and never lists them: the list is crm/registry.ts (its `CrmName` is the narrow
 * union of these names).
 */
export type CrmSource = string;

// ---------------------------------------------------------------------------------------------
// Canonical shape (mirrors schema/crm-contract.graphql; enums are the GraphQL enum values)
// ---------------------------------------------------------------------------------------------

export type PhoneType = 'MOBILE' | 'WORK' | 'HOME' | 'OTHER';
export type IntentStage =
  | 'NEW'
  | 'ATTEMPTING'
  | 'ENGAGED'
  | 'QUALIFIED'
  | 'OPPORTUNITY'
  | 'NEGOTIATION'
  | 'CUSTOMER'
  | 'LOST'
  | 'UNQUALIFIED'
  | 'UNKNOWN';
export type DealStage =
  | 'QUALIFICATION'
  | 'DISCOVERY'
  | 'PROPOSAL'
  | 'NEGOTIATION'
  | 'CLOSED_WON'
  | 'CLOSED_LOST'
  | 'OTHER';
export type ActivityType = 'CALL' | 'EMAIL' | 'MEETING' | 'TASK' | 'OTHER';

export interface CanonicalPhone {
  e164: string | null;
  raw: string;
  type: PhoneType;
  extension: string | null;
  valid: boolean;
}

export interface CanonicalDeal {
  /** Global deal id `<source>:<record id>`. */
  id: string;
  name: string | null;
  stage: DealStage | null;
  crmStage: string | null;
  closed: boolean | null;
  won: boolean | null;
  amount: number | null;
  /** `YYYY-MM-DD`. */
  closeDate: string | null;
}

export interface CanonicalActivity {
  /** ISO 8601 UTC. */
  at: string | null;
  summary: string | null;
  disposition: string | null;
  type: ActivityType | null;
}

/** The canonical contact without freshness (the runtime adds freshness from its cache entry). */
export interface CanonicalContact {
  /** Global id `<source>:<sourceId>`. */
  id: string;
  source: CrmSource;
  sourceId: string;
  name: { first: string | null; last: string | null; full: string | null } | null;
  email: string | null;
  phones: CanonicalPhone[] | null;
  primaryPhone: string | null;
  timeZone: string | null;
  location: { country: string | null; state: string | null; city: string | null; postalCode: string | null } | null;
  crmIntentStage: IntentStage | null;
  openDeal: CanonicalDeal | null;
  crmLastActivity: CanonicalActivity | null;
  suppression: { doNotCall: boolean | null; emailOptOut: boolean | null } | null;
}

/**
 * Canonical field paths that can drift, as dot paths from Contact (`suppression.doNotCall`,
 * `phones`, `openDeal`). The resolver for that path answers CRM_SCHEMA_DRIFT instead of a value.
 * A path names the smallest canonical field the missing CRM field feeds.
 */
export type CanonicalFieldPath = string;

/** One CRM field the mapping expected but the CRM response lacked (or carried in the wrong type). */
export interface FieldDrift {
  /** Canonical field that cannot be served, e.g. `suppression.doNotCall`. */
  field: CanonicalFieldPath;
  /** CRM field as `<Object>.<field>`, e.g. `Contact.DoNotCall`, `contacts.dialplane_do_not_call`. */
  crmField: string;
  /** `missing`: absent from the response/describe; `invalid`: present with a value of the wrong type. */
  reason: 'missing' | 'invalid';
}

/** Per-id result of a batch load. A failure of the whole batch is a thrown CrmCallError instead. */
export type ContactLoadResult =
  | { kind: 'found'; contact: CanonicalContact; drift: FieldDrift[] }
  | { kind: 'notFound' };

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export type CrmCallFailure =
  | 'timeout'
  | 'network'
  | 'unavailable'
  | 'rate_limited'
  | 'auth'
  | 'rejected'
  | 'invalid_response';

/** The registered code of each way a CRM call fails. */
const CRM_CALL_FAILURE_CODES: Record<CrmCallFailure, ErrorCode> = {
  timeout: ErrorCode.CRM_UNAVAILABLE,
  network: ErrorCode.CRM_UNAVAILABLE,
  unavailable: ErrorCode.CRM_UNAVAILABLE,
  auth: ErrorCode.CRM_UNAVAILABLE,
  invalid_response: ErrorCode.CRM_UNAVAILABLE,
  rate_limited: ErrorCode.CRM_RATE_LIMITED,
  rejected: ErrorCode.CRM_REJECTED,
};

/**
 * A failed CRM call. `retryable` tells the breaker whether it counts as an outage (network,
 * timeout, 5xx, 429) or is a permanent answer (400, 404) that must not open the breaker.
 */
export class CrmCallError extends DialplaneError {
  constructor(
    readonly crm: CrmSource,
    /** Endpoint name as the simulators count it (`collections.retrieve`, `contacts.batchRead`). */
    readonly endpoint: string,
    readonly kind: CrmCallFailure,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(
      CRM_CALL_FAILURE_CODES[kind],
      message,
      { crm, endpoint, kind, ...(status === undefined ? {} : { status }) },
      options,
    );
    this.name = 'CrmCallError';
  }
  get retryable(): boolean {
    return (
      this.kind === 'timeout' || this.kind === 'network' || this.kind === 'unavailable' || this.kind === 'rate_limited'
    );
  }
  /** Whether the failure means the CRM is unusable right now (opens the circuit breaker). */
  get isOutage(): boolean {
    // Rejected credentials make every call fail the same way: stop hammering the token endpoint.
    // A rate limit (429) is the CRM answering, healthy, that we ask too much: it refuses the
    // calls over the limit, never opens the breaker (one client's volume must not cut every
    // caller off; issue 10).
    return this.kind === 'timeout' || this.kind === 'network' || this.kind === 'unavailable' || this.kind === 'auth';
  }
}

// ---------------------------------------------------------------------------------------------
// Change events (webhooks)
// ---------------------------------------------------------------------------------------------

/** A raw webhook delivery, as the subgraph's HTTP route received it. */
export interface WebhookRequest {
  method: string;
  /** Full URL including query string, as the sender addressed it (HubSpot v3 signs it). */
  url: string;
  headers: Record<string, string | undefined>;
  /** Raw bytes: signatures are computed over them. */
  body: Buffer;
  /** Receive time (ms), for timestamp freshness checks. */
  receivedAt: number;
}

/** A change to one CRM record, in canonical terms. */
export interface CrmChangeEvent {
  /** Id of the CRM event (dedupe key): replayId, eventId... */
  eventId: string;
  /** The record's CRM id (contact id). */
  sourceId: string;
  kind: 'created' | 'updated' | 'deleted' | 'undeleted' | 'gap';
  /** Canonical field paths that changed (`phones`, `suppression.doNotCall`, ...). Empty = unknown: treat as all. */
  changedFields: CanonicalFieldPath[];
  /** When the CRM committed the change (ISO 8601). */
  occurredAt: string;
  /**
   * Ordering key per record; larger is newer. Events with an order key below the last applied
   * one for the same record are stale (duplicate or out of order) and are ignored.
   */
  order: number;
  /** Raw values of phone fields carried by the event (new numbers), to update the phone index. */
  phoneValues?: string[];
  /** Suppression values carried by the event, forwarded on contact.changed. */
  suppression?: { doNotCall?: boolean | null; emailOptOut?: boolean | null };
  /**
   * The record's modification stamp this change produced (ms): CDC commitTimestamp = SystemModstamp,
   * webhook occurredAt = lastmodifieddate. Webhooks and reconciliation compare it to apply each
   * record version once, whichever path saw it first.
   */
  versionMs?: number;
  /**
   * `reconciliation`: read from the CRM by the periodic sync, not delivered by it. `related`: a
   * change of another record (a deal, a task) that feeds this contact: it evicts and announces, but
   * is not ordered against the contact's own events (its order key is the other record's commit).
   * @default 'webhook'
   */
  origin?: 'webhook' | 'reconciliation' | 'related';
}

/**
 * A change to a record that feeds contacts (a deal) when the delivery does not say which contacts:
 * a Salesforce Opportunity change event carries no contact. The runtime asks the connector which
 * contacts the record belongs to (`contactsOfRecords`) and applies `change` to each of them.
 */
export interface RelatedRecordChange {
  /** CRM object name, e.g. `Opportunity`. */
  object: string;
  /** The record's CRM id. */
  recordId: string;
  /** Contacts the delivery did name (e.g. a ContactId in the payload); resolved ones are added. */
  knownContactIds: string[];
  /** The change as it applies to each contact; `eventId` becomes `<eventId>:<contact id>`. */
  change: Omit<CrmChangeEvent, 'sourceId'>;
}

export type WebhookParseResult =
  | { ok: true; events: CrmChangeEvent[]; related?: RelatedRecordChange[] }
  /** `status` 401 for a bad signature or stale timestamp, 400 for a malformed body. */
  | {
      ok: false;
      status: 400 | 401;
      code: 'WEBHOOK_SIGNATURE_INVALID' | 'BAD_USER_INPUT';
      message: string /** Why a 401 was refused (metric label). */;
      reason?: string;
    };

// ---------------------------------------------------------------------------------------------
// Incremental reads (reconciliation)
// ---------------------------------------------------------------------------------------------

/** One contact as an incremental read sees it: enough to evict, re-index and suppress. */
export interface ChangedContact {
  sourceId: string;
  /**
   * The CRM's modification stamp of the record in ms (Salesforce SystemModstamp, HubSpot
   * lastmodifieddate): the same instant the CRM puts on the change event of that write
   * (CDC commitTimestamp, webhook occurredAt), which is what makes reconciliation and webhooks
   * idempotent with each other.
   */
  modifiedAtMs: number;
  /** Raw values of the phone fields. */
  phoneValues: string[];
  /** null: the field is missing or unreadable (drift): treated as do-not-call downstream. */
  doNotCall: boolean | null;
  emailOptOut: boolean | null;
}

// ---------------------------------------------------------------------------------------------
// Mapping description (docs and mapping:check are generated from it)
// ---------------------------------------------------------------------------------------------

/** One row of a CRM's mapping table: CRM field → canonical field → transform. */
export interface MappingRow {
  /** `<Object>.<field>` as the CRM names it, e.g. `Contact.MobilePhone`. */
  crmField: string;
  /** Canonical dot path, e.g. `phones[type=MOBILE]`. */
  canonical: string;
  /** Human description of the transform. */
  transform: string;
  /** The CRM type expected (describe/properties type), checked by mapping:check. */
  expectedType: string;
}

export interface MappingCheckDifference {
  crmField: string;
  problem: 'missing' | 'type_changed' | 'picklist_value_unmapped';
  expected: string;
  actual?: string;
}

export interface MappingCheckReport {
  crm: CrmSource;
  mappingVersion: string;
  checkedAt: string;
  /** Number of CRM fields the mapping reads. */
  fieldsChecked: number;
  differences: MappingCheckDifference[];
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

export interface CrmBatchLimits {
  /** Most ids one loadContacts call may receive (Salesforce collections 2000, HubSpot batch 100). */
  maxBatchSize: number;
  /**
   * Most loadContacts calls this CRM tolerates in flight at once: the ceiling of the adaptive batch
   * concurrency (shared/crm/batch-concurrency.ts), which starts at one and rises only while the
   * CRM reports budget to spare.
   */
  maxConcurrentBatches: number;
}

/**
 * The CRM's API allowance as its last answer reported it (Salesforce `Sforce-Limit-Info`, daily;
 * HubSpot `X-HubSpot-RateLimit-Daily*`); null before the first answer that carried it.
 */
export interface CrmApiBudget {
  used: number;
  limit: number;
  remaining: number;
  /** The allowance's period, as the CRM words it. */
  window: 'daily';
  /** When the CRM last reported it (ms since epoch). */
  reportedAtMs: number;
  /**
   * The short burst window as the same answer reported it (HubSpot `X-HubSpot-RateLimit-Max`,
   * `-Remaining`, `-Interval-Milliseconds`: 190 per 10 s for a Pro app); absent when the CRM sends
   * none (Salesforce has only the daily allowance). The batch concurrency reads it.
   */
  burst?: { remaining: number; limit: number; intervalMs: number };
}

export interface CrmConnector {
  readonly source: CrmSource;
  /** `<source>@<n>`; bumped whenever the canonical output of the mapping changes. Part of cache keys. */
  readonly mappingVersion: string;
  readonly limits: CrmBatchLimits;
  /** The mapping table (docs/mapping-<crm>.md is generated from it and tested against it). */
  readonly mappingTable: readonly MappingRow[];

  /** True when `sourceId` has the shape of this CRM's record ids (checked before any CRM call). */
  isValidSourceId(sourceId: string): boolean;

  /**
   * Loads contacts (with their deals and last activity) in as few CRM calls as possible.
   * `sourceIds.length <= limits.maxBatchSize`, no duplicates. Returns one result per id, same order.
   * Throws CrmCallError when the batch as a whole fails.
   */
  loadContacts(sourceIds: readonly string[]): Promise<ContactLoadResult[]>;

  /** Source ids of contacts holding the number (E.164) in any phone field. Throws CrmCallError. */
  findByPhone(e164: string): Promise<string[]>;

  /** Compares the CRM's live describe/properties with what the mapping reads. */
  checkMapping(): Promise<MappingCheckReport>;

  /**
   * The cheap, frequent form of checkMapping for the drift watch: one describe/properties call for
   * the contact object, answering which CRM fields feeding the canonical fields in `critical`
   * (`suppression.doNotCall`, `phones`…) are missing or of the wrong type now. A connector that
   * remembers drift (Salesforce's loader) refreshes that memory here. Throws CrmCallError.
   */
  checkCriticalFields?(critical: readonly CanonicalFieldPath[]): Promise<FieldDrift[]>;

  /**
   * Checks field-mapping overrides (canonical path → CRM field, shared/crm/mapping-overrides.ts)
   * against this account's live describe / properties before a connection saves them. Throws a
   * DialplaneError MAPPING_OVERRIDE_INVALID naming the canonical field and the CRM field when one
   * does not exist or has a type the mapping cannot read; CrmCallError when the CRM cannot answer.
   */
  validateMappingOverrides?(overrides: Readonly<Record<string, string>>): Promise<void>;

  /**
   * Every contact modified at or after `sinceMs`, in pages ordered by (modifiedAtMs, sourceId)
   * ascending, through the CRM's paged query API (SOQL on SystemModstamp, search on
   * lastmodifieddate). Throws CrmCallError. Used by reconciliation, never on the hot path.
   */
  changedContactsSince(sinceMs: number): AsyncIterable<ChangedContact[]>;

  /** Verifies and parses a webhook delivery into canonical change events. Never throws. */
  parseWebhook(request: WebhookRequest): WebhookParseResult;

  /**
   * The CRM account a delivery names (HubSpot `portalId`, Salesforce org id), read without
   * verifying it, only to route the delivery to that account's connection, whose connector then
   * verifies it. Null when the delivery names none. Never throws.
   */
  webhookAccount?(request: WebhookRequest): string | null;

  /**
   * The contacts each record of `records` belongs to now (key `<object>:<recordId>`), in as few CRM
   * calls as possible; needed only by connectors whose parseWebhook returns `related` changes.
   * Throws CrmCallError.
   */
  contactsOfRecords?(records: readonly { object: string; recordId: string }[]): Promise<Map<string, string[]>>;

  /** The API allowance left, from the CRM's own response headers (operations console). */
  apiBudget(): CrmApiBudget | null;

  /** Releases client resources. */
  close(): Promise<void>;
}

/**
 * `salesforce:003...` → { source, sourceId }; null when not a global id of one of `sources` (the
 * caller's own CRM, or crm/registry.ts CRM_NAMES).
 */
export function parseGlobalId(
  id: string,
  sources: readonly CrmSource[],
): { source: CrmSource; sourceId: string } | null {
  const colon = id.indexOf(':');
  if (colon <= 0) return null;
  const source = id.slice(0, colon);
  const sourceId = id.slice(colon + 1);
  if (!sources.includes(source) || sourceId.length === 0) return null;
  return { source: source as CrmSource, sourceId };
}

export function globalId(source: CrmSource, sourceId: string): string {
  return `${source}:${sourceId}`;
}
