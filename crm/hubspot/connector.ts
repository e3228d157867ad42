import type { ConnectionTokenSource } from '../../shared/crm/connections/tokens.js';
import { hubspotChangedContactsSince } from './changes.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type {
  ContactLoadResult,
  CrmConnector,
  MappingCheckDifference,
  MappingCheckReport,
  WebhookParseResult,
  WebhookRequest,
} from '../../shared/crm/connector.js';
import { AssociationIndex } from './association-index.js';
import {
  HubspotClient,
  HUBSPOT_POLICY,
  type CallInstrument,
  type HubspotObjectType,
  type HubspotProperty,
} from './client.js';
import { loadContactBundles } from './loaders.js';
import {
  CALL_DISPOSITIONS,
  DEFAULT_HUBSPOT_MAPPING,
  HUBSPOT_MAPPING_TABLE,
  hubspotReadMapping,
  LEAD_STATUS_INTENT,
  LIFECYCLE_STAGE_INTENT,
  toCanonicalContact,
  type HubspotReadMapping,
} from './read-mapping.js';
import { HUBSPOT_OVERRIDABLE } from './mapping-overrides.js';
import { mappingOverrideError, overrideLiveIssues, type LiveSchema } from '../../shared/crm/mapping-overrides.js';
import { hubspotTimeZoneToIana } from './timezone.js';
import { parseHubspotWebhook } from './webhooks.js';

/**
 * HubSpot's implementation of the CRM connector interface (shared/crm/connector.ts): the client
 * for calls, loaders for the batch procedure, mapping for the canonical shape, webhooks for change
 * events. Caching, batching windows and the breaker are the shared runtime's.
 */

export interface HubspotConnectorOptions {
  baseUrl: string;
  accessToken: string;
  /** Webhook signature v3 secret (the app's client secret). */
  clientSecret: string;
  timeoutMs?: number;
  /** Metrics wrapper for every HubSpot call (CrmMetrics.call). */
  instrument?: CallInstrument;
  /** A stored connection's tokens (OAuth, or any stored connection): used instead of `accessToken`. */
  tokens?: ConnectionTokenSource;
  /** The connection's field-mapping overrides (canonical path → portal property; shared/crm/mapping-overrides.ts). */
  mappingOverrides?: Readonly<Record<string, string>>;
}

/** HubSpot record ids are decimal integers. */
const SOURCE_ID = /^[1-9]\d{0,19}$/;

/**
 * Enumerations whose option values the mapping translates, by default key: an option it does not
 * know is reported (under the property the connection reads, its override's when it has one).
 */
function mappedOptions(mapping: HubspotReadMapping): Partial<Record<string, (value: string) => boolean>> {
  return {
    'contacts.lifecyclestage': (v) => v.toLowerCase() in LIFECYCLE_STAGE_INTENT,
    'contacts.hs_lead_status': (v) => v.toUpperCase() in LEAD_STATUS_INTENT,
    'contacts.hs_timezone': (v) => hubspotTimeZoneToIana(v) !== null,
    'deals.dealstage': (v) => v in mapping.stageMap || v.toLowerCase() in mapping.stageMap,
    'calls.hs_call_disposition': (v) => v.toLowerCase() in CALL_DISPOSITIONS,
  };
}

