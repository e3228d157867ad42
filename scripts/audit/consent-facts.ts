import type { Queryable } from '../../shared/db.js';
import { NO_FACTS, type NumberFacts } from './analysis/contact-findings.js';

/**
 * Bulk reads of what the consent store knows about a page of numbers: the ledger (grants and
 * revocations), the internal do-not-call list, the registry mirror (national, state) with the
 * date of the data each listing came from, and the newest reassigned-number check. Four indexed
 * `= ANY($1)` queries per page, whatever its size.
 */

interface LedgerRow {
  seq: number;
  e164: string;
  kind: 'GRANT' | 'REVOCATION';
  occurred_at: Date | string;
  source: string | null;
  purposes: string[] | null;
  evidence: unknown;
}
interface DncRow {
  e164: string;
  added_at: Date | string;
  source: string;
}
interface RegistryRow {
  e164: string;
  list: string;
  downloaded_at: Date | string | null;
}
interface ReassignedRow {
  e164: string;
  result: 'YES' | 'NO' | 'NO_DATA';
  checked_at: Date | string;
}

const hasEvidence = (evidence: unknown): boolean =>
  evidence !== null &&
  evidence !== undefined &&
  !(typeof evidence === 'object' && Object.keys(evidence as object).length === 0);

export async function loadNumberFacts(db: Queryable, numbers: readonly string[]): Promise<Map<string, NumberFacts>> {
  const e164s = [...new Set(numbers)];
  const out = new Map<string, NumberFacts>();
  if (e164s.length === 0) return out;
  const factsOf = (e164: string): NumberFacts => {
    let f = out.get(e164);
    if (!f) out.set(e164, (f = { ...NO_FACTS, grants: [], registries: [] }));
    return f;
  };
  const [ledger, dnc, registry, reassigned] = await Promise.all([
    db.query<LedgerRow>(
      'SELECT seq, e164, kind, occurred_at, source, purposes, evidence FROM consent_ledger WHERE e164 = ANY($1) ORDER BY seq',
      [e164s],
    ),
    db.query<DncRow>(
      'SELECT DISTINCT ON (e164) e164, added_at, source FROM internal_dnc WHERE e164 = ANY($1) ORDER BY e164, added_at',
      [e164s],
    ),
    db.query<RegistryRow>(
      `SELECT r.e164, r.list, COALESCE(s.downloaded_at, w.downloaded_at) AS downloaded_at
         FROM dnc_registry r
         LEFT JOIN dnc_sync s ON s.list = r.list AND s.area_code = r.area_code
         LEFT JOIN dnc_sync w ON w.list = r.list AND w.area_code = '*'
        WHERE r.e164 = ANY($1)`,
      [e164s],
    ),
    db.query<ReassignedRow>(
      'SELECT DISTINCT ON (e164) e164, result, checked_at FROM reassigned_checks WHERE e164 = ANY($1) ORDER BY e164, checked_at DESC',
      [e164s],
    ),
  ]);
  for (const r of ledger.rows) {
    const f = factsOf(r.e164);
    if (r.kind === 'GRANT')
      f.grants.push({
        seq: Number(r.seq),
        purposes: r.purposes ?? [],
        occurredAt: new Date(r.occurred_at),
        source: r.source,
        hasEvidence: hasEvidence(r.evidence),
      });
    else f.lastRevocationSeq = Number(r.seq);
  }
  for (const r of dnc.rows) factsOf(r.e164).internalDnc = { addedAt: new Date(r.added_at), source: r.source };
  for (const r of registry.rows)
    factsOf(r.e164).registries.push({
      list: r.list,
      dataDate: r.downloaded_at === null ? null : new Date(r.downloaded_at),
    });
  for (const r of reassigned.rows) factsOf(r.e164).reassigned = { result: r.result, checkedAt: new Date(r.checked_at) };
  return out;
}
