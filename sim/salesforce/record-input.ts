import { SfError } from './sf-error.js';
import type { ApiField, ObjectView, SchemaView } from './schema-view.js';
import type { SalesforceStore, SfValues } from './store.js';
import { toStored } from './store.js';
import { looksLikeId, to18 } from './record-ids.js';

export type WriteMode = 'create' | 'update';

/** Picklists real orgs restrict (anything else is accepted as free text, as unrestricted ones are). */
const RESTRICTED_PICKLISTS = new Set([
  'Opportunity.StageName',
  'Task.Status',
  'Task.Priority',
  'Task.TaskSubtype',
  'Task.CallType',
]);

/**
 * Validates a create/update body against the schema view (drift included) and converts it to
 * stored values under internal names. Throws SfError with the codes Salesforce uses:
 * INVALID_FIELD, INVALID_FIELD_FOR_INSERT_UPDATE, JSON_PARSER_ERROR, STRING_TOO_LONG,
 * INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, REQUIRED_FIELD_MISSING, MALFORMED_ID,
 * INVALID_CROSS_REFERENCE_KEY.
 */
export function parseRecordInput(
  view: ObjectView,
  body: unknown,
  mode: WriteMode,
  ctx: { schema: SchemaView; store: SalesforceStore },
  ignore: readonly string[] = ['attributes'],
): SfValues {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SfError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${view.def.name} from ${Array.isArray(body) ? 'START_ARRAY' : 'VALUE_STRING'} value`,
    );
  }
  const values: SfValues = {};
  const readOnly: string[] = [];
  for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
    if (ignore.includes(key)) continue;
    const f = view.byApiName.get(key.toLowerCase());
    if (!f)
      throw new SfError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${view.def.name}`, [key]);
    if (f.def.name === 'Id') continue;
    if (mode === 'create' ? !f.def.createable : !f.def.updateable) {
      readOnly.push(f.apiName);
      continue;
    }
    values[f.def.name] = checkValue(view, f, raw, ctx);
  }
  if (readOnly.length > 0) {
    throw new SfError(
      400,
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to ${mode} fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly,
    );
  }
  const missing = view.fields
    .filter(
      (f) =>
        f.def.required &&
        (mode === 'create'
          ? values[f.def.name] === undefined || values[f.def.name] === null || values[f.def.name] === ''
          : values[f.def.name] === null || values[f.def.name] === ''),
    )
    .map((f) => f.apiName);
  if (missing.length > 0)
    throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  return values;
}

function checkValue(
  view: ObjectView,
  f: ApiField,
  raw: unknown,
  ctx: { schema: SchemaView; store: SalesforceStore },
): SfValues[string] {
  const { def, apiName } = f;
  if (raw === null) {
    if (!def.nillable && def.type !== 'boolean') {
      throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${apiName}]`, [apiName]);
    }
    return def.type === 'boolean' ? false : null;
  }
  const deser = (expected: string): never => {
    throw new SfError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${expected} from ${jsonKind(raw)} value ${JSON.stringify(raw)} or request may be missing a required field`,
    );
  };
  switch (def.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      return deser('boolean');
    case 'double':
    case 'currency':
    case 'percent':
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return deser(def.type === 'int' ? 'int' : 'double');
      return def.type === 'int' ? Math.trunc(n) : n;
    }
    case 'date':
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) return deser('date');
      return raw;
    case 'datetime': {
      const v = toStored(def, raw);
      if (v === null) return deser('datetime');
      return v;
    }
    case 'id':
    case 'reference': {
      if (typeof raw !== 'string' || !looksLikeId(raw)) {
        throw new SfError(400, 'MALFORMED_ID', `${def.label}: id value of incorrect type: ${String(raw)}`, [apiName]);
      }
      const target = ctx.schema.objectByPrefix(raw.slice(0, 3));
      if (target && !ctx.store.get(target.def.name, raw)) {
        throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [apiName]);
      }
      return to18(raw);
    }
    default: {
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return deser('String');
      const s = String(raw);
      if (def.length && s.length > def.length) {
        throw new SfError(
          400,
          'STRING_TOO_LONG',
          `${def.label}: data value too large: ${s.slice(0, 20)}... (max length=${def.length})`,
          [apiName],
        );
      }
      if (
        def.type === 'picklist' &&
        def.picklist &&
        RESTRICTED_PICKLISTS.has(`${view.def.name}.${def.name}`) &&
        !def.picklist.includes(s)
      ) {
        throw new SfError(
          400,
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${def.label}: bad value for restricted picklist field: ${s}`,
          [apiName],
        );
      }
      return s;
    }
  }
}

function jsonKind(v: unknown): string {
  if (typeof v === 'string') return 'VALUE_STRING';
  if (typeof v === 'number') return Number.isInteger(v) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  if (typeof v === 'boolean') return v ? 'VALUE_TRUE' : 'VALUE_FALSE';
  if (Array.isArray(v)) return 'START_ARRAY';
  return 'START_OBJECT';
}
