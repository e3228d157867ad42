import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../errors.js';
import type { DealStage } from './connector.js';

/**
 * Field-mapping overrides of one connection (issue 15): which CRM field feeds a canonical field
 * instead of the code's default, because every org names its do-not-call, consent, phone and
 * time-zone fields differently, and every pipeline its stages.
 *
 * A connection stores them as a flat map (CrmConnection.mappingOverrides), canonical path → CRM
 * field:
 *
 *   { "suppression.doNotCall": "Do_Not_Call__c",
 *     "openDeal.stage": "Sales_Stage__c",
 *     "openDeal.stage.values.Demo Booked": "DISCOVERY" }
 *
 * `openDeal.stage.values.<CRM value>` is the value map of the deal stage (which canonical stage a
 * CRM stage value means; the intent stage follows from it). Which paths a CRM lets override, on
 * which object and with which field types, is the CRM's `OverridableField` list
 * (crm/<name>/mapping-overrides.ts). This module is pure: parsing, validation against a live
 * schema the caller fetched, and the fingerprint that keeps caches apart.
 */

/** One canonical field a connection may feed from another CRM field. */
export interface OverridableField {
  /** Canonical path (`suppression.doNotCall`, `phones.mobile`, `timeZone`, `openDeal.stage`). */
  readonly path: string;
  /** CRM object holding the field (`Contact`, `contacts`, `Opportunity`, `deals`). */
  readonly object: string;
  /** The field the code's mapping reads by default; null when the CRM has none (Salesforce time zone). */
  readonly defaultField: string | null;
  /** Field types (describe `type` / property `type`) whose values the mapping can read for this path. */
  readonly types: readonly string[];
}

/** The stage value map's key prefix: `openDeal.stage.values.<CRM value>` → canonical deal stage. */
export const STAGE_VALUES_PREFIX = 'openDeal.stage.values.';

export const DEAL_STAGES: readonly DealStage[] = [
  'QUALIFICATION',
  'DISCOVERY',
  'PROPOSAL',
  'NEGOTIATION',
  'CLOSED_WON',
  'CLOSED_LOST',
  'OTHER',
];

/** Overrides parsed: fields by canonical path, and the deal-stage value map. */
export interface ParsedOverrides {
  /** Canonical path → CRM field, only for paths the connection overrides. */
  readonly fields: ReadonlyMap<string, string>;
  /** CRM stage value → canonical deal stage (added to, and winning over, the code's stage map). */
  readonly stageValues: ReadonlyMap<string, DealStage>;
}

export const NO_OVERRIDES: ParsedOverrides = { fields: new Map(), stageValues: new Map() };

/** Why an override was refused; `field` is the canonical path, `crmField` the CRM field it named. */
export type OverrideProblem =
  | 'unknown_canonical_field'
  | 'invalid_field_name'
  | 'unknown_stage'
  | 'missing'
  | 'wrong_type'
  | 'unknown_value';

export interface OverrideIssue {
  field: string;
  crmField: string;
  problem: OverrideProblem;
  expected?: string;
  actual?: string;
}

/** A field of the account's live schema (Salesforce describe field, HubSpot property). */
export interface LiveField {
  name: string;
  type: string;
  /** Active picklist / enumeration values, when the field has them. */
  values?: readonly string[];
}

/** The account's live schema per object, as the caller fetched it (describe / properties API). */
export type LiveSchema = ReadonlyMap<string, readonly LiveField[]>;

/** CRM field names: API names of letters, digits and `_` (Salesforce `Do_Not_Call__c`, HubSpot `do_not_call`). */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

/** One issue in words, naming the canonical field and the CRM field (no values beyond the names). */
export function describeIssue(i: OverrideIssue): string {
  switch (i.problem) {
    case 'unknown_canonical_field':
      return `${i.field} cannot be overridden (${i.expected})`;
    case 'invalid_field_name':
      return `${i.field}: "${i.crmField}" is not a field name`;
    case 'unknown_stage':
      return `${i.field}: "${i.actual}" is not a deal stage (${i.expected})`;
    case 'missing':
      return `${i.field}: ${i.crmField} does not exist in the account`;
    case 'wrong_type':
      return `${i.field}: ${i.crmField} is of type ${i.actual}, expected ${i.expected}`;
    case 'unknown_value':
      return `${i.field}: "${i.actual}" is not a value of ${i.crmField}`;
  }
}

/**
 * The typed refusal of a connection's overrides: MAPPING_OVERRIDE_INVALID naming the first
 * offending canonical field and CRM field (`field`, `crmField`, `problem`), every issue in `issues`.
 */
export function mappingOverrideError(issues: readonly OverrideIssue[]): DialplaneError {
  const first = issues[0]!;
  return new DialplaneError(ErrorCode.MAPPING_OVERRIDE_INVALID, describeIssue(first), {
    field: first.field,
    crmField: first.crmField,
    problem: first.problem,
    ...(first.expected === undefined ? {} : { expected: first.expected }),
    ...(first.actual === undefined ? {} : { actual: first.actual }),
    issues,
  });
}

