import type { ConnectionTokenSource } from '../../shared/crm/connections/tokens.js';
import type {
  ContactLoadResult,
  CrmConnector,
  MappingCheckDifference,
  MappingCheckReport,
  WebhookParseResult,
  WebhookRequest,
} from '../../shared/crm/connector.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { salesforceChangedContactsSince } from './changes.js';
import { SalesforceClient, SALESFORCE_POLICY, type CallInstrument, type DescribeResult } from './client.js';
import { SalesforceLoader } from './loaders.js';
import {
  DEFAULT_SALESFORCE_MAPPING,
  mapContact,
  mappingTableOf,
  salesforceReadMapping,
  type SalesforceReadMapping,
  type SfObject,
} from './read-mapping.js';
import { SALESFORCE_OVERRIDABLE } from './mapping-overrides.js';
import { mappingOverrideError, overrideLiveIssues, type LiveSchema } from '../../shared/crm/mapping-overrides.js';
import { salesforceContactsOfRecords } from './related-contacts.js';
import { SALESFORCE_ORG_HEADER, parseSalesforceWebhook } from './webhooks.js';

/**
 * Salesforce's implementation of the CRM connector interface (shared/crm/connector.ts): the client
 * for calls, loaders for the one-query batch, mapping for the canonical shape, webhooks for CDC
 * events. Caching, batching windows and the breaker are the shared runtime's.
 */

export interface SalesforceConnectorOptions {
  loginUrl: string;
  instanceUrl: string;
  clientId: string;
  clientSecret: string;
  apiVersion: string;
  /** Secret of the signing relay in front of `POST /webhooks/salesforce` (SALESFORCE_WEBHOOK_SECRET). */
  webhookSecret: string;
  timeoutMs?: number;
  /** How long learned field drift holds before describe is asked again. @default 30000 */
  driftRecheckMs?: number;
  /** Metrics wrapper for every Salesforce call (CrmMetrics.call). */
  instrument?: CallInstrument;
  /** A stored connection's tokens (instead of the client's own client_credentials grant). */
  tokens?: ConnectionTokenSource;
  /** The connection's field-mapping overrides (canonical path → org field; shared/crm/mapping-overrides.ts). */
  mappingOverrides?: Readonly<Record<string, string>>;
}

