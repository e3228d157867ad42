import type { CompliancePolicyData } from './policy-schema.js';

/**
 * Compliance thresholds as data (compliance-rules.md). Never edit a published version in place:
 * copy it to a new file with a new `version`, so every stored decision names the rules it applied.
 * Holiday lists are per calendar year; a year missing here makes day-restricted states deny with
 * STATE_DAY_RESTRICTED on any date that cannot be checked (see `holidayYears`).
 */
export const POLICY_2026_11: CompliancePolicyData = {
  version: 'us-tcpa-2026-11-25',
  // C1: 8:00-21:00 callee local time, applied to every non-emergency AI call.
  federalWindow: { start: '08:00', end: '21:00' },
  // C2: the stricter states; ⚠️ vendor tables for everything but FL/OK/MD.
  states: {
    FL: {
      window: { start: '08:00', end: '20:00' },
      cap: { max: 3, windowHours: 24 },
      stateDnc: true,
      recordingAllParty: true,
    },
    OK: { window: { start: '08:00', end: '20:00' }, cap: { max: 3, windowHours: 24 }, stateDnc: true },
    MD: { window: { start: '08:00', end: '20:00' }, cap: { max: 3, windowHours: 24 }, recordingAllParty: true },
    AL: { noSunday: true, noHolidays: true },
    LA: { noSunday: true, noHolidays: true, stateDnc: true },
    CT: { window: { start: '09:00', end: '20:00' }, recordingAllParty: true },
    KY: { window: { start: '10:00', end: '21:00' } },
    MA: { window: { start: '08:00', end: '20:00' }, stateDnc: true, recordingAllParty: true },
    MI: { window: { start: '09:00', end: '21:00' }, recordingAllParty: true },
    MN: { window: { start: '09:00', end: '21:00' } },
    MS: { noSunday: true },
    NV: { window: { start: '09:00', end: '20:00' }, recordingAllParty: true },
    // D3 state DNC lists.
    CO: { stateDnc: true },
    IN: { stateDnc: true },
    MO: { stateDnc: true },
    PA: { stateDnc: true, recordingAllParty: true },
    TN: { stateDnc: true },
    TX: { stateDnc: true },
    WY: { stateDnc: true },
    // F4 all-party recording states (CT, MI, OR are mixed: announce anyway).
    CA: { recordingAllParty: true, aiDisclosureLaw: true },
    DE: { recordingAllParty: true },
    IL: { recordingAllParty: true },
    MT: { recordingAllParty: true },
    NH: { recordingAllParty: true },
    WA: { recordingAllParty: true },
    OR: { recordingAllParty: true },
    UT: { aiDisclosureLaw: true },
  },
  // State holidays for the day-restricted states (AL, LA), ISO dates, local calendar.
  holidays: {
    AL: [
      '2025-01-01',
      '2025-01-20',
      '2025-02-17',
      '2025-04-28',
      '2025-05-26',
      '2025-06-02',
      '2025-06-19',
      '2025-07-04',
      '2025-09-01',
      '2025-10-13',
      '2025-11-11',
      '2025-11-27',
      '2025-12-25',
      '2026-01-01',
      '2026-01-19',
      '2026-02-16',
      '2026-04-27',
      '2026-05-25',
      '2026-06-01',
      '2026-06-19',
      '2026-07-03',
      '2026-09-07',
      '2026-10-12',
      '2026-11-11',
      '2026-11-26',
      '2026-12-25',
      '2027-01-01',
      '2027-01-18',
      '2027-02-15',
      '2027-04-26',
      '2027-05-31',
      '2027-06-07',
      '2027-06-18',
      '2027-07-05',
      '2027-09-06',
      '2027-10-11',
      '2027-11-11',
      '2027-11-25',
      '2027-12-24',
    ],
    LA: [
      '2025-01-01',
      '2025-01-20',
      '2025-03-04',
      '2025-04-18',
      '2025-07-04',
      '2025-09-01',
      '2025-11-11',
      '2025-11-27',
      '2025-12-25',
      '2026-01-01',
      '2026-01-19',
      '2026-02-17',
      '2026-04-03',
      '2026-07-03',
      '2026-09-07',
      '2026-11-11',
      '2026-11-26',
      '2026-12-25',
      '2027-01-01',
      '2027-01-18',
      '2027-02-09',
      '2027-03-26',
      '2027-07-05',
      '2027-09-06',
      '2027-11-11',
      '2027-11-25',
      '2027-12-24',
    ],
  },
  holidayYears: [2025, 2026, 2027],
  // D1: safe harbor needs registry data scrubbed at most 31 days before the call.
  dncMaxAgeDays: 31,
  // D1: established business relationship periods; they lift NATIONAL_DNC / STATE_DNC only, never
  // the consent an artificial-voice marketing call needs (A2).
  ebr: { purchaseMonths: 18, inquiryMonths: 3 },
  // G1: exempt healthcare calls, counted rolling in UTC.
  healthcare: {
    exemptPurposes: [
      'HEALTHCARE_APPOINTMENT',
      'HEALTHCARE_WELLNESS',
      'HEALTHCARE_LAB_RESULTS',
      'HEALTHCARE_PRESCRIPTION',
      'HEALTHCARE_DISCHARGE',
    ],
    caps: [
      { max: 1, windowHours: 24 },
      { max: 3, windowHours: 24 * 7 },
    ],
  },
  // A4 evidence a written grant must carry (at least one of each `anyOf` group).
  writtenEvidence: {
    required: ['source', 'disclosureVersion', 'disclosureHash', 'signatureMethod'],
    anyOf: [['ipAddress', 'recordingRef', 'formRef']],
  },
  // E1: how long a reassigned-number answer is trusted, and whether "no data" denies.
  reassigned: { maxAgeDays: 30, noDataDenies: true },
  // Purposes each rule applies to.
  purposes: {
    // A1: every AI call needs consent unless an emergency; G1's exemption lifts it case by case.
    consentRequired: [
      'MARKETING',
      'INFORMATIONAL',
      'HEALTHCARE_APPOINTMENT',
      'HEALTHCARE_WELLNESS',
      'HEALTHCARE_LAB_RESULTS',
      'HEALTHCARE_PRESCRIPTION',
      'HEALTHCARE_DISCHARGE',
      'HEALTHCARE_BILLING',
    ],
    writtenConsent: ['MARKETING'],
    solicitation: ['MARKETING'],
    internalDnc: [
      'MARKETING',
      'INFORMATIONAL',
      'HEALTHCARE_BILLING',
      'HEALTHCARE_APPOINTMENT',
      'HEALTHCARE_WELLNESS',
      'HEALTHCARE_LAB_RESULTS',
      'HEALTHCARE_PRESCRIPTION',
      'HEALTHCARE_DISCHARGE',
    ],
    dealClosed: ['MARKETING'],
    // C2: the FL/OK/MD caps count commercial solicitations on one subject.
    stateCaps: ['MARKETING'],
    callingHoursExempt: ['EMERGENCY'],
  },
  // G2 minimum necessary: PHI fields a call of each healthcare purpose may use.
  phiAllowedFields: {
    HEALTHCARE_APPOINTMENT: ['firstName', 'appointmentAt', 'providerName', 'location'],
    HEALTHCARE_WELLNESS: ['firstName', 'programName'],
    HEALTHCARE_LAB_RESULTS: ['firstName', 'resultsReady'],
    HEALTHCARE_PRESCRIPTION: ['firstName', 'refillDue', 'pharmacyName'],
    HEALTHCARE_DISCHARGE: ['firstName', 'dischargeDate', 'followUpAt'],
    HEALTHCARE_BILLING: ['firstName', 'balanceDue'],
  },
  retention: { consentYears: 5, internalDncYears: 5, auditYears: 6 },
  // Non-US NANP numbers (Canada, Caribbean) are another jurisdiction.
  supportedCountries: ['US'],
  // Sellers known to the policy: HIPAA status decides the healthcare exemption (G1).
  sellers: {
    'acme-health': { name: 'Acme Health', hipaaCoveredEntity: true },
  },
};
