import { randomUUID } from 'node:crypto';
import type { RecordChange } from './store.js';
import type { SchemaView } from './schema-view.js';
import { formatValue, parseSfDateTime } from './record-output.js';

/** Fields CDC never carries in its payload (derived/compound in real orgs). */
const OMITTED = new Set(['Id', 'Name', 'IsDeleted', 'CreatedById']);

export interface CdcEvent {
  schema: string;
  payload: Record<string, unknown> & { ChangeEventHeader: ChangeEventHeader };
  event: { replayId: number };
}

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: 'CREATE' | 'UPDATE';
  changedFields: string[];
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitUser: string;
  commitNumber: number;
  nulledFields: string[];
  diffFields: string[];
}

/**
 * A Change Data Capture event (as delivered on `/data/<Object>ChangeEvent`) for one record
 * change, with API field names after drift. Simplification: Contact's compound Name and
 * address are sent as their flat fields (FirstName, MailingCity…), not as nested objects.
 */
export function buildCdcEvent(change: RecordChange, schema: SchemaView, replayId: number, version: string): CdcEvent {
  const view = schema.object(change.object)!;
  const payload: Record<string, unknown> = {};
  const changedFields: string[] = [];
  const nulledFields: string[] = [];
  for (const internal of change.changedFields) {
    const f = view.byInternal.get(internal);
    if (!f || OMITTED.has(internal)) continue;
    const value = formatValue(f.def.type, change.record[internal]);
    changedFields.push(f.apiName);
    payload[f.apiName] = value;
    if (value === null && change.changeType === 'UPDATE') nulledFields.push(f.apiName);
  }
  const stamp = change.record.SystemModstamp;
  const commitTimestamp = typeof stamp === 'string' ? parseSfDateTime(stamp) : Date.now();
  return {
    schema: `dialplane-sim-${change.object}ChangeEvent`,
    payload: {
      ChangeEventHeader: {
        entityName: change.object,
        recordIds: [change.id],
        changeType: change.changeType,
        // Real CDC lists only updated fields; a CREATE carries every populated field with no list.
        changedFields: change.changeType === 'UPDATE' ? changedFields : [],
        // A person editing in the UI leaves changeOrigin empty; REST writes name the API.
        changeOrigin:
          change.origin === 'api' ? `com/salesforce/api/rest/${version.replace(/^v/, '')};client=dialplane` : '',
        transactionKey: randomUUID(),
        sequenceNumber: 1,
        commitTimestamp,
        commitUser: String(change.record.LastModifiedById ?? ''),
        commitNumber: replayId,
        nulledFields,
        diffFields: [],
      },
      ...payload,
    },
    event: { replayId },
  };
}
