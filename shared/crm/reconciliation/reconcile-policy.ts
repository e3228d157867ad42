import type { ChangedContact, CrmChangeEvent } from '../connector.js';

/**
 * The pure decisions of CRM reconciliation (no I/O): where an incremental read starts, how the
 * cursor moves, what a changed record announces, and when a CRM counts as not reconciled.
 * The reconciler (reconciler.ts) runs them against the CRM, the cursor store and the change handler.
 */

export interface ReconcileSettings {
  /** Time between runs. @default 60000 */
  intervalMs: number;
  /**
   * How far before the cursor each read starts. A CRM stamps a write when its transaction starts
   * and it becomes visible at commit, so a long transaction can appear with a stamp older than the
   * newest one already read; clock steps on the CRM's side do the same. Re-reading the margin is
   * cheap: records already applied are recognised by version and skipped. @default 5000
   */
  skewMarginMs: number;
  /** No successful run for longer than this: readiness red, error logged. @default 600000 */
  staleAlertMs: number;
}

export const RECONCILE_DEFAULTS: ReconcileSettings = {
  intervalMs: 60_000,
  skewMarginMs: 5_000,
  staleAlertMs: 600_000,
};

/** Durable position of one CRM's reconciliation: the newest (stamp, id) applied. */
export interface ReconcileCursor {
  modifiedAtMs: number;
  sourceId: string;
}

/** Where the next incremental read starts: the cursor minus the skew margin. */
export function readStartMs(cursor: ReconcileCursor, settings: Pick<ReconcileSettings, 'skewMarginMs'>): number {
  return Math.max(0, cursor.modifiedAtMs - settings.skewMarginMs);
}

/** Records are read in (stamp, id) order; the cursor never moves backwards. */
export function advanceCursor(cursor: ReconcileCursor, contact: ChangedContact): ReconcileCursor {
  if (contact.modifiedAtMs > cursor.modifiedAtMs)
    return { modifiedAtMs: contact.modifiedAtMs, sourceId: contact.sourceId };
  if (contact.modifiedAtMs === cursor.modifiedAtMs && compareIds(contact.sourceId, cursor.sourceId) > 0) {
    return { modifiedAtMs: contact.modifiedAtMs, sourceId: contact.sourceId };
  }
  return cursor;
}

/** Numeric ids (HubSpot) by value, others (Salesforce) as strings. */
function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A changed record as a change event for the shared ChangeHandler. The id is a function of the
 * record and its version, so a replay over the same period announces the same event ids (the
 * consent ledger keys on them) and nothing is appended twice. It announces every canonical field
 * (empty `changedFields`): the read cannot tell what changed, only the current state.
 */
export function reconciledChangeEvent(contact: ChangedContact): CrmChangeEvent {
  return {
    eventId: `reconcile:${contact.sourceId}:${contact.modifiedAtMs}`,
    sourceId: contact.sourceId,
    kind: 'updated',
    changedFields: [],
    occurredAt: new Date(contact.modifiedAtMs).toISOString(),
    order: contact.modifiedAtMs,
    versionMs: contact.modifiedAtMs,
    origin: 'reconciliation',
    ...(contact.phoneValues.length > 0 ? { phoneValues: contact.phoneValues } : {}),
    suppression: { doNotCall: contact.doNotCall, emailOptOut: contact.emailOptOut },
  };
}

export type ReconcileHealth =
  | { ok: true; lastSuccessAt: Date | null }
  | { ok: false; lastSuccessAt: Date | null; reason: 'never_reconciled' | 'stale'; overdueMs: number };

/**
 * Whether a CRM has reconciled recently enough. Before the first success the clock starts at
 * `since` (process start), so a fresh replica is not red before it had a chance to run.
 */
export function reconcileHealth(
  lastSuccessAt: Date | null,
  since: Date,
  now: Date,
  settings: Pick<ReconcileSettings, 'staleAlertMs'>,
): ReconcileHealth {
  const reference = lastSuccessAt ?? since;
  const age = now.getTime() - reference.getTime();
  if (age <= settings.staleAlertMs) return { ok: true, lastSuccessAt };
  return {
    ok: false,
    lastSuccessAt,
    reason: lastSuccessAt ? 'stale' : 'never_reconciled',
    overdueMs: age - settings.staleAlertMs,
  };
}
