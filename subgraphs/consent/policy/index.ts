import { CompliancePolicySchema, type CompliancePolicy } from './policy-schema.js';
import { POLICY_2026_11 } from './policy-2026-11.js';

export { CALL_PURPOSES, CallPurpose, CompliancePolicySchema, type CompliancePolicy } from './policy-schema.js';

/** The policy in force: parsed once so a malformed data file stops start-up instead of a decision. */
export const currentPolicy: CompliancePolicy = CompliancePolicySchema.parse(POLICY_2026_11);
