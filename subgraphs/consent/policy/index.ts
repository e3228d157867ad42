import { CompliancePolicySchema, type CompliancePolicy } from './policy-schema.js';
import { POLICY_2026_12 } from './policy-2026-12.js';
import { AREA_CODE_ZONES_2026_12 } from './area-code-zones-2026-12.js';
import { AreaCodeZoneTableSchema, type AreaCodeZoneTable } from './area-code-zones-schema.js';
import { isValidZone } from '../decision/zoned-time.js';

export type { AreaCodeZoneTable } from './area-code-zones-schema.js';
export {
  CALL_PURPOSES,
  CallPurpose,
  CompliancePolicySchema,
  type CompliancePolicy,
  type CompliancePolicyData,
} from './policy-schema.js';

/** The policy in force: parsed once so a malformed data file stops start-up instead of a decision. */
export const currentPolicy: CompliancePolicy = CompliancePolicySchema.parse(POLICY_2026_12);

/** The split-zone area-code table in force (C3); every zone must be one the runtime's tz data knows. */
export const currentAreaCodeZones: AreaCodeZoneTable = AreaCodeZoneTableSchema.superRefine((table, ctx) => {
  for (const [code, row] of Object.entries(table.areaCodes)) {
    for (const zone of [...row.zones, ...Object.values(row.exchanges ?? {}).flat()]) {
      if (!isValidZone(zone))
        ctx.addIssue({ code: 'custom', path: ['areaCodes', code], message: `unknown IANA zone ${zone}` });
    }
  }
}).parse(AREA_CODE_ZONES_2026_12);
