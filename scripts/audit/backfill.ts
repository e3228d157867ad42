import type { Database } from '../../shared/db.js';
import type { CompliancePolicy } from '../../subgraphs/consent/policy/index.js';
import { appendRevocation } from '../../subgraphs/consent/store/ledger.js';
import { addInternalDnc } from '../../subgraphs/consent/store/suppression.js';

/**
 * First-deployment backfill: the do-not-call flags the CRMs already hold, written into the consent
 * store once, exactly as a live CRM do-not-call change is (crm-dnc-listener.ts): an internal DNC
 * entry for every seller plus a CRM_FLAG revocation. Ids derive from (crm, contact, number), so
 * applying twice (or after a partial run) adds nothing; the audit's dry run lists the same rows.
 * Consent replicas pick the revocations up from the ledger and push them to subscribed agents.
 */

export interface BackfillRow {
  crm: string;
  id: string;
  e164: string;
}

export interface BackfillOutcome {
  rows: number;
  inserted: number;
  alreadyPresent: number;
}

export async function applyBackfill(
  db: Database,
  rows: readonly BackfillRow[],
  policy: CompliancePolicy,
  at: Date,
): Promise<BackfillOutcome> {
  let inserted = 0;
  for (const row of rows) {
    const eventId = `backfill:${row.crm}:${row.id}:${row.e164}`;
    const added = await db.transaction(async (tx) => {
      const entry = await addInternalDnc(
        tx,
        {
          eventId,
          e164: row.e164,
          scope: 'ALL',
          seller: null,
          source: `crm:${row.crm}`,
          actor: 'audit-backfill',
          addedAt: at,
        },
        policy,
      );
      await appendRevocation(tx, {
        eventId: `dnc:${eventId}`,
        e164: row.e164,
        occurredAt: at,
        source: `crm:${row.crm}`,
        actor: 'audit-backfill',
        channel: 'CRM_FLAG',
        scope: 'ALL_SELLERS',
        seller: null,
      });
      return entry.inserted;
    });
    if (added) inserted++;
  }
  return { rows: rows.length, inserted, alreadyPresent: rows.length - inserted };
}
