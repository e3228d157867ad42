import { SfError } from './sf-error.js';
import {
  renderAt,
  SoqlParser,
  SoqlSyntaxError,
  type Condition,
  type FieldRef,
  type Literal,
  type SelectItem,
  type SoqlQuery,
} from './soql-parser.js';
import type { ApiField, ObjectView, SchemaView } from './schema-view.js';
import type { SalesforceStore, SfRecord, SfValue } from './store.js';
import { to18 } from './record-ids.js';
import { formatValue, recordUrl, sfDateTime } from './record-output.js';

export interface QueryResult {
  object: ObjectView;
  countOnly: boolean;
  /** Matched records after ORDER BY / OFFSET / LIMIT (not yet projected). */
  rows: SfRecord[];
  project(rec: SfRecord): Record<string, unknown>;
}

export interface QueryContext {
  schema: SchemaView;
  store: SalesforceStore;
  /** API version path segment, e.g. `v59.0` (record attribute urls use it). */
  version: string;
}

/** Runs an already parsed query over given candidate records (SOSL RETURNING items). */
export function runSoqlOn(
  query: SoqlQuery,
  statement: string,
  records: Iterable<SfRecord>,
  ctx: QueryContext,
): QueryResult {
  const object = ctx.schema.object(query.from.name)!;
  const compiled = compile(query, object, statement, ctx);
  return { object, countOnly: compiled.countOnly, rows: compiled.select(records), project: compiled.project };
}

