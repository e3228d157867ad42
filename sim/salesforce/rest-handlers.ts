import { z } from 'zod';
import type { SimRequest, SimResponse } from '../common/sim-server.js';
import { SfError } from './sf-error.js';
import { runSoql, type QueryContext } from './soql-engine.js';
import { runSosl } from './sosl.js';
import { describeGlobal, describeSObject, sobjectBasicInfo } from './describe.js';
import { outputRecord } from './record-output.js';
import { parseRecordInput } from './record-input.js';
import type { ObjectView, SchemaView } from './schema-view.js';
import type { SalesforceStore, SfRecord } from './store.js';
import { to18 } from './record-ids.js';
import { INTEGRATION_USER_ID } from './store.js';

/** Limits of the real REST API. */
export const SF_LIMITS = {
  maxQueryBatch: 2000,
  minQueryBatch: 200,
  collectionsRetrieveIds: 2000,
  collectionsDml: 200,
  cursorsKept: 500,
} as const;

export interface SalesforceContext extends QueryContext {
  /** The org this context serves (every request reaches only its token's org). */
  orgId: string;
  schema: SchemaView;
  store: SalesforceStore;
  queryBatchSize: number;
  cursors: Map<string, Cursor>;
  nextCursor(): string;
}

export interface Cursor {
  rows: SfRecord[];
  totalSize: number;
  project(rec: SfRecord): Record<string, unknown>;
}

const notFound = () => new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');

function objectOrNotFound(ctx: SalesforceContext, type: string): ObjectView {
  const view = ctx.schema.object(type);
  if (!view) throw notFound();
  return view;
}

function withVersion(ctx: SalesforceContext, req: SimRequest): SalesforceContext {
  const version = req.params.version;
  if (!/^v\d{2,3}\.\d$/.test(version)) throw notFound();
  return version === ctx.version ? ctx : { ...ctx, version };
}

export type SfHandler = (ctx: SalesforceContext, req: SimRequest) => SimResponse;

/** Wraps a handler: checks the `vNN.N` path segment and puts it in the context. */
export function versioned(ctx: SalesforceContext, handler: SfHandler): (req: SimRequest) => SimResponse {
  return (req) => handler(withVersion(ctx, req), req);
}

function queryBatchSize(ctx: SalesforceContext, req: SimRequest): number {
  // `Sforce-Query-Options: batchSize=500` as real orgs honour it (200..2000, a hint).
  const header = String(req.headers['sforce-query-options'] ?? '');
  const m = /batchSize=(\d+)/i.exec(header);
  let size = ctx.queryBatchSize;
  if (m) size = Math.min(size, Math.max(SF_LIMITS.minQueryBatch, Math.min(SF_LIMITS.maxQueryBatch, Number(m[1]))));
  return size;
}

function page(
  ctx: SalesforceContext,
  req: SimRequest,
  cursorId: string | null,
  cursor: Cursor,
  start: number,
  size: number,
): SimResponse {
  const end = Math.min(cursor.rows.length, start + size);
  const records = cursor.rows.slice(start, end).map(cursor.project);
  req.setBatchSize(records.length);
  const done = end >= cursor.rows.length;
  let id = cursorId;
  if (!done && id === null) {
    id = ctx.nextCursor();
    ctx.cursors.set(id, cursor);
    // Real cursors expire; keep the newest ones only.
    if (ctx.cursors.size > SF_LIMITS.cursorsKept) ctx.cursors.delete(ctx.cursors.keys().next().value as string);
  }
  return {
    status: 200,
    body: {
      totalSize: cursor.totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/${ctx.version}/query/${id}-${end}` }),
      records,
    },
  };
}

export const query: SfHandler = (ctx, req) => {
  const q = req.query.get('q');
  if (!q) throw new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  const result = runSoql(q, ctx);
  if (result.countOnly) {
    req.setBatchSize(0);
    return { status: 200, body: { totalSize: result.rows.length, done: true, records: [] } };
  }
  const cursor: Cursor = { rows: result.rows, totalSize: result.rows.length, project: result.project };
  return page(ctx, req, null, cursor, 0, queryBatchSize(ctx, req));
};

export const queryMore: SfHandler = (ctx, req) => {
  const m = /^(.+)-(\d+)$/.exec(req.params.locator);
  const cursor = m ? ctx.cursors.get(m[1]) : undefined;
  if (!m || !cursor) throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  return page(ctx, req, m[1], cursor, Number(m[2]), queryBatchSize(ctx, req));
};

export const search: SfHandler = (ctx, req) => {
  const q = req.query.get('q');
  if (!q)
    throw new SfError(400, 'MALFORMED_SEARCH', 'No search term found. The search term must be enclosed in braces.');
  const result = runSosl(q, ctx);
  req.setBatchSize(result.searchRecords.length);
  return { status: 200, body: result };
};

export const listSObjects: SfHandler = (ctx) => ({
  status: 200,
  body: describeGlobal(ctx.schema.allObjects(), ctx.version),
});

export const sobjectInfo: SfHandler = (ctx, req) => ({
  status: 200,
  body: sobjectBasicInfo(objectOrNotFound(ctx, req.params.type), ctx.version),
});

export const describe: SfHandler = (ctx, req) => ({
  status: 200,
  body: describeSObject(objectOrNotFound(ctx, req.params.type), ctx.version),
});

function checkFields(view: ObjectView, fields: string[]): string[] {
  for (const name of fields) {
    if (!view.byApiName.has(name.toLowerCase())) {
      throw new SfError(
        400,
        'INVALID_FIELD',
        `No such column '${name}' on entity '${view.def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        [name],
      );
    }
  }
  return fields;
}

