import type { FieldDrift } from '../../shared/crm/connector.js';
import { sfErrorCode, soqlQuote, type DescribeResult, type SalesforceClient } from './client.js';
import {
  checkRecord,
  DEFAULT_SALESFORCE_MAPPING,
  fieldsOf,
  type SalesforceBundle,
  type SalesforceReadMapping,
  type SfObject,
} from './read-mapping.js';

/**
 * Batch loading of Salesforce contacts with their deals and latest task in ONE CRM call:
 *
 *   SELECT <Contact fields>,
 *          (SELECT <Opportunity fields> FROM Opportunities),
 *          (SELECT OpportunityId FROM OpportunityContactRoles),
 *          (SELECT <Task fields> FROM Tasks ORDER BY CreatedDate DESC LIMIT 1)
 *   FROM Contact WHERE Id IN ('003…', …)
 *
 * Deals reach a contact two ways: Opportunity.ContactId (the primary contact, where the org uses
 * it) and OpportunityContactRole (every contact with a role on the deal). A deal linked only by a
 * role is read in one more query for the whole batch (`SELECT … FROM Opportunity WHERE Id IN`);
 * when every role names a deal ContactId already brought (the usual org), there is no second call.
 *
 * Schema drift: Salesforce rejects a whole query naming a field that no longer exists
 * (INVALID_FIELD). On that error the loader describes the objects it reads once, remembers which
 * expected fields are gone, and re-runs the query without them; the mapping then reports those
 * fields as drifted (CRM_SCHEMA_DRIFT on the canonical fields they feed) while the rest resolves.
 * Remembered drift is re-checked by describe after `driftRecheckMs`.
 */

const OBJECTS: readonly SfObject[] = ['Contact', 'Opportunity', 'OpportunityContactRole', 'Task'];
/** Ids per `Id IN (…)` list: the query travels in a GET URL. */
const IDS_PER_QUERY = 200;

export interface SalesforceLoaderOptions {
  /** How long a learned "field is missing" holds before describe is asked again. @default 30000 */
  driftRecheckMs?: number;
  /** The connection's read mapping (its overrides); default: the code's. */
  mapping?: SalesforceReadMapping;
}

export class SalesforceLoader {
  private missing = new Map<SfObject, Set<string>>(OBJECTS.map((o) => [o, new Set<string>()]));
  private missingCheckedAt = 0;
  private readonly describing = new Map<string, Promise<void>>();
  private readonly mapping: SalesforceReadMapping;

  constructor(
    private readonly client: SalesforceClient,
    private readonly options: SalesforceLoaderOptions = {},
  ) {
    this.mapping = options.mapping ?? DEFAULT_SALESFORCE_MAPPING;
  }

  /** Expected fields currently known to be missing, per object (for logs and tests). */
  missingFields(): Record<SfObject, string[]> {
    return Object.fromEntries(OBJECTS.map((o) => [o, [...this.missing.get(o)!]])) as Record<SfObject, string[]>;
  }

  /** One bundle (or null when the contact does not exist) per id, in order. */
  async loadBundles(ids: readonly string[]): Promise<(SalesforceBundle | null)[]> {
    if (ids.length === 0) return [];
    const hasDrift = OBJECTS.some((o) => this.missing.get(o)!.size > 0);
    if (hasDrift && Date.now() - this.missingCheckedAt > (this.options.driftRecheckMs ?? 30_000))
      await this.refreshMissing();
    let records: Record<string, unknown>[];
    try {
      records = await this.queryContacts(ids);
    } catch (error) {
      if (sfErrorCode(error) !== 'INVALID_FIELD') throw error;
      await this.refreshMissing();
      records = await this.queryContacts(ids);
    }
    const byId = new Map<string, Record<string, unknown>>();
    for (const r of records) if (typeof r.Id === 'string') byId.set(r.Id, r);
    const roleDeals = await this.queryRoleOnlyDeals(records);
    return ids.map((id) => {
      const record = byId.get(id) ?? findBy15(byId, id);
      return record ? this.toBundle(record, roleDeals) : null;
    });
  }

