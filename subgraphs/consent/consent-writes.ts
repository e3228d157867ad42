import { randomUUID } from 'node:crypto';
import type { Database } from '../../shared/db.js';
import type { EventBus } from '../../shared/events.js';
import type { Identity } from '../../shared/identity.js';
import { logError, type Logger } from '../../shared/logger.js';
import {
  consentRecordedAudit,
  consentRevokedAudit,
  dncRevocation,
  internalDncAudit,
  isDecisionId,
  reassignedAudit,
  revocationRecord,
  revokedEvent,
  type RevocationRequest,
} from './consent-plan.js';
import type { ReassignedFacts } from './decision/types.js';
import type { CompliancePolicy } from './policy/index.js';
import type { ReassignedNumberChecker } from './reassigned/checker.js';
import type { RevocationHub } from './revocation-hub.js';
import { appendAudit, type AuditWriter } from './store/audit.js';
import { insertReassignedCheck } from './store/facts.js';
import {
  appendGrant,
  appendRevocation,
  type Appended,
  type GrantRecord,
  type RevocationRecord,
} from './store/ledger.js';
import { addInternalDnc, type InternalDncRecord } from './store/suppression.js';

/**
 * What the consent service writes besides decisions: grants, revocations (announced to this
 * replica's subscribers and the bus), internal do-not-call entries and reassigned-number answers,
 * each with its audit row in the same transaction. What to write is consent-plan.ts's; this
 * executes it.
 */
export interface ConsentWritesDeps {
  db: Database;
  policy: CompliancePolicy;
  checker: ReassignedNumberChecker;
  bus: EventBus;
  hub: RevocationHub;
  audit: AuditWriter;
  log: Logger;
}

export function createConsentWrites(deps: ConsentWritesDeps) {
  const { db, policy, checker, bus, hub, audit, log } = deps;

  /** checkReassignedNumber: asks the database now (admin), whatever is kept. */
  async function checkReassigned(e164: string, consentDate: Date, identity: Identity): Promise<ReassignedFacts> {
    const answer = await checker.check(e164, consentDate);
    if (checker.cacheable !== false) await insertReassignedCheck(db, e164, answer);
    audit.write(reassignedAudit(identity, { e164, answer, source: checker.name }));
    return answer;
  }

  /** recordReassignedResults: answers from a bulk RND result file, kept like live answers. */
  async function recordReassignedResults(
    results: { e164: string; answer: ReassignedFacts }[],
    identity: Identity,
  ): Promise<void> {
    await db.transaction(async (tx) => {
      for (const r of results) await insertReassignedCheck(tx, r.e164, r.answer);
      await appendAudit(tx, [reassignedAudit(identity, { e164s: results.map((r) => r.e164) })]);
    });
  }

  async function announce(appended: Appended, r: RevocationRecord): Promise<void> {
    if (!appended.inserted) return;
    hub.poke();
    try {
      await bus.publish('consent.revoked', revokedEvent(appended, r));
    } catch (error) {
      // Durable already; other replicas pick it up on their next ledger poll.
      logError(log, error, 'consent.revoked publish failed', { seq: appended.seq });
    }
  }

  async function recordConsent(g: Omit<GrantRecord, 'actor'>, identity: Identity): Promise<Appended> {
    return db.transaction(async (tx) => {
      const a = await appendGrant(tx, { ...g, actor: identity.sub });
      if (a.inserted) await appendAudit(tx, [consentRecordedAudit(g, a, identity)]);
      return a;
    });
  }

  /** The seller of an earlier decision (an opt-out reported with the call's decision id). */
  async function sellerOfDecision(decisionId: string): Promise<string | null> {
    if (!isDecisionId(decisionId)) return null;
    // The decision's row may still be queued in the batched writer: write it first.
    await audit.flush();
    const r = await db.query<{ seller: string | null }>(
      'SELECT seller FROM consent_audit WHERE decision_id = $1 AND seller IS NOT NULL LIMIT 1',
      [decisionId],
    );
    return r.rows[0]?.seller ?? null;
  }

  async function revokeConsent(
    r: RevocationRequest,
    identity: Identity,
  ): Promise<{ appended: Appended; record: RevocationRecord }> {
    const seller = r.seller ?? (r.decisionId ? await sellerOfDecision(r.decisionId) : null);
    const record = revocationRecord(r, seller, identity);
    const appended = await db.transaction(async (tx) => {
      const a = await appendRevocation(tx, record);
      if (a.inserted) await appendAudit(tx, [consentRevokedAudit(record, r.decisionId ?? null, a, identity)]);
      return a;
    });
    await announce(appended, record);
    return { appended, record };
  }

  async function addDnc(
    d: Omit<InternalDncRecord, 'actor'> & { channel?: RevocationRecord['channel'] },
    identity: Identity,
  ) {
    const { channel: _channel, ...rest } = d;
    const record: InternalDncRecord = { ...rest, actor: identity.sub };
    const revocation = dncRevocation({ ...record, channel: d.channel }, randomUUID);
    const out = await db.transaction(async (tx) => {
      const entry = await addInternalDnc(tx, record, policy);
      const appended = revocation ? await appendRevocation(tx, revocation) : null;
      if (entry.inserted) await appendAudit(tx, [internalDncAudit(record, entry.id, appended, identity)]);
      return { entry, appended };
    });
    if (out.appended && revocation) await announce(out.appended, revocation);
    return { ...out, revocation };
  }

  return {
    recordConsent,
    revokeConsent,
    addInternalDnc: addDnc,
    sellerOfDecision,
    checkReassigned,
    recordReassignedResults,
  };
}