/** Parses and runs a SOQL statement. Throws SfError with Salesforce's error codes. */
export function runSoql(statement: string, ctx: QueryContext): QueryResult {
  let query: SoqlQuery;
  try {
    query = SoqlParser.parse(statement);
  } catch (err) {
    if (err instanceof SoqlSyntaxError) throw new SfError(400, 'MALFORMED_QUERY', err.message);
    throw err;
  }
  const object = ctx.schema.object(query.from.name);
  if (!object) {
    throw new SfError(
      400,
      'INVALID_TYPE',
      renderAt(
        statement,
        query.from.col,
        `sObject type '${query.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      ),
    );
  }
  const compiled = compile(query, object, statement, ctx);
  let candidates: Iterable<SfRecord>;
  const indexed = query.where ? indexedCandidates(query.where, object, ctx.store) : null;
  if (indexed) {
    candidates = indexed.values();
  } else {
    const since = query.where ? modstampLowerBound(query.where, object) : null;
    candidates = (since ? ctx.store.modifiedAfter(object.def.name, since) : null) ?? ctx.store.all(object.def.name);
  }
  const rows = compiled.select(candidates);
  return { object, countOnly: compiled.countOnly, rows, project: compiled.project };
}

interface Compiled {
  countOnly: boolean;
  select(records: Iterable<SfRecord>): SfRecord[];
  project(rec: SfRecord): Record<string, unknown>;
}

function compile(query: SoqlQuery, object: ObjectView, statement: string, ctx: QueryContext): Compiled {
  const field = (ref: FieldRef): ApiField => resolveField(ref, object, statement);
  const predicate = query.where ? compileCondition(query.where, field, statement) : null;
  const order = query.orderBy.map((o) => {
    const f = field(o.field);
    // Ids are case-sensitive values; text sorts case-insensitively as the org's collation does.
    return {
      f,
      descending: o.descending,
      nullsLast: o.nullsLast,
      caseSensitive: f.def.type === 'id' || f.def.type === 'reference',
    };
  });
  const countOnly = query.select.some((s) => s.kind === 'count');
  if (countOnly && query.select.length > 1) {
    throw new SfError(
      400,
      'MALFORMED_QUERY',
      renderAt(statement, 1, 'COUNT() must be the only element in the SELECT list'),
    );
  }
  const projectors = query.select.map((item) => compileSelectItem(item, object, statement, ctx, field));

  return {
    countOnly,
    select(records) {
      let rows: SfRecord[] = [];
      // Unordered with a LIMIT: stop at the first offset+limit matches instead of scanning the org.
      const enough = order.length === 0 && query.limit !== undefined ? (query.offset ?? 0) + query.limit : Infinity;
      for (const r of records) {
        if (predicate && !predicate(r)) continue;
        rows.push(r);
        if (rows.length >= enough) break;
      }
      if (order.length > 0) {
        rows.sort((a, b) => {
          for (const o of order) {
            const c = compareForOrder(a[o.f.def.name], b[o.f.def.name], o.descending, o.nullsLast, o.caseSensitive);
            if (c !== 0) return c;
          }
          return 0;
        });
      }
      if (query.offset !== undefined) rows = rows.slice(query.offset);
      if (query.limit !== undefined) rows = rows.slice(0, query.limit);
      return rows;
    },
    project(rec) {
      const out: Record<string, unknown> = {
        attributes: { type: object.def.name, url: recordUrl(ctx.version, object.def.name, rec.Id as string) },
      };
      for (const p of projectors) p(rec, out);
      return out;
    },
  };
}

type Projector = (rec: SfRecord, out: Record<string, unknown>) => void;

function compileSelectItem(
  item: SelectItem,
  object: ObjectView,
  statement: string,
  ctx: QueryContext,
  field: (ref: FieldRef) => ApiField,
): Projector {
  if (item.kind === 'count') return () => undefined;
  if (item.kind === 'field') {
    const f = field(item.field);
    const { apiName } = f;
    const { name, type } = f.def;
    return (rec, out) => {
      out[apiName] = formatValue(type, rec[name]);
    };
  }
  const sub = item.query;
  const rel = object.def.childRelationships.find(
    (r) => r.relationshipName.toLowerCase() === sub.from.name.toLowerCase(),
  );
  const childView = rel ? ctx.schema.object(rel.childSObject) : undefined;
  if (!rel || !childView || !childView.byInternal.has(rel.field)) {
    throw new SfError(
      400,
      'INVALID_TYPE',
      renderAt(
        statement,
        sub.from.col,
        `Didn't understand relationship '${sub.from.name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      ),
    );
  }
  const child = compile(sub, childView, statement, ctx);
  const relName = rel.relationshipName;
  return (rec, out) => {
    const rows = child.select(ctx.store.children(rel.childSObject, rel.field, rec.Id as string));
    out[relName] = rows.length === 0 ? null : { totalSize: rows.length, done: true, records: rows.map(child.project) };
  };
}

export function resolveField(ref: FieldRef, object: ObjectView, statement: string): ApiField {
  const f = object.byApiName.get(ref.name.toLowerCase());
  if (!f) {
    throw new SfError(
      400,
      'INVALID_FIELD',
      renderAt(
        statement,
        ref.col,
        `No such column '${ref.name}' on entity '${object.def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      ),
      [ref.name],
    );
  }
  return f;
}

type Predicate = (rec: SfRecord) => boolean;

function compileCondition(cond: Condition, field: (ref: FieldRef) => ApiField, statement: string): Predicate {
  switch (cond.kind) {
    case 'and': {
      const parts = cond.items.map((c) => compileCondition(c, field, statement));
      return (r) => parts.every((p) => p(r));
    }
    case 'or': {
      const parts = cond.items.map((c) => compileCondition(c, field, statement));
      return (r) => parts.some((p) => p(r));
    }
    case 'not': {
      const inner = compileCondition(cond.item, field, statement);
      return (r) => !inner(r);
    }
    case 'compare': {
      const f = field(cond.field);
      const key = keyOf(f);
      const name = f.def.name;
      if (cond.value.kind === 'null') {
        if (cond.op !== '=' && cond.op !== '!=') throw filterError(statement, cond.field, f, 'null');
        return cond.op === '='
          ? (r) => r[name] === null || r[name] === undefined
          : (r) => r[name] !== null && r[name] !== undefined;
      }
      if (f.def.type === 'boolean' && cond.op !== '=' && cond.op !== '!=')
        throw filterError(statement, cond.field, f, 'boolean');
      const want = literalKey(cond.value, f, statement, cond.field);
      const op = cond.op;
      return (r) => {
        const v = r[name];
        if (v === null || v === undefined) return op === '!=';
        const c = cmp(key(v), want);
        switch (op) {
          case '=':
            return c === 0;
          case '!=':
            return c !== 0;
          case '<':
            return c < 0;
          case '<=':
            return c <= 0;
          case '>':
            return c > 0;
          case '>=':
            return c >= 0;
        }
      };
    }
    case 'in': {
      const f = field(cond.field);
      const key = keyOf(f);
      const name = f.def.name;
      const set = new Set(
        cond.values.filter((v) => v.kind !== 'null').map((v) => literalKey(v, f, statement, cond.field)),
      );
      const hasNull = cond.values.some((v) => v.kind === 'null');
      const negated = cond.negated;
      return (r) => {
        const v = r[name];
        const hit = v === null || v === undefined ? hasNull : set.has(key(v));
        return negated ? !hit : hit;
      };
    }
    case 'like': {
      const f = field(cond.field);
      const name = f.def.name;
      const source = cond.pattern
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/%/g, '.*')
        .replace(/_/g, '.');
      const re = new RegExp(`^${source}$`, 'is');
      const negated = cond.negated;
      return (r) => {
        const v = r[name];
        const hit = typeof v === 'string' && re.test(v);
        return negated ? !hit : hit;
      };
    }
  }
}

function filterError(statement: string, ref: FieldRef, f: ApiField, what: string): SfError {
  return new SfError(
    400,
    'INVALID_QUERY_FILTER_OPERATOR',
    renderAt(statement, ref.col, `invalid operator on ${what} field '${f.apiName}'`),
  );
}

/** Comparable form of a stored value for the field's type (strings compare case-insensitively). */
function keyOf(f: ApiField): (v: SfValue) => string | number | boolean {
  switch (f.def.type) {
    case 'id':
    case 'reference':
      return (v) => to18(String(v));
    case 'boolean':
    case 'double':
    case 'currency':
    case 'percent':
    case 'int':
      return (v) => v as number | boolean;
    case 'datetime':
    case 'date':
      return (v) => String(v);
    default:
      return (v) => String(v).toLowerCase();
  }
}

function literalKey(lit: Literal, f: ApiField, statement: string, ref: FieldRef): string | number | boolean {
  const t = f.def.type;
  const bad = (expected: string): never => {
    throw new SfError(
      400,
      'INVALID_QUERY_FILTER_OPERATOR',
      renderAt(
        statement,
        ref.col,
        `value of filter criterion for field '${f.apiName}' must be of type ${expected} and should not be enclosed in quotes`,
      ),
    );
  };
  switch (t) {
    case 'boolean':
      return lit.kind === 'boolean' ? lit.value : bad('boolean');
    case 'double':
    case 'currency':
    case 'percent':
    case 'int':
      return lit.kind === 'number' ? lit.value : bad('double');
    case 'datetime':
      // Stored datetimes share one fixed UTC format, so they compare correctly as strings.
      return lit.kind === 'datetime' ? sfDateTime(lit.ms) : bad('dateTime');
    case 'date':
      return lit.kind === 'date' ? lit.value : bad('date');
    case 'id':
    case 'reference':
      if (lit.kind !== 'string') {
        throw new SfError(
          400,
          'INVALID_QUERY_FILTER_OPERATOR',
          renderAt(
            statement,
            ref.col,
            `value of filter criterion for field '${f.apiName}' must be of type ID and should be enclosed in quotes`,
          ),
        );
      }
      return to18(lit.value);
    default:
      if (lit.kind !== 'string') {
        throw new SfError(
          400,
          'INVALID_QUERY_FILTER_OPERATOR',
          renderAt(
            statement,
            ref.col,
            `value of filter criterion for field '${f.apiName}' must be of type string and should be enclosed in quotes`,
          ),
        );
      }
      return lit.value.toLowerCase();
  }
}

function cmp(a: string | number | boolean, b: string | number | boolean): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareForOrder(
  a: SfValue | undefined,
  b: SfValue | undefined,
  descending: boolean,
  nullsLast: boolean,
  caseSensitive: boolean,
): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) {
    if (an && bn) return 0;
    return an === nullsLast ? 1 : -1;
  }
  const x = typeof a === 'string' && !caseSensitive ? a.toLowerCase() : a;
  const y = typeof b === 'string' && !caseSensitive ? b.toLowerCase() : b;
  const c = x === y ? 0 : x < y ? -1 : 1;
  return descending ? -c : c;
}

/** Field types whose `=` / `IN` can be answered from an equality index (case-insensitive keys). */
const INDEXABLE = new Set(['id', 'reference', 'string', 'phone', 'email', 'picklist']);

/**
 * A superset of the records a WHERE clause can match, found by id or equality-index lookups
 * (`Id IN`, `ContactId = `, `WhoId IN`, `Phone = `…, under AND, or OR of such), or null when the
 * clause needs a scan. The compiled predicate still filters the result, so a superset is enough;
 * it keeps the hot-path queries (children of a batch of contacts, lookups by phone) off a scan.
 */
function indexedCandidates(cond: Condition, object: ObjectView, store: SalesforceStore): Map<string, SfRecord> | null {
  const lookup = (ref: FieldRef, values: Literal[]): Map<string, SfRecord> | null => {
    const f = object.byApiName.get(ref.name.toLowerCase());
    if (!f || !INDEXABLE.has(f.def.type) || values.some((v) => v.kind !== 'string')) return null;
    const out = new Map<string, SfRecord>();
    for (const v of values as { kind: 'string'; value: string }[]) {
      const found =
        f.def.name === 'Id'
          ? [store.get(object.def.name, v.value)]
          : store.lookupEqual(object.def.name, f.def.name, v.value);
      for (const r of found) if (r) out.set(r.Id as string, r);
    }
    return out;
  };
  switch (cond.kind) {
    case 'compare':
      return cond.op === '=' ? lookup(cond.field, [cond.value]) : null;
    case 'in':
      return cond.negated ? null : lookup(cond.field, cond.values);
    case 'and':
      for (const item of cond.items) {
        const found = indexedCandidates(item, object, store);
        if (found) return found;
      }
      return null;
    case 'or': {
      const out = new Map<string, SfRecord>();
      for (const item of cond.items) {
        const found = indexedCandidates(item, object, store);
        if (!found) return null;
        for (const [id, r] of found) out.set(id, r);
      }
      return out;
    }
    default:
      return null;
  }
}

/** `SystemModstamp > t` / `>= t` (or LastModifiedDate) at the top or under AND, as an ISO string. */
function modstampLowerBound(cond: Condition, object: ObjectView): string | null {
  if (cond.kind === 'compare' && (cond.op === '>' || cond.op === '>=') && cond.value.kind === 'datetime') {
    const name = object.byApiName.get(cond.field.name.toLowerCase())?.def.name;
    if (name === 'SystemModstamp' || name === 'LastModifiedDate') return new Date(cond.value.ms).toISOString();
  }
  if (cond.kind === 'and') {
    for (const item of cond.items) {
      const bound = modstampLowerBound(item, object);
      if (bound) return bound;
    }
  }
  return null;
}