function splitFields(raw: string | null): string[] | undefined {
  if (raw === null) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export const retrieve: SfHandler = (ctx, req) => {
  const view = objectOrNotFound(ctx, req.params.type);
  const rec = ctx.store.get(view.def.name, req.params.id);
  const fields = splitFields(req.query.get('fields'));
  if (fields) checkFields(view, fields);
  if (!rec || !(rec.Id as string).startsWith(view.def.keyPrefix)) throw notFound();
  req.setBatchSize(1);
  return { status: 200, body: outputRecord(view, rec, ctx.version, fields) };
};

/** `GET /sobjects/{type}/{extField}/{value}`: retrieve by external id. */
export const retrieveByExternalId: SfHandler = (ctx, req) => {
  const view = objectOrNotFound(ctx, req.params.type);
  const f = externalIdField(view, req.params.field);
  const rec =
    f.def.name === 'Id'
      ? ctx.store.get(view.def.name, req.params.value)
      : ctx.store.findByExternalId(view.def.name, f.def.name, req.params.value);
  if (!rec) throw notFound();
  const fields = splitFields(req.query.get('fields'));
  if (fields) checkFields(view, fields);
  return { status: 200, body: outputRecord(view, rec, ctx.version, fields) };
};

const collectionsBody = z.object({ ids: z.array(z.string()), fields: z.array(z.string()) });

/** sObject Collections retrieve: `POST /composite/sobjects/{type}` `{ids, fields}` (or GET `?ids=&fields=`). */
export const collectionsRetrieve: SfHandler = (ctx, req) => {
  const view = objectOrNotFound(ctx, req.params.type);
  let ids: string[];
  let fields: string[];
  if (req.method === 'GET') {
    ids = splitFields(req.query.get('ids')) ?? [];
    fields = splitFields(req.query.get('fields')) ?? [];
    if (ids.length > 800)
      throw new SfError(400, 'EXCEEDED_ID_LIMIT', 'Too many ids: a GET accepts up to 800 ids; use POST for up to 2000');
  } else {
    const parsed = collectionsBody.safeParse(req.json());
    if (!parsed.success)
      throw new SfError(400, 'JSON_PARSER_ERROR', 'Request body must be {"ids": [...], "fields": [...]}');
    ({ ids, fields } = parsed.data);
  }
  req.setBatchSize(ids.length);
  if (ids.length === 0 || fields.length === 0)
    throw new SfError(400, 'MISSING_ARGUMENT', `The ${ids.length === 0 ? 'ids' : 'fields'} parameter is required`);
  if (ids.length > SF_LIMITS.collectionsRetrieveIds)
    throw new SfError(400, 'EXCEEDED_ID_LIMIT', `Maximum number of ids is ${SF_LIMITS.collectionsRetrieveIds}`);
  checkFields(view, fields);
  const out = ids.map((id) => {
    const rec = ctx.store.get(view.def.name, id);
    return rec ? outputRecord(view, rec, ctx.version, fields) : null;
  });
  return { status: 200, body: out };
};

export const create: SfHandler = (ctx, req) => {
  const view = objectOrNotFound(ctx, req.params.type);
  const values = parseRecordInput(view, req.json(), 'create', ctx);
  const id = ctx.store.insert(view.def.name, values);
  return { status: 201, body: { id, success: true, errors: [] } };
};

export const update: SfHandler = (ctx, req) => {
  const view = objectOrNotFound(ctx, req.params.type);
  const rec = ctx.store.get(view.def.name, req.params.id);
  if (!rec) throw notFound();
  const values = parseRecordInput(view, req.json(), 'update', ctx);
  ctx.store.update(view.def.name, rec.Id as string, values);
  return { status: 204 };
};

function externalIdField(view: ObjectView, name: string) {
  const f = view.byApiName.get(name.toLowerCase());
  if (!f || (!f.def.externalId && f.def.name !== 'Id')) {
    throw new SfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${name}`);
  }
  return f;
}

/** Upsert by external id: 201 `{created:true}` on insert, 200 `{created:false}` on update. */
export const upsert: SfHandler = (ctx, req) => {
  const view = objectOrNotFound(ctx, req.params.type);
  const f = externalIdField(view, req.params.field);
  const result = upsertOne(ctx, view, f.def.name, f.apiName, req.params.value, req.json());
  return { status: result.created ? 201 : 200, body: result };
};

function upsertOne(
  ctx: SalesforceContext,
  view: ObjectView,
  field: string,
  apiName: string,
  value: string,
  body: unknown,
) {
  const existing =
    field === 'Id' ? ctx.store.get(view.def.name, value) : ctx.store.findByExternalId(view.def.name, field, value);
  if (existing) {
    const values = parseRecordInput(view, body, 'update', ctx, ['attributes', apiName]);
    ctx.store.update(view.def.name, existing.Id as string, values);
    return { id: existing.Id as string, success: true, errors: [], created: false };
  }
  if (field === 'Id') throw notFound();
  const values = parseRecordInput(view, body, 'create', ctx, ['attributes', apiName]);
  values[field] = value;
  const id = ctx.store.insert(view.def.name, values);
  return { id, success: true, errors: [], created: true };
}

const dmlBody = z.object({ allOrNone: z.boolean().optional(), records: z.array(z.record(z.string(), z.unknown())) });

type SaveResult = {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
  created?: boolean;
};

function failure(err: unknown): SaveResult {
  if (err instanceof SfError)
    return { success: false, errors: [{ statusCode: err.errorCode, message: err.message, fields: err.fields }] };
  throw err;
}

const rolledBack = (r: SaveResult): SaveResult =>
  r.success
    ? {
        ...(r.id ? { id: r.id } : {}),
        success: false,
        errors: [
          {
            statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
            message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
            fields: [],
          },
        ],
      }
    : r;

function parseDml(req: SimRequest) {
  const parsed = dmlBody.safeParse(req.json());
  if (!parsed.success)
    throw new SfError(400, 'JSON_PARSER_ERROR', 'Request body must be {"allOrNone": boolean, "records": [...]}');
  req.setBatchSize(parsed.data.records.length);
  if (parsed.data.records.length > SF_LIMITS.collectionsDml) {
    throw new SfError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${SF_LIMITS.collectionsDml} records into this call`,
    );
  }
  return { allOrNone: parsed.data.allOrNone ?? false, records: parsed.data.records };
}

