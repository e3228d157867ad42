import { z } from 'zod';
import { CrmCallError, type ChangedContact } from '../../shared/crm/connector.js';
import type { SalesforceClient } from './client.js';

/**
 * The incremental read behind reconciliation: `SELECT … FROM Contact WHERE SystemModstamp >= t
 * ORDER BY SystemModstamp, Id`, followed through `nextRecordsUrl` (up to 2000 records a batch).
 * SystemModstamp rather than LastModifiedDate because system writes (automation, imports that
 * skip triggers) move only the former. `>=` rather than `>` so a write sharing the cursor's
 * millisecond is never skipped; the reconciler dedupes what it has already applied.
 */

const PHONE_FIELDS = ['Phone', 'MobilePhone', 'HomePhone', 'OtherPhone'] as const;
export const CHANGED_CONTACT_FIELDS = [
  'Id',
  'SystemModstamp',
  ...PHONE_FIELDS,
  'DoNotCall',
  'HasOptedOutOfEmail',
] as const;

const ChangedRow = z
  .object({
    Id: z.string().min(15),
    SystemModstamp: z.string(),
    Phone: z.string().nullable().optional(),
    MobilePhone: z.string().nullable().optional(),
    HomePhone: z.string().nullable().optional(),
    OtherPhone: z.string().nullable().optional(),
    DoNotCall: z.boolean().nullable().optional(),
    HasOptedOutOfEmail: z.boolean().nullable().optional(),
  })
  .loose();

/** Salesforce datetimes (`2024-05-01T12:00:00.000+0000`) → ms; SOQL wants them unquoted, UTC. */
export function parseSalesforceDateTime(value: string): number {
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(ms))
    throw new CrmCallError('salesforce', 'query', 'invalid_response', 'query: SystemModstamp is not a datetime');
  return ms;
}

export function changedContactsSoql(sinceMs: number): string {
  return `SELECT ${CHANGED_CONTACT_FIELDS.join(', ')} FROM Contact WHERE SystemModstamp >= ${new Date(sinceMs).toISOString()} ORDER BY SystemModstamp ASC, Id ASC`;
}

export function toChangedContact(record: Record<string, unknown>): ChangedContact {
  const parsed = ChangedRow.safeParse(record);
  if (!parsed.success)
    throw new CrmCallError(
      'salesforce',
      'query',
      'invalid_response',
      'query: changed contact did not match the expected shape',
    );
  const r = parsed.data;
  return {
    sourceId: r.Id,
    modifiedAtMs: parseSalesforceDateTime(r.SystemModstamp),
    phoneValues: PHONE_FIELDS.map((f) => r[f]).filter((v): v is string => typeof v === 'string' && v.trim() !== ''),
    doNotCall: typeof r.DoNotCall === 'boolean' ? r.DoNotCall : null,
    emailOptOut: typeof r.HasOptedOutOfEmail === 'boolean' ? r.HasOptedOutOfEmail : null,
  };
}

export async function* salesforceChangedContactsSince(
  client: SalesforceClient,
  sinceMs: number,
): AsyncIterable<ChangedContact[]> {
  let page = await client.query(changedContactsSoql(sinceMs));
  for (;;) {
    if (page.records.length > 0) yield page.records.map(toChangedContact);
    if (page.done || !page.nextRecordsUrl) return;
    page = await client.queryMore(page.nextRecordsUrl);
  }
}