/** Contact ids: key prefix 003, 15 or 18 characters. */
const SOURCE_ID = /^003[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;

export function createSalesforceConnector(
  options: SalesforceConnectorOptions,
): CrmConnector & { loader: SalesforceLoader } {
  const client = new SalesforceClient(options);
  const mapping = salesforceReadMapping(options.mappingOverrides);
  const loader = new SalesforceLoader(client, { driftRecheckMs: options.driftRecheckMs, mapping });

  return {
    source: 'salesforce',
    mappingVersion: mapping.version,
    limits: {
      maxBatchSize: SALESFORCE_POLICY.maxIdsPerBatch,
      maxConcurrentBatches: SALESFORCE_POLICY.maxConcurrentBatches,
    },
    mappingTable: mappingTableOf(mapping),
    loader,

    isValidSourceId: (sourceId) => SOURCE_ID.test(sourceId),

    async loadContacts(sourceIds): Promise<ContactLoadResult[]> {
      const bundles = await loader.loadBundles(sourceIds);
      return bundles.map((bundle) =>
        bundle ? { kind: 'found', ...mapContact(bundle, mapping) } : { kind: 'notFound' },
      );
    },

    async findByPhone(e164) {
      const parsed = parsePhoneNumberFromString(e164);
      if (!parsed) return [];
      // SOSL phone search ignores formatting, so the national significant number matches
      // "(415) 555-0100" and "+1 415-555-0100" alike; the runtime drops candidates whose phones
      // do not normalize to e164 (over-matching is safe, under-matching is not).
      return client.search(`FIND {${parsed.nationalNumber}} IN PHONE FIELDS RETURNING Contact(Id)`);
    },

    async checkMapping(): Promise<MappingCheckReport> {
      const objects: SfObject[] = ['Contact', 'Opportunity', 'OpportunityContactRole', 'Task'];
      const described = await Promise.all(objects.map((o) => client.describe(o)));
      return {
        crm: 'salesforce',
        mappingVersion: mapping.version,
        checkedAt: new Date().toISOString(),
        fieldsChecked: mapping.specs.length,
        differences: compareDescribe(new Map(objects.map((o, i) => [o, described[i]!])), mapping),
      };
    },

    async validateMappingOverrides(overrides) {
      const objects = [...new Set(SALESFORCE_OVERRIDABLE.map((o) => o.object))] as SfObject[];
      const described = await Promise.all(objects.map((o) => client.describe(o)));
      const live: LiveSchema = new Map(
        objects.map((o, i) => [
          o,
          described[i]!.fields.map((f) => ({
            name: f.name,
            type: f.type,
            values: (f.picklistValues ?? []).filter((p) => p.active !== false).map((p) => p.value),
          })),
        ]),
      );
      const issues = overrideLiveIssues(overrides, SALESFORCE_OVERRIDABLE, live);
      if (issues.length > 0) throw mappingOverrideError(issues);
    },

    async checkCriticalFields(critical) {
      await loader.refreshMissing(['Contact']);
      const missing = new Set(loader.missingFields().Contact);
      return mapping.specs
        .filter((spec) => spec.object === 'Contact' && missing.has(spec.field))
        .flatMap((spec) =>
          spec.feeds
            .filter((field) => critical.includes(field))
            .map((field) => ({ field, crmField: `Contact.${spec.field}`, reason: 'missing' as const })),
        );
    },

    changedContactsSince: (sinceMs) => salesforceChangedContactsSince(client, sinceMs),

    // The signing relay names the org of each change event (one CDC subscription per org).
    webhookAccount: (request: WebhookRequest): string | null => {
      const org = request.headers[SALESFORCE_ORG_HEADER];
      return typeof org === 'string' && /^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/.test(org) ? org : null;
    },

    parseWebhook: (request: WebhookRequest): WebhookParseResult => {
      try {
        return parseSalesforceWebhook(request, options.webhookSecret, mapping);
      } catch {
        return { ok: false, status: 400, code: 'BAD_USER_INPUT', message: 'webhook could not be read' };
      }
    },

    contactsOfRecords: (records) =>
      salesforceContactsOfRecords(client, records, { missing: () => loader.missingFields() }),

    apiBudget: () => client.apiBudget(),
    close: () => client.close(),
  };
}

/** What the mapping expects vs. the org's live describe (the connection's overridden fields included). */
export function compareDescribe(
  live: ReadonlyMap<SfObject, DescribeResult>,
  mapping: SalesforceReadMapping = DEFAULT_SALESFORCE_MAPPING,
): MappingCheckDifference[] {
  // The stage picklist the mapping translates: a live value it does not know is reported.
  const stageSpec = mapping.specs.find((s) => s.object === 'Opportunity' && s.key === 'StageName');
  const mappedPicklists: Partial<Record<string, (value: string) => boolean>> = stageSpec
    ? { [`Opportunity.${stageSpec.field}`]: (v) => v in mapping.stageMap }
    : {};
  const out: MappingCheckDifference[] = [];
  for (const spec of mapping.specs) {
    const crmField = `${spec.object}.${spec.field}`;
    const field = live.get(spec.object)?.fields.find((f) => f.name.toLowerCase() === spec.field.toLowerCase());
    const expected = spec.describeTypes.join('|');
    if (!field) {
      out.push({ crmField, problem: 'missing', expected });
      continue;
    }
    if (!spec.describeTypes.includes(field.type))
      out.push({ crmField, problem: 'type_changed', expected, actual: field.type });
    const known = mappedPicklists[crmField];
    if (known) {
      for (const p of field.picklistValues ?? []) {
        if (p.active !== false && !known(p.value))
          out.push({ crmField, problem: 'picklist_value_unmapped', expected: 'a mapped value', actual: p.value });
      }
    }
  }
  return out;
}
