import type { DriftRule } from '../common/admin-schemas.js';
import { SOBJECTS, type FieldDef, type SObjectDef } from './schema.js';

export interface ApiField {
  /** Name the API shows (differs from def.name after a rename drift). */
  apiName: string;
  def: FieldDef;
}

export interface ObjectView {
  def: SObjectDef;
  fields: ApiField[];
  /** lower-case API name -> field */
  byApiName: Map<string, ApiField>;
  /** internal name -> field (absent when removed by drift) */
  byInternal: Map<string, ApiField>;
}

/**
 * One simulator instance's view of its schema with the drift rules applied: the seed keeps
 * storing values under the original names, and every API surface goes through this view, so a
 * renamed field answers under its new name only and a removed one disappears everywhere.
 */
export class SchemaView {
  private readonly objects: Map<string, SObjectDef>;
  private views = new Map<string, ObjectView>();

  constructor() {
    this.objects = new Map(
      Object.values(SOBJECTS).map((o) => [o.name, { ...o, fields: o.fields.map((fd) => ({ ...fd })) }]),
    );
    this.apply([]);
  }

  /** Registers a field met in seed data but not in the standard schema (e.g. a custom `__c`). */
  addField(objectName: string, def: FieldDef): void {
    const obj = this.objects.get(objectName);
    if (!obj || obj.fields.some((x) => x.name === def.name)) return;
    obj.fields.push(def);
  }

  apply(rules: readonly DriftRule[]): void {
    const views = new Map<string, ObjectView>();
    for (const def of this.objects.values()) {
      const fields: ApiField[] = [];
      for (const fd of def.fields) {
        const rule = rules.find(
          (r) => r.object.toLowerCase() === def.name.toLowerCase() && r.field.toLowerCase() === fd.name.toLowerCase(),
        );
        if (rule?.action === 'remove') continue;
        fields.push({ apiName: rule?.action === 'rename' && rule.to ? rule.to : fd.name, def: fd });
      }
      views.set(def.name.toLowerCase(), {
        def,
        fields,
        byApiName: new Map(fields.map((x) => [x.apiName.toLowerCase(), x])),
        byInternal: new Map(fields.map((x) => [x.def.name, x])),
      });
    }
    this.views = views;
  }

  object(name: string): ObjectView | undefined {
    return this.views.get(name.toLowerCase());
  }

  objectByPrefix(prefix: string): ObjectView | undefined {
    for (const v of this.views.values()) if (v.def.keyPrefix === prefix) return v;
    return undefined;
  }

  allObjects(): ObjectView[] {
    return [...this.views.values()];
  }
}
