import { z } from 'zod';
import { Router, type SimHandler, type SimRequest, type SimResponse } from '../common/sim-server.js';
import { objectNotFound, validationError } from './errors.js';
import { objectJson, projectionFor, type ObjectJson } from './object-json.js';
import type { HubspotPortal } from './portal.js';
import { OBJECT_TYPES, objectTypeOf, type ObjectType } from './properties.js';
import { SearchLimiter, rateLimited } from './rate-limit-response.js';
import { runSearch, searchRequestSchema } from './search.js';
import { ASSOCIATION_TYPE_IDS } from './associations.js';

/**
 * The HubSpot CRM API routes the simulator serves, with the endpoint names used in counters.
 * Paths and bodies are the ones @hubspot/api-client 13.5 sends (its codegen `apis/*.js`).
 */

export const BATCH_READ_LIMIT = 100;
export const ASSOCIATION_BATCH_LIMIT = 1_000;
export const PAGE_LIMIT = 100;

const scalarId = z.union([z.string().min(1), z.number()]).transform(String);

const batchReadBody = z.object({
  inputs: z.array(z.object({ id: scalarId })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().min(1).optional(),
});

const propertiesBody = z.object({
  properties: z.record(z.string(), z.unknown()),
});

const createBody = z.object({
  properties: z.record(z.string(), z.unknown()),
  associations: z
    .array(
      z.object({
        to: z.object({ id: scalarId }),
        types: z
          .array(
            z.object({
              associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']),
              associationTypeId: z.number().int(),
            }),
          )
          .min(1),
      }),
    )
    .optional(),
});

const associationsBody = z.object({
  inputs: z.array(z.object({ id: scalarId, after: z.string().optional() })),
});

/** Parses a body with zod; a mismatch answers HubSpot's 400 VALIDATION_ERROR listing the issues. */
function parseBody<T>(req: SimRequest, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(req.json());
  if (!parsed.success) {
    throw validationError(
      'Invalid input JSON: the request body does not match the expected shape.',
      parsed.error.issues.map((i) => ({ message: i.message, in: i.path.join('.') || 'body' })),
    );
  }
  return parsed.data;
}

function ok(body: unknown, status = 200): SimResponse {
  return { status, body };
}

function batchEnvelope(results: ObjectJson[] | unknown[], startedAt: string, errors: unknown[]): SimResponse {
  const completedAt = new Date().toISOString();
  if (errors.length === 0) return ok({ status: 'COMPLETE', results, startedAt, completedAt });
  return ok({ status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt, completedAt }, 207);
}

const SINGULAR: Record<ObjectType, string> = { contacts: 'CONTACT', deals: 'DEAL', calls: 'CALL' };

export interface HubspotRouteOptions {
  /** Search requests allowed per second (HubSpot: ~5 per token); undefined = unlimited. */
  searchPerSecond?: number;
  dailyLimit: number;
}

/** Adds the CRM routes to `router` (filled after the harness exists: the portal needs its delivery queue). */
export function addHubspotRoutes(
  router: Router<SimHandler>,
  portal: HubspotPortal,
  options: HubspotRouteOptions,
): Router<SimHandler> {
  const { store, schema } = portal;
  const searchLimiter = options.searchPerSecond === undefined ? undefined : new SearchLimiter(options.searchPerSecond);

  const batchRead =
    (type: ObjectType): SimHandler =>
    (req) => {
      const startedAt = new Date().toISOString();
      const body = parseBody(req, batchReadBody);
      req.setBatchSize(body.inputs.length);
      if (body.inputs.length > BATCH_READ_LIMIT) {
        throw validationError(
          `Too many inputs: ${body.inputs.length}. Batch requests accept at most ${BATCH_READ_LIMIT} inputs.`,
        );
      }
      const ids = body.inputs.map((i) => i.id);
      const seen = new Set<string>();
      const dupes = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
      if (dupes.length > 0) {
        throw validationError(
          `Duplicate IDs found in batch input: [${[...new Set(dupes)].join(', ')}]. IDs must be unique`,
        );
      }
      const lookup = idLookup(type, body.idProperty);
      const projection = projectionFor(schema, type, body.properties);
      const found = new Map<string, ObjectJson>();
      const missing: string[] = [];
      for (const id of ids) {
        const obj = lookup(id);
        if (obj) found.set(obj.id, objectJson(store, type, obj, projection));
        else missing.push(id);
      }
      // HubSpot does not answer in input order; ascending ids keep the answer deterministic.
      const results = [...found.values()].sort((a, b) => Number(a.id) - Number(b.id));
      const errors =
        missing.length === 0
          ? []
          : [
              {
                status: 'error',
                category: 'OBJECT_NOT_FOUND',
                message: `Could not get some ${SINGULAR[type]} objects, they may be deleted or not exist. Check that ids are valid.`,
                context: { ids: missing },
              },
            ];
      return batchEnvelope(results, startedAt, errors);
    };

  /** Resolves batch-read ids by record id, or by a unique property when `idProperty` is given. */
  function idLookup(type: ObjectType, idProperty: string | undefined) {
    if (!idProperty || idProperty === 'hs_object_id') return (id: string) => store.get(type, id);
    const def = schema.resolve(type, idProperty);
    const table = store.tables[type];
    if (!def || !(def.hasUniqueValue || (type === 'contacts' && def.name === 'email')) || !table.isIndexed(def.name)) {
      throw validationError(`idProperty "${idProperty}" is not a unique-value property of ${type}`);
    }
    return (value: string) => {
      const ids = table.lookup(def.name, value);
      const first = ids && ids.values().next();
      return first && !first.done ? store.get(type, first.value) : undefined;
    };
  }

  const search =
    (type: ObjectType): SimHandler =>
    (req) => {
      if (searchLimiter && !searchLimiter.take()) {
        throw rateLimited('SECONDLY', {
          intervalMs: 1_000,
          max: searchLimiter.perSecond,
          remaining: 0,
          dailyMax: options.dailyLimit,
          dailyRemaining: options.dailyLimit,
        });
      }
      const body = parseBody(req, searchRequestSchema);
      const page = runSearch(store, schema, type, body);
      const projection = projectionFor(schema, type, body.properties);
      return ok({
        total: page.total,
        results: page.objects.map((o) => objectJson(store, type, o, projection)),
        ...(page.nextAfter ? { paging: { next: { after: page.nextAfter } } } : {}),
      });
    };

  const getById =
    (type: ObjectType): SimHandler =>
    (req) => {
      const id = req.params.id;
      const idProperty = req.query.get('idProperty') ?? undefined;
      const obj = idLookup(type, idProperty)(id);
      if (!obj) throw objectNotFound(id);
      const out: ObjectJson & { associations?: unknown } = objectJson(
        store,
        type,
        obj,
        projectionFor(schema, type, listParam(req, 'properties')),
      );
      const associations = associationsOf(type, obj.id, listParam(req, 'associations'));
      if (associations) out.associations = associations;
      return ok(out);
    };

  const getPage =
    (type: ObjectType): SimHandler =>
    (req) => {
      const limit = req.query.has('limit') ? Number(req.query.get('limit')) : 10;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > PAGE_LIMIT) {
        throw validationError(`limit must be an integer between 1 and ${PAGE_LIMIT}`);
      }
      const afterParam = req.query.get('after');
      const after = afterParam === null || afterParam === '' ? 0 : Number(afterParam);
      if (!Number.isFinite(after))
        throw validationError(`after must be a numeric cursor, got ${JSON.stringify(afterParam)}`);
      const projection = projectionFor(schema, type, listParam(req, 'properties'));
      const wantAssoc = listParam(req, 'associations');
      const results: Array<ObjectJson & { associations?: unknown }> = [];
      let next: number | undefined;
      // Cursor = the next id to return (ids are numeric; tables iterate in ascending-id order).
      for (const obj of store.tables[type].valuesFrom(after)) {
        if (results.length === limit) {
          next = Number(obj.id);
          break;
        }
        const json: ObjectJson & { associations?: unknown } = objectJson(store, type, obj, projection);
        const associations = associationsOf(type, obj.id, wantAssoc);
        if (associations) json.associations = associations;
        results.push(json);
      }
      return ok({
        results,
        ...(next !== undefined ? { paging: { next: { after: String(next), link: `${req.path}?after=${next}` } } } : {}),
      });
    };

  /** `?associations=deals,calls` on reads: `{ deals: { results: [{ id, type }] } }`. */
  function associationsOf(type: ObjectType, id: string, wanted: string[] | undefined) {
    if (!wanted || wanted.length === 0) return undefined;
    const out: Record<string, { results: Array<{ id: string; type: string }> }> = {};
    for (const name of wanted.flatMap((w) => w.split(','))) {
      const toType = objectTypeOf(name.trim());
      if (!toType || toType === type) continue;
      const ids = [...store.associations.get(type, id, toType)];
      if (ids.length === 0) continue;
      const label = `${type.slice(0, -1)}_to_${toType.slice(0, -1)}`;
      out[toType] = { results: ids.map((i) => ({ id: i, type: label })) };
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  const update =
    (type: ObjectType): SimHandler =>
    (req) => {
      const body = parseBody(req, propertiesBody);
      const { obj } = portal.update(type, req.params.id, body.properties, 'INTEGRATION');
      const written = Object.keys(body.properties);
      return ok(objectJson(store, type, obj, projectionFor(schema, type, written)));
    };

  const create =
    (type: ObjectType): SimHandler =>
    (req) => {
      const body = parseBody(req, createBody);
      const associations = (body.associations ?? []).flatMap((a) =>
        a.types.map((t) => ({
          toType: associationTarget(type, t.associationTypeId),
          toId: a.to.id,
          typeId: t.associationTypeId,
        })),
      );
      const obj = portal.create(type, body.properties, associations);
      return ok(objectJson(store, type, obj, projectionFor(schema, type, Object.keys(body.properties))), 201);
    };

  /** Which object type an association type id from `type` points at (400 when none). */
  function associationTarget(type: ObjectType, typeId: number): ObjectType {
    for (const [key, id] of Object.entries(ASSOCIATION_TYPE_IDS)) {
      const [from, to] = key.split('->') as [ObjectType, ObjectType];
      if (from === type && id === typeId) return to;
    }
    throw validationError(`associationTypeId ${typeId} is not a valid association type from ${type}`);
  }

  const associationsBatchRead: SimHandler = (req) => {
    const startedAt = new Date().toISOString();
    const fromType = objectTypeOf(req.params.from);
    const toType = objectTypeOf(req.params.to);
    if (!fromType || !toType)
      throw validationError(`Unable to infer object type from: ${!fromType ? req.params.from : req.params.to}`);
    const body = parseBody(req, associationsBody);
    req.setBatchSize(body.inputs.length);
    if (body.inputs.length > ASSOCIATION_BATCH_LIMIT) {
      throw validationError(`Too many inputs: ${body.inputs.length}. The maximum is ${ASSOCIATION_BATCH_LIMIT}.`);
    }
    const typeId = ASSOCIATION_TYPE_IDS[`${fromType}->${toType}`];
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const { id } of body.inputs) {
      const ids = store.get(fromType, id) ? [...store.associations.get(fromType, id, toType)] : [];
      if (ids.length === 0) {
        // ⚠️ Shape of HubSpot's per-input "no associations" error as seen in community threads.
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          message: `No ${toType} is associated with ${fromType.slice(0, -1)} ${id}.`,
          context: { fromObjectId: [id], fromObjectType: [SINGULAR[fromType]], toObjectType: [SINGULAR[toType]] },
        });
        continue;
      }
      results.push({
        from: { id },
        to: ids.map((toId) => ({
          toObjectId: Number(toId),
          associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId, label: null }],
        })),
      });
    }
    return batchEnvelope(results, startedAt, errors);
  };

  const propertiesList: SimHandler = (req) => {
    const type = objectTypeOf(req.params.objectType);
    if (!type) throw validationError(`Unable to infer object type from: ${req.params.objectType}`);
    if (req.query.get('archived') === 'true') return ok({ results: [] });
    return ok({ results: schema.list(type) });
  };

  // Specific paths first: the router tries routes in order and `:id` would swallow `search`.
  router.add('GET', '/crm/v3/properties/:objectType', 'properties.list', propertiesList);
  router.add('POST', '/crm/v4/associations/:from/:to/batch/read', 'associations.batchRead', associationsBatchRead);
  for (const type of OBJECT_TYPES) {
    router.add('POST', `/crm/v3/objects/${type}/batch/read`, `${type}.batchRead`, batchRead(type));
    router.add('POST', `/crm/v3/objects/${type}/search`, `${type}.search`, search(type));
    router.add('GET', `/crm/v3/objects/${type}`, `${type}.page`, getPage(type));
    router.add('POST', `/crm/v3/objects/${type}`, `${type}.create`, create(type));
    router.add('GET', `/crm/v3/objects/${type}/:id`, `${type}.get`, getById(type));
    router.add('PATCH', `/crm/v3/objects/${type}/:id`, `${type}.update`, update(type));
  }
  return router;
}

/** Repeated (`properties=a&properties=b`) and comma-separated (`properties=a,b`) forms. */
function listParam(req: SimRequest, name: string): string[] | undefined {
  const all = req.query.getAll(name);
  if (all.length === 0) return undefined;
  return all
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}
