import type { Database, Migration } from '../../db.js';
import type { CrmSource } from '../connector.js';
import type { ReconcileCursor } from './reconcile-policy.js';

/**
 * The durable state of each CRM's reconciliation, one row per CRM in `crm_reconcile.state`: the
 * cursor (newest stamp and id applied), when the last run succeeded, and the last error. It lives
 * beside the reconciliation job queue (pg-boss schema `crm_reconcile_queue`) in the same database:
 * PostgreSQL (DATABASE_URL) shared by every replica, or embedded PGlite.
 */

export const RECONCILE_MIGRATIONS: Migration[] = [
  {
    id: '001_reconcile_state',
    sql: `
      CREATE SCHEMA IF NOT EXISTS crm_reconcile;
      CREATE TABLE crm_reconcile.state (
        crm text PRIMARY KEY,
        cursor_ms bigint NOT NULL,
        cursor_id text NOT NULL DEFAULT '',
        last_success_at timestamptz,
        last_run_at timestamptz,
        last_error text,
        records_applied bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];

export interface ReconcileState {
  crm: CrmSource;
  cursor: ReconcileCursor;
  lastSuccessAt: Date | null;
  lastRunAt: Date | null;
  lastError: string | null;
  recordsApplied: number;
}

interface StateRow {
  crm: string;
  cursor_ms: number;
  cursor_id: string;
  last_success_at: Date | string | null;
  last_run_at: Date | string | null;
  last_error: string | null;
  records_applied: number;
}

const dateOf = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

export class ReconcileStateStore {
  constructor(private readonly db: Database) {}

  /** The state, created with the cursor at `initialCursorMs` when this CRM was never reconciled. */
  async load(crm: CrmSource, initialCursorMs: number): Promise<ReconcileState> {
    await this.db.query(
      'INSERT INTO crm_reconcile.state (crm, cursor_ms) VALUES ($1, $2) ON CONFLICT (crm) DO NOTHING',
      [crm, initialCursorMs],
    );
    const { rows } = await this.db.query<StateRow>('SELECT * FROM crm_reconcile.state WHERE crm = $1', [crm]);
    const row = rows[0]!;
    return {
      crm,
      cursor: { modifiedAtMs: Number(row.cursor_ms), sourceId: row.cursor_id },
      lastSuccessAt: dateOf(row.last_success_at),
      lastRunAt: dateOf(row.last_run_at),
      lastError: row.last_error,
      recordsApplied: Number(row.records_applied),
    };
  }

  /** Checkpoint during a run: the cursor only moves forward (a replay moves it back explicitly). */
  async saveCursor(crm: CrmSource, cursor: ReconcileCursor, applied: number): Promise<void> {
    await this.db.query(
      `UPDATE crm_reconcile.state SET cursor_ms = $2, cursor_id = $3, records_applied = records_applied + $4, updated_at = now()
        WHERE crm = $1 AND (cursor_ms < $2 OR (cursor_ms = $2 AND cursor_id <= $3))`,
      [crm, cursor.modifiedAtMs, cursor.sourceId, applied],
    );
  }

  async recordSuccess(crm: CrmSource, at: Date): Promise<void> {
    await this.db.query(
      'UPDATE crm_reconcile.state SET last_success_at = $2, last_run_at = $2, last_error = NULL, updated_at = now() WHERE crm = $1',
      [crm, at],
    );
  }

  /** `error` is a code or a short message, never a record. */
  async recordFailure(crm: CrmSource, at: Date, error: string): Promise<void> {
    await this.db.query(
      'UPDATE crm_reconcile.state SET last_run_at = $2, last_error = $3, updated_at = now() WHERE crm = $1',
      [crm, at, error.slice(0, 500)],
    );
  }

  /** Moves the cursor back to `fromMs` so the next run reads everything changed since (after an incident). */
  async rewind(crm: CrmSource, fromMs: number): Promise<void> {
    await this.load(crm, fromMs);
    await this.db.query(
      "UPDATE crm_reconcile.state SET cursor_ms = $2, cursor_id = '', updated_at = now() WHERE crm = $1",
      [crm, fromMs],
    );
  }
}
