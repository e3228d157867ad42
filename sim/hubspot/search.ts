import { z } from 'zod';
import { validationError } from './errors.js';
import { propertyValue } from './object-json.js';
import { SYSTEM_DATES, type ObjectType, type PropertyDefinition } from './properties.js';
import type { PropertySchema } from './property-schema.js';
import { parseDateValue } from './property-values.js';
import type { HubspotStore, StoredObject } from './store.js';

/**
 * CRM search (`POST /crm/v3/objects/{type}/search`): filter groups are ORed, filters inside a
 * group ANDed; HubSpot's limits are enforced (5 groups, 10 filters a group, 25 in all, 200 a
 * page, 10,000 results reachable by paging). `after` is an offset, as in HubSpot's search.
 */

export const SEARCH_LIMITS = {
  maxFilterGroups: 5,
  maxFiltersPerGroup: 10,
  maxFilters: 25,
  maxPageSize: 200,
  defaultPageSize: 10,
  maxReachable: 10_000,
} as const;

const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
type Operator = (typeof OPERATORS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const searchRequestSchema = z.object({
  filterGroups: z
    .array(
      z.object({
        filters: z.array(
          z.object({
            propertyName: z.string().min(1),
            operator: z.enum(OPERATORS),
            value: scalar.optional(),
            highValue: scalar.optional(),
            values: z.array(scalar).optional(),
          }),
        ),
      }),
    )
    .default([]),
  sorts: z
    .array(
      z.union([
        // ⚠️ The client types sorts as strings; a leading `-` meaning descending is our reading.
        z.string().min(1),
        z.object({
          propertyName: z.string().min(1),
          direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING'),
        }),
      ]),
    )
    .default([]),
  query: z.string().optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().min(0).optional(),
  after: z.union([z.string(), z.number()]).optional(),
});
export type SearchRequest = z.infer<typeof searchRequestSchema>;

export interface SearchPage {
  total: number;
  objects: StoredObject[];
  nextAfter?: string;
}

type Predicate = (obj: StoredObject) => boolean;

interface CompiledGroup {
  test: Predicate;
  /** Ids from an exact-value index when the group has an EQ/IN on an indexed property. */
  candidates?: () => Set<string>;
  /** Matches need a modification date after this (ms), from GT/GTE/EQ/BETWEEN on it. */
  modifiedAfterMs?: number;
}

export function runSearch(
  store: HubspotStore,
  schema: PropertySchema,
  type: ObjectType,
  req: SearchRequest,
): SearchPage {
  const groups = req.filterGroups;
  if (groups.length > SEARCH_LIMITS.maxFilterGroups) {
    throw validationError(`Too many filter groups: ${groups.length}. The maximum is ${SEARCH_LIMITS.maxFilterGroups}.`);
  }
  let totalFilters = 0;
  for (const g of groups) {
    if (g.filters.length > SEARCH_LIMITS.maxFiltersPerGroup) {
      throw validationError(
        `Too many filters in a filter group: ${g.filters.length}. The maximum is ${SEARCH_LIMITS.maxFiltersPerGroup}.`,
      );
    }
    totalFilters += g.filters.length;
  }
  if (totalFilters > SEARCH_LIMITS.maxFilters) {
    throw validationError(`Too many filters: ${totalFilters}. The maximum is ${SEARCH_LIMITS.maxFilters}.`);
  }
  const limit = req.limit ?? SEARCH_LIMITS.defaultPageSize;
  if (limit > SEARCH_LIMITS.maxPageSize) {
    throw validationError(`limit must be less than or equal to ${SEARCH_LIMITS.maxPageSize}, got ${limit}`);
  }
  const offset = req.after === undefined || req.after === '' ? 0 : Number(req.after);
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw validationError(`after must be a non-negative integer offset, got ${String(req.after)}`);
  if (offset >= SEARCH_LIMITS.maxReachable) {
    throw validationError(
      `The search API returns at most ${SEARCH_LIMITS.maxReachable} results for a query; after=${offset} is beyond that.`,
    );
  }

  const table = store.tables[type];
  const compiled = groups.filter((g) => g.filters.length > 0).map((g) => compileGroup(store, schema, type, g.filters));
  const queryTest = req.query ? compileQuery(store, type, req.query) : undefined;

  let matches: StoredObject[] = [];
  const accept = (obj: StoredObject) =>
    (compiled.length === 0 || compiled.some((g) => g.test(obj))) && (!queryTest || queryTest(obj));
  // A generated portal's records all predate its ceiling: "modified after" needs only the writes.
  const ceiling = table.baseModifiedCeilingMs;
  const writesOnly = (g: CompiledGroup) =>
    ceiling !== undefined && g.modifiedAfterMs !== undefined && g.modifiedAfterMs >= ceiling;
  if (compiled.length > 0 && compiled.every((g) => g.candidates || writesOnly(g))) {
    const ids = new Set<string>();
    for (const g of compiled) {
      if (g.candidates) for (const id of g.candidates()) ids.add(id);
      else for (const id of table.rows.keys()) ids.add(id);
    }
    for (const id of [...ids].sort(byNumericId)) {
      const obj = table.get(id);
      if (obj && accept(obj)) matches.push(obj);
    }
  } else {
    for (const obj of table.values()) if (accept(obj)) matches.push(obj);
  }

  if (req.sorts.length > 0) matches = sortObjects(store, schema, type, matches, req.sorts);

  const end = Math.min(offset + limit, SEARCH_LIMITS.maxReachable, matches.length);
  const page = matches.slice(offset, end);
  const nextAfter = end < Math.min(matches.length, SEARCH_LIMITS.maxReachable) ? String(end) : undefined;
  return { total: matches.length, objects: page, ...(nextAfter ? { nextAfter } : {}) };
}

function byNumericId(a: string, b: string): number {
  return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function resolveFilterProperty(schema: PropertySchema, type: ObjectType, name: string): PropertyDefinition {
  const def = schema.resolve(type, name);
  if (!def) {
    throw validationError('There was a problem with the request.', [
      { message: `Property "${name}" does not exist on ${type}`, code: 'INVALID_PROPERTY', in: 'propertyName' },
    ]);
  }
  return def;
}

function compileGroup(
  store: HubspotStore,
  schema: PropertySchema,
  type: ObjectType,
  filters: SearchRequest['filterGroups'][number]['filters'],
): CompiledGroup {
  const table = store.tables[type];
  const tests: Predicate[] = [];
  let candidates: (() => Set<string>) | undefined;
  let modifiedAfterMs: number | undefined;
  for (const f of filters) {
    const def = resolveFilterProperty(schema, type, f.propertyName);
    tests.push(compileFilter(store, type, def, f.operator, f.value, f.highValue, f.values));
    if (
      def.name === SYSTEM_DATES[type].modified &&
      f.value !== undefined &&
      ['GT', 'GTE', 'EQ', 'BETWEEN'].includes(f.operator)
    ) {
      const bound = parseDateValue(f.value);
      // Strictly after `bound` for GT; at or after it (after bound - 1 ms) otherwise.
      if (bound !== null) modifiedAfterMs = Math.max(modifiedAfterMs ?? bound, f.operator === 'GT' ? bound : bound - 1);
    }
    if (!candidates && table.isIndexed(def.name)) {
      if (f.operator === 'EQ' && f.value !== undefined) {
        const v = f.value;
        candidates = () => new Set(table.lookup(def.name, v));
      } else if (f.operator === 'IN' && f.values) {
        const vs = f.values;
        candidates = () => {
          const s = new Set<string>();
          for (const v of vs) for (const id of table.lookup(def.name, v) ?? []) s.add(id);
          return s;
        };
      }
    }
  }
  return {
    test: (obj) => tests.every((t) => t(obj)),
    ...(candidates ? { candidates } : {}),
    ...(modifiedAfterMs !== undefined ? { modifiedAfterMs } : {}),
  };
}

type Comparable = number | string;

/** Converts values of a property type into something `<` compares correctly; null = not comparable. */
function comparer(def: PropertyDefinition): (v: string) => Comparable | null {
  switch (def.type) {
    case 'number':
      return (v) => {
        const n = Number(v);
        return v.trim() !== '' && Number.isFinite(n) ? n : null;
      };
    case 'datetime':
    case 'date':
      return (v) => parseDateValue(v);
    default:
      return (v) => v.toLowerCase();
  }
}

function compileFilter(
  store: HubspotStore,
  type: ObjectType,
  def: PropertyDefinition,
  op: Operator,
  value: string | undefined,
  highValue: string | undefined,
  values: string[] | undefined,
): Predicate {
  const get = (obj: StoredObject) => {
    const v = propertyValue(store, type, obj, def.name);
    return v === null || v === '' ? null : v;
  };
  const conv = comparer(def);
  const need = (v: string | undefined, what = 'value'): Comparable => {
    if (v === undefined) throw validationError(`Operator ${op} on "${def.name}" requires a ${what}`);
    const c = conv(v);
    if (c === null) throw validationError(`${JSON.stringify(v)} is not a valid ${def.type} value for "${def.name}"`);
    return c;
  };
  switch (op) {
    case 'HAS_PROPERTY':
      return (obj) => get(obj) !== null;
    case 'NOT_HAS_PROPERTY':
      return (obj) => get(obj) === null;
    case 'EQ':
    case 'NEQ': {
      const want = need(value);
      const eq = (obj: StoredObject) => {
        const v = get(obj);
        return v !== null && conv(v) === want;
      };
      return op === 'EQ' ? eq : (obj) => !eq(obj);
    }
    case 'IN':
    case 'NOT_IN': {
      if (!values) throw validationError(`Operator ${op} on "${def.name}" requires values`);
      const set = new Set(values.map((v) => need(v, 'values entry')));
      const isIn = (obj: StoredObject) => {
        const v = get(obj);
        const c = v === null ? null : conv(v);
        return c !== null && set.has(c);
      };
      return op === 'IN' ? isIn : (obj) => !isIn(obj);
    }
    case 'LT':
    case 'LTE':
    case 'GT':
    case 'GTE': {
      const bound = need(value);
      return (obj) => {
        const v = get(obj);
        const c = v === null ? null : conv(v);
        if (c === null) return false;
        if (op === 'LT') return c < bound;
        if (op === 'LTE') return c <= bound;
        if (op === 'GT') return c > bound;
        return c >= bound;
      };
    }
    case 'BETWEEN': {
      const low = need(value);
      const high = need(highValue, 'highValue');
      return (obj) => {
        const v = get(obj);
        const c = v === null ? null : conv(v);
        return c !== null && c >= low && c <= high;
      };
    }
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      if (value === undefined) throw validationError(`Operator ${op} on "${def.name}" requires a value`);
      const pattern = tokenPattern(value);
      const has = (obj: StoredObject) => {
        const v = get(obj);
        if (v === null) return false;
        if (pattern.test(v)) return true;
        return v.split(/[\s,;]+/).some((t) => pattern.test(t));
      };
      return op === 'CONTAINS_TOKEN' ? has : (obj) => !has(obj);
    }
  }
}

/** A token with `*` wildcards, matched whole and case-insensitively. */
function tokenPattern(token: string): RegExp {
  const body = token
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** Free-text `query`: every word must prefix a word of the name, email or phone digits. */
function compileQuery(store: HubspotStore, type: ObjectType, query: string): Predicate {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const fields =
    type === 'contacts'
      ? ['firstname', 'lastname', 'email', 'phone', 'mobilephone']
      : type === 'deals'
        ? ['dealname']
        : ['hs_call_title'];
  return (obj) => {
    const tokens: string[] = [];
    for (const f of fields) {
      const v = propertyValue(store, type, obj, f);
      if (!v) continue;
      const lower = v.toLowerCase();
      tokens.push(...lower.split(/[\s@.,;()+-]+/).filter(Boolean), lower);
      if (f.includes('phone')) tokens.push(lower.replace(/\D/g, ''));
    }
    return words.every((w) => tokens.some((t) => t.startsWith(w)));
  };
}

function sortObjects(
  store: HubspotStore,
  schema: PropertySchema,
  type: ObjectType,
  objects: StoredObject[],
  sorts: SearchRequest['sorts'],
): StoredObject[] {
  const keys = sorts.map((s) => {
    const { propertyName, direction } =
      typeof s === 'string'
        ? { propertyName: s.replace(/^-/, ''), direction: s.startsWith('-') ? 'DESCENDING' : 'ASCENDING' }
        : s;
    const def = resolveFilterProperty(schema, type, propertyName);
    return { def, conv: comparer(def), sign: direction === 'DESCENDING' ? -1 : 1 };
  });
  const decorated = objects.map((obj) => ({
    obj,
    values: keys.map((k) => {
      const v = propertyValue(store, type, obj, k.def.name);
      return v === null || v === '' ? null : k.conv(v);
    }),
  }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.values[i];
      const y = b.values[i];
      if (x === y) continue;
      // Records without a value come last in either direction.
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * keys[i].sign;
    }
    return byNumericId(a.obj.id, b.obj.id);
  });
  return decorated.map((d) => d.obj);
}