export function createHubspotConnector(options: HubspotConnectorOptions): CrmConnector {
  const client = new HubspotClient({
    baseUrl: options.baseUrl,
    accessToken: options.accessToken,
    timeoutMs: options.timeoutMs,
    instrument: options.instrument,
    ...(options.tokens ? { tokens: options.tokens } : {}),
  });

  const associations = new AssociationIndex();
  const mapping = hubspotReadMapping(options.mappingOverrides);

  return {
    source: 'hubspot',
    mappingVersion: mapping.version,
    limits: { maxBatchSize: HUBSPOT_POLICY.batchLimit, maxConcurrentBatches: HUBSPOT_POLICY.maxConcurrentBatches },
    mappingTable: HUBSPOT_MAPPING_TABLE,

    isValidSourceId: (sourceId) => SOURCE_ID.test(sourceId),

    async loadContacts(sourceIds): Promise<ContactLoadResult[]> {
      const bundles = await loadContactBundles(client, sourceIds, associations, mapping);
      return sourceIds.map((id) => {
        const bundle = bundles.get(id);
        return bundle ? { kind: 'found', ...toCanonicalContact(bundle, mapping) } : { kind: 'notFound' };
      });
    },

    async findByPhone(e164) {
      const parsed = parsePhoneNumberFromString(e164);
      if (!parsed) return [];
      const national = String(parsed.nationalNumber);
      return client.searchContactIdsByPhone({ national, international: `${parsed.countryCallingCode}${national}` });
    },

    async checkMapping(): Promise<MappingCheckReport> {
      const objects: HubspotObjectType[] = ['contacts', 'deals', 'calls'];
      const lists = await Promise.all(objects.map((o) => client.listProperties(o)));
      const live = new Map<string, HubspotProperty>();
      objects.forEach((o, i) => lists[i]!.forEach((p) => live.set(`${o}.${p.name}`, p)));
      return {
        crm: 'hubspot',
        mappingVersion: mapping.version,
        checkedAt: new Date().toISOString(),
        fieldsChecked: mapping.specs.length,
        differences: compareProperties(live, mapping),
      };
    },

    async validateMappingOverrides(overrides) {
      const objects = [...new Set(HUBSPOT_OVERRIDABLE.map((o) => o.object))] as HubspotObjectType[];
      const lists = await Promise.all(objects.map((o) => client.listProperties(o)));
      const live: LiveSchema = new Map(
        objects.map((o, i) => [
          o,
          lists[i]!.map((p) => ({ name: p.name, type: p.type, values: (p.options ?? []).map((x) => x.value) })),
        ]),
      );
      const issues = overrideLiveIssues(overrides, HUBSPOT_OVERRIDABLE, live);
      if (issues.length > 0) throw mappingOverrideError(issues);
    },

    async checkCriticalFields(critical) {
      const live = new Map((await client.listProperties('contacts')).map((p) => [p.name, p]));
      return mapping.specs
        .filter((spec) => spec.object === 'contacts' && spec.feeds.some((f) => critical.includes(f)))
        .flatMap((spec) => {
          const property = live.get(spec.property);
          const reason = !property ? 'missing' : !spec.types.includes(property.type) ? 'invalid' : null;
          return reason
            ? spec.feeds
                .filter((f) => critical.includes(f))
                .map((field) => ({ field, crmField: `contacts.${spec.property}`, reason }))
            : [];
        });
    },

    changedContactsSince: (sinceMs) => hubspotChangedContactsSince(client, sinceMs),

    parseWebhook: (request: WebhookRequest): WebhookParseResult => {
      try {
        return parseHubspotWebhook(request, options.clientSecret, associations, mapping);
      } catch {
        // The interface promises never to throw; anything unexpected is a malformed request.
        return { ok: false, status: 400, code: 'BAD_USER_INPUT', message: 'webhook could not be read' };
      }
    },

    webhookAccount: hubspotWebhookPortal,

    apiBudget: () => client.apiBudget(),

    async close() {
      client.close();
    },
  };
}

/** What the mapping expects vs. the portal's live property definitions (the connection's overridden ones included). */
export function compareProperties(
  live: ReadonlyMap<string, HubspotProperty>,
  mapping: HubspotReadMapping = DEFAULT_HUBSPOT_MAPPING,
): MappingCheckDifference[] {
  const options = mappedOptions(mapping);
  const out: MappingCheckDifference[] = [];
  for (const spec of mapping.specs) {
    const crmField = `${spec.object}.${spec.property}`;
    const property = live.get(crmField);
    if (!property) {
      out.push({ crmField, problem: 'missing', expected: spec.types[0]! });
      continue;
    }
    if (!spec.types.includes(property.type)) {
      out.push({ crmField, problem: 'type_changed', expected: spec.types.join(' | '), actual: property.type });
      continue;
    }
    const known = options[`${spec.object}.${spec.key}`];
    if (known && property.type === 'enumeration') {
      for (const option of property.options ?? []) {
        if (!known(option.value))
          out.push({
            crmField,
            problem: 'picklist_value_unmapped',
            expected: 'a mapped option value',
            actual: option.value,
          });
      }
    }
  }
  return out;
}

/** The portal a delivery's first event names (HubSpot batches one portal's events per request), unverified. */
export function hubspotWebhookPortal(request: WebhookRequest): string | null {
  try {
    const events: unknown = JSON.parse(request.body.toString('utf8'));
    const first = Array.isArray(events) ? (events[0] as { portalId?: unknown } | undefined) : undefined;
    const portal = first?.portalId;
    return typeof portal === 'number' || (typeof portal === 'string' && /^\d+$/.test(portal)) ? String(portal) : null;
  } catch {
    return null;
  }
}