function recordType(ctx: SalesforceContext, rec: Record<string, unknown>, fallback?: string): ObjectView {
  const attrs = rec.attributes as { type?: unknown } | undefined;
  const type = typeof attrs?.type === 'string' ? attrs.type : fallback;
  if (!type) throw new SfError(400, 'INVALID_TYPE', 'Must specify a type in attributes');
  const view = ctx.schema.object(type);
  if (!view) throw new SfError(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`);
  return view;
}

/**
 * Two phases, like the real allOrNone: validate everything, then write only if allowed. Each
 * plan entry is either a write to run or an error already known.
 */
function runDml(allOrNone: boolean, plans: (() => () => SaveResult)[]): SaveResult[] {
  const prepared = plans.map((plan) => {
    try {
      return { write: plan() };
    } catch (err) {
      return { result: failure(err) };
    }
  });
  const anyFailed = prepared.some((p) => p.result);
  if (allOrNone && anyFailed) return prepared.map((p) => p.result ?? rolledBack({ success: true, errors: [] }));
  return prepared.map((p) => {
    if (p.result) return p.result;
    try {
      return p.write!();
    } catch (err) {
      return failure(err);
    }
  });
}

/** `POST /composite/sobjects`: create up to 200 records. */
export const compositeCreate: SfHandler = (ctx, req) => {
  const { allOrNone, records } = parseDml(req);
  const results = runDml(
    allOrNone,
    records.map((rec) => () => {
      const view = recordType(ctx, rec);
      if ('Id' in rec || 'id' in rec)
        throw new SfError(400, 'INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']);
      const values = parseRecordInput(view, rec, 'create', ctx);
      return () => ({ id: ctx.store.insert(view.def.name, values), success: true, errors: [] });
    }),
  );
  return { status: 200, body: results };
};

/** `PATCH /composite/sobjects`: update up to 200 records (`id` lowercase, as jsforce sends it). */
export const compositeUpdate: SfHandler = (ctx, req) => {
  const { allOrNone, records } = parseDml(req);
  const results = runDml(
    allOrNone,
    records.map((rec) => () => {
      const view = recordType(ctx, rec);
      const id = typeof rec.id === 'string' ? rec.id : typeof rec.Id === 'string' ? rec.Id : undefined;
      if (!id) throw new SfError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
      const existing = ctx.store.get(view.def.name, id);
      if (!existing) throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
      const values = parseRecordInput(view, rec, 'update', ctx, ['attributes', 'id', 'Id']);
      return () => {
        ctx.store.update(view.def.name, existing.Id as string, values);
        return { id: to18(id), success: true, errors: [] };
      };
    }),
  );
  return { status: 200, body: results };
};

/** `PATCH /composite/sobjects/{type}/{extField}`: upsert up to 200 records by external id. */
export const compositeUpsert: SfHandler = (ctx, req) => {
  const view = objectOrNotFound(ctx, req.params.type);
  const f = externalIdField(view, req.params.field);
  const { allOrNone, records } = parseDml(req);
  const results = runDml(
    allOrNone,
    records.map((rec) => () => {
      recordType(ctx, rec, view.def.name);
      const value = rec[f.apiName] ?? rec[req.params.field];
      if (typeof value !== 'string' || !value)
        throw new SfError(400, 'MISSING_ARGUMENT', `${f.apiName} not specified`, [f.apiName]);
      // Validate now (as an update when the key exists, else as a create); write in phase two.
      const exists = ctx.store.findByExternalId(view.def.name, f.def.name, value);
      parseRecordInput(view, rec, exists ? 'update' : 'create', ctx, ['attributes', f.apiName, req.params.field]);
      return () => upsertOne(ctx, view, f.def.name, f.apiName, value, omit(rec, [f.apiName, req.params.field]));
    }),
  );
  return { status: 200, body: results };
};

function omit(rec: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out = { ...rec };
  for (const k of keys) delete out[k];
  return out;
}

/** `GET /services/data`: the API versions the org serves (any `vNN.N` is accepted in paths). */
export const versions = () => ({
  status: 200,
  body: ['55.0', '56.0', '57.0', '58.0', '59.0', '60.0', '61.0', '62.0'].map((v) => ({
    label: `v${v}`,
    url: `/services/data/v${v}`,
    version: v,
  })),
});

/** `GET /services/data/vXX.X`: the resource directory (jsforce's identity() reads `identity`). */
export function resources(version: string, baseUrl: string, orgId: string) {
  const base = `/services/data/${version}`;
  return {
    sobjects: `${base}/sobjects`,
    query: `${base}/query`,
    queryAll: `${base}/queryAll`,
    search: `${base}/search`,
    composite: `${base}/composite`,
    limits: `${base}/limits`,
    identity: `${baseUrl}/id/${orgId}/${INTEGRATION_USER_ID}`,
  };
}
