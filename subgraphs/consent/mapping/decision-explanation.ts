import { z } from 'zod';
import { explainDecision, type RuleCheck } from '../decision/explain.js';
import { CallPurpose, type CompliancePolicy } from '../policy/index.js';
import type { AuditRow } from '../store/audit.js';

/**
 * AuditRecord.explanation: a decision row (DECISION, AUTHORIZE) read back from the audit log and
 * explained rule by rule (decision/explain.ts). The stored evidence is parsed leniently (rows
 * written by older versions may lack fields); other rows have no explanation.
 */

const DECISION_ACTIONS = new Set(['DECISION', 'AUTHORIZE']);

const StoredEvidence = z
  .object({
    zones: z.array(z.string()).optional(),
    states: z.array(z.string()).optional(),
    zoneData: z.string().nullable().optional(),
    grantSeq: z.number().nullable().optional(),
    revocationSeq: z.number().nullable().optional(),
    suppressionLists: z.array(z.object({ list: z.string(), downloadedAt: z.string().nullable() })).optional(),
    reassigned: z
      .object({ result: z.string(), version: z.string(), checkedAt: z.string(), consentDate: z.string() })
      .nullable()
      .optional(),
    attemptsCounted: z.number().optional(),
    exemption: z.enum(['HEALTHCARE', 'EMERGENCY']).nullable().optional(),
  })
  .loose();

export function explanationOf(row: AuditRow, policy: CompliancePolicy): RuleCheck[] | null {
  if (!DECISION_ACTIONS.has(row.action) || !row.reasons) return null;
  const purpose = CallPurpose.safeParse(row.purpose);
  if (!purpose.success) return null;
  const evidence = StoredEvidence.safeParse(row.detail?.evidence ?? {});
  return explainDecision({
    purpose: purpose.data,
    reasons: row.reasons,
    evidence: evidence.success ? evidence.data : {},
    policy,
  });
}