  /** Opportunities some contact of the batch has a role on but that its `Opportunities` did not bring. */
  private async queryRoleOnlyDeals(
    records: readonly Record<string, unknown>[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const wanted = new Set<string>();
    for (const record of records) {
      const linked = new Set(subqueryRows(record, 'Opportunities').map((d) => d.Id));
      for (const role of subqueryRows(record, 'OpportunityContactRoles')) {
        if (typeof role.OpportunityId === 'string' && !linked.has(role.OpportunityId)) wanted.add(role.OpportunityId);
      }
    }
    const out = new Map<string, Record<string, unknown>>();
    if (wanted.size === 0) return out;
    const fields = fieldsOf('Opportunity', this.mapping).filter((f) => !this.missing.get('Opportunity')!.has(f));
    const all = [...wanted];
    for (let i = 0; i < all.length; i += IDS_PER_QUERY) {
      const chunk = all.slice(i, i + IDS_PER_QUERY);
      let result = await this.client.query(
        `SELECT ${fields.join(', ')} FROM Opportunity WHERE Id IN (${chunk.map(soqlQuote).join(', ')})`,
      );
      for (;;) {
        for (const deal of result.records) if (typeof deal.Id === 'string') out.set(deal.Id, deal);
        if (result.done || !result.nextRecordsUrl) break;
        result = await this.client.queryMore(result.nextRecordsUrl);
      }
    }
    return out;
  }

  private async queryContacts(ids: readonly string[]): Promise<Record<string, unknown>[]> {
    const present = (o: SfObject) => fieldsOf(o, this.mapping).filter((f) => !this.missing.get(o)!.has(f));
    const select: string[] = [...present('Contact')];
    // A child subquery needs its join field; without it the whole relationship is unreadable.
    if (!this.missing.get('Opportunity')!.has('ContactId'))
      select.push(`(SELECT ${present('Opportunity').join(', ')} FROM Opportunities)`);
    if (this.missing.get('OpportunityContactRole')!.size === 0)
      select.push('(SELECT OpportunityId FROM OpportunityContactRoles)');
    if (!this.missing.get('Task')!.has('WhoId')) {
      const order = this.missing.get('Task')!.has('CreatedDate') ? '' : ' ORDER BY CreatedDate DESC';
      select.push(`(SELECT ${present('Task').join(', ')} FROM Tasks${order} LIMIT 1)`);
    }
    const soql = `SELECT ${select.join(', ')} FROM Contact WHERE Id IN (${ids.map(soqlQuote).join(', ')})`;
    let result = await this.client.query(soql);
    const records = [...result.records];
    // More than 2000 contacts never fit one batch (policy caps at 200), but follow paging anyway.
    while (!result.done && result.nextRecordsUrl) {
      result = await this.client.queryMore(result.nextRecordsUrl);
      records.push(...result.records);
    }
    return records;
  }

  private toBundle(
    record: Record<string, unknown>,
    roleDeals: ReadonlyMap<string, Record<string, unknown>>,
  ): SalesforceBundle {
    const objectDrift: FieldDrift[] = [];
    const unreadable = (object: SfObject, join: string): boolean => {
      if (!this.missing.get(object)!.has(join)) return false;
      const spec = this.mapping.specs.find((s) => s.object === object && s.field === join)!;
      for (const field of spec.feeds) objectDrift.push({ field, crmField: `${object}.${join}`, reason: 'missing' });
      return true;
    };
    const childRecords = (relationship: string, object: SfObject, join: string): Record<string, unknown>[] =>
      unreadable(object, join) ? [] : subqueryRows(record, relationship);
    const linkedDeals = childRecords('Opportunities', 'Opportunity', 'ContactId');
    const tasks = childRecords('Tasks', 'Task', 'WhoId');
    // A deal a role links is the contact's deal too; a drifted role object hides such deals (drift).
    const rolesReadable =
      !unreadable('OpportunityContactRole', 'ContactId') && !unreadable('OpportunityContactRole', 'OpportunityId');
    const linkedIds = new Set(linkedDeals.map((d) => d.Id));
    const roleOnly = rolesReadable
      ? subqueryRows(record, 'OpportunityContactRoles')
          .map((role) =>
            typeof role.OpportunityId === 'string' && !linkedIds.has(role.OpportunityId)
              ? roleDeals.get(role.OpportunityId)
              : undefined,
          )
          .filter((d): d is Record<string, unknown> => d !== undefined)
      : [];
    // The join fields are not selected inside subqueries (the relationship implies them).
    const joinFree = (object: SfObject, join: string) =>
      new Set([...this.missing.get(object)!].filter((f) => f !== join));
    return {
      contact: checkRecord('Contact', record, this.missing.get('Contact')!, this.mapping),
      deals: [
        ...linkedDeals.map((d) =>
          checkRecord(
            'Opportunity',
            { ContactId: record.Id, ...d },
            joinFree('Opportunity', 'ContactId'),
            this.mapping,
          ),
        ),
        ...roleOnly.map((d) => checkRecord('Opportunity', d, this.missing.get('Opportunity')!, this.mapping)),
      ],
      tasks: tasks.map((t) => checkRecord('Task', { WhoId: record.Id, ...t }, joinFree('Task', 'WhoId'), this.mapping)),
      objectDrift,
    };
  }

  /**
   * Describes `objects` (by default every object the mapping reads; once for concurrent callers
   * asking for the same set) and records which expected fields are gone. The drift watch asks for
   * Contact alone every few seconds (one describe call), so a field coming back is seen as quickly
   * as one going away.
   */
  refreshMissing(objects: readonly SfObject[] = OBJECTS): Promise<void> {
    const key = objects.join(',');
    let inFlight = this.describing.get(key);
    if (!inFlight) {
      inFlight = (async () => {
        const described = await Promise.all(objects.map((o) => this.client.describe(o)));
        const next = new Map(this.missing);
        objects.forEach((o, i) => {
          const live = new Set((described[i] as DescribeResult).fields.map((f) => f.name.toLowerCase()));
          next.set(o, new Set(fieldsOf(o, this.mapping).filter((f) => !live.has(f.toLowerCase()))));
        });
        this.missing = next;
        if (objects.length === OBJECTS.length) this.missingCheckedAt = Date.now();
      })().finally(() => {
        this.describing.delete(key);
      });
      this.describing.set(key, inFlight);
    }
    return inFlight;
  }
}

/** The rows of a child subquery (`{ records: [...] }`, or null when there are none). */
function subqueryRows(record: Record<string, unknown>, relationship: string): Record<string, unknown>[] {
  const rel = record[relationship] as { records?: unknown } | null | undefined;
  return Array.isArray(rel?.records) ? (rel.records as Record<string, unknown>[]) : [];
}

/** Salesforce answers 18-character ids; a caller may hold the 15-character form. */
function findBy15(byId: Map<string, Record<string, unknown>>, id: string): Record<string, unknown> | undefined {
  if (id.length !== 15) return undefined;
  for (const [key, record] of byId) if (key.slice(0, 15) === id) return record;
  return undefined;
}
