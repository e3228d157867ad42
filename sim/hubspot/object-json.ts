import { ALWAYS_RETURNED, DEFAULT_RETURNED, SYSTEM_DATES, type ObjectType } from './properties.js';
import type { PropertySchema } from './property-schema.js';
import type { HubspotStore, StoredObject } from './store.js';

/** HubSpot's SimplePublicObject JSON. */
export interface ObjectJson {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** [api name, internal name] pairs a read returns; built once per request, reused per record. */
export type Projection = ReadonlyArray<readonly [apiName: string, internalName: string]>;

/**
 * Which properties a read returns: the ones asked for (unknown and drifted names silently
 * omitted, as HubSpot does) or the type's defaults, plus the ones HubSpot always includes.
 */
export function projectionFor(
  schema: PropertySchema,
  type: ObjectType,
  requested: readonly string[] | undefined,
): Projection {
  const names = requested && requested.length > 0 ? requested : DEFAULT_RETURNED[type];
  const out = new Map<string, string>();
  for (const apiName of names) {
    const def = schema.resolve(type, apiName);
    if (def) out.set(apiName, def.name);
  }
  for (const internal of ALWAYS_RETURNED[type]) {
    const apiName = schema.apiName(type, internal);
    if (apiName && !out.has(apiName)) out.set(apiName, internal);
  }
  return [...out];
}

/** The current value of an internal property, derived ones included; null when unset. */
export function propertyValue(
  store: HubspotStore,
  type: ObjectType,
  obj: StoredObject,
  internalName: string,
): string | null {
  const stored = obj.props[internalName];
  if (stored !== undefined) return stored;
  if (internalName === 'hs_object_id') return obj.id;
  const dates = SYSTEM_DATES[type];
  if (internalName === dates.created) return new Date(obj.createdAt).toISOString();
  if (internalName === dates.modified) return new Date(obj.updatedAt).toISOString();
  if (type === 'contacts' && internalName === 'num_associated_deals')
    return String(store.associations.get('contacts', obj.id, 'deals').size);
  return null;
}

export function objectJson(
  store: HubspotStore,
  type: ObjectType,
  obj: StoredObject,
  projection: Projection,
): ObjectJson {
  const properties: Record<string, string | null> = {};
  for (const [apiName, internal] of projection) properties[apiName] = propertyValue(store, type, obj, internal);
  return {
    id: obj.id,
    properties,
    createdAt: new Date(obj.createdAt).toISOString(),
    updatedAt: new Date(obj.updatedAt).toISOString(),
    archived: false,
  };
}
