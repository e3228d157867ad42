import { soapType } from './schema.js';
import type { ObjectView } from './schema-view.js';

function urls(version: string, name: string) {
  const base = `/services/data/${version}/sobjects/${name}`;
  return {
    compactLayouts: `${base}/describe/compactLayouts`,
    rowTemplate: `${base}/{ID}`,
    defaultValues: `${base}/defaultValues?recordTypeId&fields`,
    describe: `${base}/describe`,
    sobject: base,
  };
}

function summary(view: ObjectView, version: string) {
  const d = view.def;
  return {
    activateable: false,
    createable: true,
    custom: false,
    customSetting: false,
    deletable: true,
    deprecatedAndHidden: false,
    feedEnabled: true,
    keyPrefix: d.keyPrefix,
    label: d.label,
    labelPlural: d.labelPlural,
    layoutable: true,
    mergeable: d.name === 'Contact',
    mruEnabled: true,
    name: d.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: true,
    updateable: true,
    urls: urls(version, d.name),
  };
}

/** `GET /sobjects` */
export function describeGlobal(views: ObjectView[], version: string) {
  return { encoding: 'UTF-8', maxBatchSize: 200, sobjects: views.map((v) => summary(v, version)) };
}

/** `GET /sobjects/{type}` */
export function sobjectBasicInfo(view: ObjectView, version: string) {
  return { objectDescribe: summary(view, version), recentItems: [] };
}

/** `GET /sobjects/{type}/describe` — field names after drift. */
export function describeSObject(view: ObjectView, version: string) {
  return {
    ...summary(view, version),
    childRelationships: view.def.childRelationships.map((r) => ({
      cascadeDelete: false,
      childSObject: r.childSObject,
      deprecatedAndHidden: false,
      field: r.field,
      relationshipName: r.relationshipName,
      restrictedDelete: false,
    })),
    fields: view.fields.map(({ apiName, def }) => ({
      aggregatable: def.type !== 'textarea',
      autoNumber: false,
      byteLength: (def.length ?? 0) * 3,
      calculated: false,
      caseSensitive: false,
      createable: def.createable,
      custom: def.custom,
      defaultedOnCreate: def.type === 'boolean' || def.name === 'OwnerId' || def.calculated === true,
      externalId: def.externalId,
      filterable: def.type !== 'textarea' || def.length! <= 255,
      groupable: def.type !== 'textarea' && def.type !== 'double' && def.type !== 'currency',
      idLookup: def.name === 'Id' || def.externalId,
      label: def.label,
      length: def.length ?? 0,
      name: apiName,
      nameField: def.name === 'Name',
      nillable: def.nillable,
      permissionable: def.nillable && !def.calculated,
      picklistValues: (def.picklist ?? []).map((value, i) => ({
        active: true,
        defaultValue: i === 0 && def.name === 'Status',
        label: value,
        validFor: null,
        value,
      })),
      precision: def.type === 'currency' ? 18 : def.type === 'double' || def.type === 'percent' ? 18 : 0,
      referenceTo: def.referenceTo ?? [],
      relationshipName: def.relationshipName ?? null,
      restrictedPicklist: false,
      scale: def.type === 'currency' || def.type === 'double' ? 2 : 0,
      soapType: soapType(def.type),
      sortable: def.type !== 'textarea',
      type: def.type,
      unique: def.unique,
      updateable: def.updateable,
    })),
    recordTypeInfos: [
      {
        active: true,
        available: true,
        defaultRecordTypeMapping: true,
        developerName: 'Master',
        master: true,
        name: 'Master',
        recordTypeId: '012000000000000AAA',
        urls: { layout: `/services/data/${version}/sobjects/${view.def.name}/describe/layouts/012000000000000AAA` },
      },
    ],
  };
}
