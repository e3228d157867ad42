import type { DriftRule } from '../common/admin-schemas.js';
import {
  OBJECT_TYPES,
  PROPERTY_DEFINITIONS,
  objectTypeOf,
  propertyJson,
  type ObjectType,
  type PropertyDefinition,
  type PropertyJson,
} from './properties.js';

/**
 * The portal's property schema as the API currently exposes it, with schema drift applied.
 * Records are always stored under the original (internal) property names; drift only changes the
 * names the API speaks: a renamed property answers to its new name only, a removed one to none.
 * So reads of a drifted name are silently omitted and writes to it fail as unknown, as in HubSpot.
 */
export class PropertySchema {
  private byExternal = new Map<ObjectType, Map<string, PropertyDefinition>>();
  private externalOf = new Map<ObjectType, Map<string, string>>();

  /** `extra`: the portal's own custom properties, beside the standard ones. */
  constructor(extra: Partial<Record<ObjectType, readonly PropertyDefinition[]>> = {}) {
    this.defs = Object.fromEntries(
      OBJECT_TYPES.map((t) => [t, [...PROPERTY_DEFINITIONS[t], ...(extra[t] ?? [])]]),
    ) as unknown as Record<ObjectType, readonly PropertyDefinition[]>;
    this.apply([]);
  }

  private readonly defs: Record<ObjectType, readonly PropertyDefinition[]>;

  /** Every property definition of `type` in this portal (standard and custom), drift not applied. */
  definitions(type: ObjectType): readonly PropertyDefinition[] {
    return this.defs[type];
  }

  /**
   * Applies the whole drift list (the admin API keeps it); returns why rules could not apply,
   * with the index of each in `rules`.
   */
  apply(rules: readonly DriftRule[]): Array<{ index: number; reason: string }> {
    const rejected: Array<{ index: number; reason: string }> = [];
    const renames = new Map<ObjectType, Map<string, string | null>>();
    const ruleIndex = new Map<string, number>();
    rules.forEach((rule, index) => {
      const type = objectTypeOf(rule.object);
      const def = type && this.defs[type].find((d) => d.name === rule.field);
      if (!type || !def) {
        rejected.push({ index, reason: `${rule.object}.${rule.field}: no such HubSpot object/property` });
        return;
      }
      ruleIndex.set(`${type}.${rule.field}`, index);
      const perType = renames.get(type) ?? new Map<string, string | null>();
      perType.set(rule.field, rule.action === 'remove' ? null : rule.to!);
      renames.set(type, perType);
    });
    for (const type of OBJECT_TYPES) {
      const byExternal = new Map<string, PropertyDefinition>();
      const externalOf = new Map<string, string>();
      const drift = renames.get(type);
      for (const def of this.defs[type]) {
        const external = drift?.has(def.name) ? drift.get(def.name)! : def.name;
        if (external === null) continue;
        if (byExternal.has(external)) {
          rejected.push({
            index: ruleIndex.get(`${type}.${def.name}`) ?? -1,
            reason: `${type}.${def.name}: renaming to ${external} clashes with an existing property`,
          });
          // A refused rename leaves the property as it was.
          if (!byExternal.has(def.name)) {
            byExternal.set(def.name, def);
            externalOf.set(def.name, def.name);
          }
          continue;
        }
        byExternal.set(external, def);
        externalOf.set(def.name, external);
      }
      this.byExternal.set(type, byExternal);
      this.externalOf.set(type, externalOf);
    }
    return rejected;
  }

  /** The definition an API name refers to now, or undefined (unknown, removed, or renamed away). */
  resolve(type: ObjectType, apiName: string): PropertyDefinition | undefined {
    return this.byExternal.get(type)!.get(apiName);
  }

  /** The API name of an internal property now, or undefined when drift removed it. */
  apiName(type: ObjectType, internalName: string): string | undefined {
    return this.externalOf.get(type)!.get(internalName);
  }

  list(type: ObjectType): PropertyJson[] {
    const out: PropertyJson[] = [];
    for (const [name, def] of this.byExternal.get(type)!) out.push(propertyJson(def, name));
    return out;
  }
}