/** Checks the shape of the overrides (paths the CRM allows, field names, stage values); no CRM call. */
export function overrideShapeIssues(
  raw: Readonly<Record<string, string>>,
  overridable: readonly OverridableField[],
): OverrideIssue[] {
  const issues: OverrideIssue[] = [];
  const allowed = overridable.map((o) => o.path);
  for (const [path, value] of Object.entries(raw)) {
    if (path.startsWith(STAGE_VALUES_PREFIX)) {
      const crmValue = path.slice(STAGE_VALUES_PREFIX.length);
      if (crmValue.trim() === '' || !allowed.includes('openDeal.stage'))
        issues.push({
          field: path,
          crmField: crmValue,
          problem: 'unknown_canonical_field',
          expected: 'openDeal.stage.values.<CRM stage value>',
        });
      else if (!(DEAL_STAGES as readonly string[]).includes(value))
        issues.push({
          field: path,
          crmField: crmValue,
          problem: 'unknown_stage',
          expected: DEAL_STAGES.join('|'),
          actual: value,
        });
      continue;
    }
    const spec = overridable.find((o) => o.path === path);
    if (!spec) {
      issues.push({ field: path, crmField: value, problem: 'unknown_canonical_field', expected: allowed.join(', ') });
      continue;
    }
    if (!FIELD_NAME.test(value)) issues.push({ field: path, crmField: value, problem: 'invalid_field_name' });
  }
  return issues;
}

/** Parses overrides whose shape is valid (throws MAPPING_OVERRIDE_INVALID otherwise). */
export function parseMappingOverrides(
  raw: Readonly<Record<string, string>>,
  overridable: readonly OverridableField[],
): ParsedOverrides {
  if (Object.keys(raw).length === 0) return NO_OVERRIDES;
  const issues = overrideShapeIssues(raw, overridable);
  if (issues.length > 0) throw mappingOverrideError(issues);
  const fields = new Map<string, string>();
  const stageValues = new Map<string, DealStage>();
  for (const [path, value] of Object.entries(raw)) {
    if (path.startsWith(STAGE_VALUES_PREFIX))
      stageValues.set(path.slice(STAGE_VALUES_PREFIX.length), value as DealStage);
    else fields.set(path, value);
  }
  return { fields, stageValues };
}

/**
 * Checks overrides against the account's live schema before they are saved: each named field must
 * exist on its object with a type the mapping reads for that path, and each stage value of the
 * value map must be a value of the stage field when that field is a picklist. Answers every issue
 * (empty = valid); the caller throws `mappingOverrideError(issues)`.
 */
export function overrideLiveIssues(
  raw: Readonly<Record<string, string>>,
  overridable: readonly OverridableField[],
  live: LiveSchema,
): OverrideIssue[] {
  const shape = overrideShapeIssues(raw, overridable);
  if (shape.length > 0) return shape;
  const issues: OverrideIssue[] = [];
  const find = (object: string, name: string) =>
    live.get(object)?.find((f) => f.name.toLowerCase() === name.toLowerCase());
  for (const [path, crmField] of Object.entries(raw)) {
    if (path.startsWith(STAGE_VALUES_PREFIX)) continue;
    const spec = overridable.find((o) => o.path === path)!;
    const field = find(spec.object, crmField);
    const named = `${spec.object}.${crmField}`;
    if (!field) issues.push({ field: path, crmField: named, problem: 'missing', expected: spec.types.join('|') });
    else if (!spec.types.includes(field.type))
      issues.push({
        field: path,
        crmField: named,
        problem: 'wrong_type',
        expected: spec.types.join('|'),
        actual: field.type,
      });
  }
  const stageSpec = overridable.find((o) => o.path === 'openDeal.stage');
  const stageFieldName = raw['openDeal.stage'] ?? stageSpec?.defaultField;
  const stageField = stageSpec && stageFieldName ? find(stageSpec.object, stageFieldName) : undefined;
  if (stageSpec && stageField?.values && stageField.values.length > 0) {
    for (const path of Object.keys(raw)) {
      if (!path.startsWith(STAGE_VALUES_PREFIX)) continue;
      const crmValue = path.slice(STAGE_VALUES_PREFIX.length);
      if (!stageField.values.includes(crmValue))
        issues.push({
          field: path,
          crmField: `${stageSpec.object}.${stageField.name}`,
          problem: 'unknown_value',
          actual: crmValue,
        });
    }
  }
  return issues;
}

/**
 * A short, stable fingerprint of the overrides (order of keys does not matter), appended to the
 * mapping version (`salesforce@2+3fa9c1d2`) so a cache namespace never mixes two mappings.
 * Empty overrides have none: the version stays the code's.
 */
export function overridesFingerprint(raw: Readonly<Record<string, string>>): string | null {
  const keys = Object.keys(raw).sort();
  if (keys.length === 0) return null;
  const canonical = JSON.stringify(keys.map((k) => [k, raw[k]]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

/** The mapping version of a connection: the code's version, plus the overrides' fingerprint when it has any. */
export function mappingVersionWith(base: string, raw: Readonly<Record<string, string>>): string {
  const print = overridesFingerprint(raw);
  return print ? `${base}+${print}` : base;
}

/**
 * The deployment connection's overrides from env (`SALESFORCE_MAPPING_OVERRIDES`,
 * `HUBSPOT_MAPPING_OVERRIDES`): a JSON object, canonical path → CRM field; unset = none. Their
 * meaning is checked when the connector is built (MAPPING_OVERRIDE_INVALID stops the start).
 */
export const mappingOverridesEnv = z
  .string()
  .default('{}')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON object: {"<canonical path>": "<CRM field>"}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.string()));

/** The env variable holding a CRM's deployment overrides (`SALESFORCE_MAPPING_OVERRIDES`). */
export function mappingOverridesEnvName(crm: string): string {
  return `${crm.toUpperCase()}_MAPPING_OVERRIDES`;
}
