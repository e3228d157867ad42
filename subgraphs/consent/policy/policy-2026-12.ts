import { POLICY_2026_11 } from './policy-2026-11.js';
import type { CompliancePolicyData } from './policy-schema.js';

/**
 * 2026-12: 2026-11 plus the known-litigator suppression list (issue 11). Compliance vendors scrub
 * serial TCPA plaintiffs before every campaign; a number on the imported litigator list denies
 * every call that needs consent or honours internal DNC, with its own code (KNOWN_LITIGATOR), so
 * the reason is visible and the list can be audited apart from do-not-call requests.
 */
export const POLICY_2026_12: CompliancePolicyData = {
  ...POLICY_2026_11,
  version: 'us-tcpa-2026-12-05',
  purposes: {
    ...POLICY_2026_11.purposes,
    litigator: [
      'MARKETING',
      'INFORMATIONAL',
      'HEALTHCARE_BILLING',
      'HEALTHCARE_APPOINTMENT',
      'HEALTHCARE_WELLNESS',
      'HEALTHCARE_LAB_RESULTS',
      'HEALTHCARE_PRESCRIPTION',
      'HEALTHCARE_DISCHARGE',
    ],
  },
};
