import { z } from 'zod';
import { CrmCallError } from '../../shared/crm/connector.js';
import { soqlQuote, type SalesforceClient } from './client.js';
import type { SfObject } from './read-mapping.js';

/**
 * Which contacts a deal belongs to, for change events that name only the deal (CDC sends an
 * Opportunity's changed fields, never its contacts). One SOQL query per 200 deals reads both links:
 *
 *   SELECT Id, ContactId, (SELECT ContactId FROM OpportunityContactRoles)
 *   FROM Opportunity WHERE Id IN ('006…', …)
 *
 * ContactId is the primary contact where the org uses it; the roles name every contact on the deal.
 * A contact role changed without its ContactId in the event is read by Id the same way.
 * Links whose fields have drifted away are left out of the query (the loader's drift knowledge),
 * so a renamed ContactId does not make every deal event fail.
 */

const IDS_PER_QUERY = 200;

const Row = z
  .object({
    Id: z.string().min(15),
    ContactId: z.string().nullable().optional(),
    OpportunityContactRoles: z
      .object({ records: z.array(z.object({ ContactId: z.string().nullable().optional() }).loose()) })
      .loose()
      .nullable()
      .optional(),
  })
  .loose();

export interface RelatedContactsOptions {
  /** Expected fields known to be missing per object (SalesforceLoader.missingFields()). */
  missing: () => Record<SfObject, string[]>;
}

/** `<object>:<recordId>` → contact ids, for Opportunity and OpportunityContactRole records. */
export async function salesforceContactsOfRecords(
  client: SalesforceClient,
  records: readonly { object: string; recordId: string }[],
  options: RelatedContactsOptions,
): Promise<Map<string, string[]>> {
  const missing = options.missing();
  const found = new Map<string, Set<string>>();
  const add = (object: string, id: string, contactId: unknown) => {
    if (typeof contactId !== 'string' || !contactId.startsWith('003')) return;
    const key = `${object}:${id.slice(0, 15)}`;
    let set = found.get(key);
    if (!set) found.set(key, (set = new Set()));
    set.add(contactId);
  };
  const idsOf = (object: string) => [...new Set(records.filter((r) => r.object === object).map((r) => r.recordId))];

  const deals = idsOf('Opportunity');
  if (deals.length > 0) {
    const select = ['Id'];
    if (!missing.Opportunity.includes('ContactId')) select.push('ContactId');
    if (missing.OpportunityContactRole.length === 0) select.push('(SELECT ContactId FROM OpportunityContactRoles)');
    for (const row of await queryByIds(client, `SELECT ${select.join(', ')} FROM Opportunity`, deals)) {
      add('Opportunity', row.Id, row.ContactId);
      for (const role of row.OpportunityContactRoles?.records ?? []) add('Opportunity', row.Id, role.ContactId);
    }
  }
  const roles = idsOf('OpportunityContactRole');
  if (roles.length > 0 && !missing.OpportunityContactRole.includes('ContactId')) {
    for (const row of await queryByIds(client, 'SELECT Id, ContactId FROM OpportunityContactRole', roles))
      add('OpportunityContactRole', row.Id, row.ContactId);
  }
  return new Map(
    records.map((r) => [`${r.object}:${r.recordId}`, [...(found.get(`${r.object}:${r.recordId.slice(0, 15)}`) ?? [])]]),
  );
}

async function queryByIds(
  client: SalesforceClient,
  selectFrom: string,
  ids: readonly string[],
): Promise<z.infer<typeof Row>[]> {
  const rows: z.infer<typeof Row>[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const chunk = ids.slice(i, i + IDS_PER_QUERY);
    let page = await client.query(`${selectFrom} WHERE Id IN (${chunk.map(soqlQuote).join(', ')})`);
    for (;;) {
      for (const record of page.records) {
        const parsed = Row.safeParse(record);
        if (!parsed.success)
          throw new CrmCallError(
            'salesforce',
            'query',
            'invalid_response',
            'query: deal contacts did not match the expected shape',
          );
        rows.push(parsed.data);
      }
      if (page.done || !page.nextRecordsUrl) break;
      page = await client.queryMore(page.nextRecordsUrl);
    }
  }
  return rows;
}
