import { z } from 'zod';

/** The call purposes the API accepts (CallPurpose in schema.graphql). */
export const CALL_PURPOSES = [
  'MARKETING',
  'INFORMATIONAL',
  'EMERGENCY',
  'HEALTHCARE_APPOINTMENT',
  'HEALTHCARE_WELLNESS',
  'HEALTHCARE_LAB_RESULTS',
  'HEALTHCARE_PRESCRIPTION',
  'HEALTHCARE_DISCHARGE',
  'HEALTHCARE_BILLING',
] as const;
export const CallPurpose = z.enum(CALL_PURPOSES);
export type CallPurpose = z.infer<typeof CallPurpose>;

const hhmm = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/);
const window = z.object({ start: hhmm, end: hhmm });
const cap = z.object({ max: z.number().int().min(0), windowHours: z.number().positive() });
const purposes = z.array(CallPurpose);

/** Schema every policy version is parsed with at start-up, so a typo in data fails loudly. */
export const CompliancePolicySchema = z.object({
  version: z.string().min(1),
  federalWindow: window,
  states: z.record(
    z.string().regex(/^[A-Z]{2}$/),
    z.object({
      window: window.optional(),
      cap: cap.optional(),
      noSunday: z.boolean().optional(),
      noHolidays: z.boolean().optional(),
      stateDnc: z.boolean().optional(),
      recordingAllParty: z.boolean().optional(),
      aiDisclosureLaw: z.boolean().optional(),
    }),
  ),
  holidays: z.record(z.string(), z.array(z.iso.date())),
  holidayYears: z.array(z.number().int()),
  dncMaxAgeDays: z.number().positive(),
  ebr: z.object({ purchaseMonths: z.number().int().positive(), inquiryMonths: z.number().int().positive() }),
  healthcare: z.object({ exemptPurposes: purposes, caps: z.array(cap) }),
  writtenEvidence: z.object({ required: z.array(z.string()), anyOf: z.array(z.array(z.string())) }),
  reassigned: z.object({ maxAgeDays: z.number().positive(), noDataDenies: z.boolean() }),
  purposes: z.object({
    consentRequired: purposes,
    writtenConsent: purposes,
    solicitation: purposes,
    internalDnc: purposes,
    dealClosed: purposes,
    callingHoursExempt: purposes,
    stateCaps: purposes,
    /** Purposes the known-litigator suppression list stops (policy 2026-12 on; absent before). */
    litigator: purposes.default([]),
  }),
  phiAllowedFields: z.partialRecord(CallPurpose, z.array(z.string())),
  retention: z.object({ consentYears: z.number(), internalDncYears: z.number(), auditYears: z.number() }),
  supportedCountries: z.array(z.string().length(2)),
  sellers: z.record(z.string(), z.object({ name: z.string(), hipaaCoveredEntity: z.boolean() })),
});
export type CompliancePolicy = z.infer<typeof CompliancePolicySchema>;
/** A policy data file, before parsing fills defaults. */
export type CompliancePolicyData = z.input<typeof CompliancePolicySchema>;
