import { SalesforceClient } from '../../../crm/salesforce/client.js';
import { createSalesforceConnector } from '../../../crm/salesforce/connector.js';
import { STAGE_MAP } from '../../../crm/salesforce/read-mapping.js';
import { soqlQuote } from '../../../crm/salesforce/client.js';
import type { AuditContact } from '../audit-contact.js';
import { CallPacer, type AuditSource } from './audit-source.js';

/**
 * Salesforce through jsforce: one SOQL query over Contact ordered by Id, followed through
 * `nextRecordsUrl` (2000 records a call, the REST maximum), so 100,000 contacts cost ~50 calls of
 * the org's daily allowance. The checkpoint is the last Id read; a resumed audit restarts the
 * query with `WHERE Id > '<checkpoint>'` (query cursors expire, ids do not).
 */

export interface SalesforceAuditOptions {
  loginUrl: string;
  instanceUrl: string;
  clientId: string;
  clientSecret: string;
  apiVersion: string;
  /** Calls per window the audit allows itself. @default 25 per 1000 ms */
  rate?: { limit: number; windowMs: number };
}

const FIELDS = [
  'Id',
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  'MobilePhone',
  'HomePhone',
  'OtherPhone',
  'MailingStreet',
  'MailingPostalCode',
  'MailingState',
  'MailingCountry',
  'DoNotCall',
];
const PHONE_KIND: Record<string, AuditContact['phones'][number]['kind']> = {
  Phone: 'unknown',
  MobilePhone: 'mobile',
  HomePhone: 'landline',
  OtherPhone: 'unknown',
};

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

export function toAuditContact(r: Record<string, unknown>, closedWon: ReadonlySet<string>): AuditContact {
  const id = String(r.Id);
  return {
    crm: 'salesforce',
    id,
    firstName: text(r.FirstName),
    lastName: text(r.LastName),
    email: text(r.Email),
    phones: Object.keys(PHONE_KIND).flatMap((field) => {
      const raw = text(r[field]);
      return raw ? [{ field, raw, kind: PHONE_KIND[field]! }] : [];
    }),
    street: text(r.MailingStreet),
    postalCode: text(r.MailingPostalCode),
    state: text(r.MailingState),
    country: text(r.MailingCountry),
    statedTimeZone: null,
    doNotCall: typeof r.DoNotCall === 'boolean' ? r.DoNotCall : null,
    closedWon: closedWon.has(id),
    stage: null,
  };
}

export function createSalesforceAuditSource(options: SalesforceAuditOptions): AuditSource {
  const pacer = new CallPacer(options.rate?.limit ?? 25, options.rate?.windowMs ?? 1_000);
  // Full reads scan the org: give them far longer than the hot path's deadline.
  const client = new SalesforceClient({ ...options, timeoutMs: 120_000, instrument: pacer.instrument });
  // Only checkMapping is used: the connector never receives change events here.
  const connector = createSalesforceConnector({
    ...options,
    webhookSecret: 'unused-by-the-audit',
    timeoutMs: 30_000,
    instrument: pacer.instrument,
  });

  async function* query(soql: string) {
    let page = await client.query(soql);
    for (;;) {
      yield page.records;
      if (page.done || !page.nextRecordsUrl) return;
      page = await client.queryMore(page.nextRecordsUrl);
    }
  }

  return {
    crm: 'salesforce',
    async count() {
      const r = await client.query('SELECT COUNT() FROM Contact');
      return r.totalSize;
    },
    async closedWonContactIds() {
      const ids = new Set<string>();
      for await (const records of query('SELECT ContactId FROM Opportunity WHERE IsWon = true')) {
        for (const r of records) if (typeof r.ContactId === 'string') ids.add(r.ContactId);
      }
      return ids;
    },
    async *pages(checkpoint, closedWon) {
      const where = checkpoint ? ` WHERE Id > ${soqlQuote(checkpoint)}` : '';
      for await (const records of query(`SELECT ${FIELDS.join(', ')} FROM Contact${where} ORDER BY Id ASC`)) {
        if (records.length === 0) continue;
        yield {
          contacts: records.map((r) => toAuditContact(r, closedWon)),
          checkpoint: String(records[records.length - 1]!.Id),
        };
      }
    },
    async mappingDifferences() {
      return (await connector.checkMapping()).differences;
    },
    isMappedStage: (value) => value in STAGE_MAP,
    calls: () => pacer.snapshot(),
    async close() {
      await Promise.all([client.close(), connector.close()]);
    },
  };
}
