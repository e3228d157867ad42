import type { CrmConnector } from '../shared/crm/connector.js';
import { describeIssue, type OverrideIssue } from '../shared/crm/mapping-overrides.js';
import { ErrorCode, isDialplaneError } from '../shared/errors.js';

/**
 * The admin API's live check of mapping overrides (the connection store's `validateOverrides`
 * seam): the overrides against the account the connector reaches (built from the connection's
 * own credentials), answered as one entry per refused override (empty = valid). A CRM that cannot
 * answer throws (CrmCallError), so nothing is saved unchecked.
 */
export async function liveOverrideIssues(
  connector: Pick<CrmConnector, 'validateMappingOverrides'>,
  overrides: Readonly<Record<string, string>>,
): Promise<{ field: string; message: string; crmField: string; problem: string }[]> {
  if (Object.keys(overrides).length === 0 || !connector.validateMappingOverrides) return [];
  try {
    await connector.validateMappingOverrides(overrides);
    return [];
  } catch (error) {
    if (!isDialplaneError(error, ErrorCode.MAPPING_OVERRIDE_INVALID)) throw error;
    const issues = (error.context.issues ?? []) as OverrideIssue[];
    return issues.map((i) => ({ field: i.field, message: describeIssue(i), crmField: i.crmField, problem: i.problem }));
  }
}
