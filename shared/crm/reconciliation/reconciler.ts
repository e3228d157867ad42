import type { Logger } from '../../logger.js';
import type { ApplyOutcome, ChangeHandler } from '../change-handler.js';
import { CrmCallError, type CrmConnector } from '../connector.js';
import type { ReconcileStateStore } from './cursor-store.js';
import { advanceCursor, readStartMs, reconciledChangeEvent, type ReconcileSettings } from './reconcile-policy.js';
import { logError } from '../../logger.js';

/**
 * One CRM's reconciliation run: read every contact changed since the durable cursor (minus the
 * skew margin) through the connector's incremental read, apply each through the same
 * ChangeHandler the webhooks use (eviction, phone index, canonical `contact.changed`, and so the
 * consent ledger for do-not-call), checkpoint the cursor after every page. A run that fails part
 * way keeps the pages it finished; the next run resumes from there.
 */

export interface ReconcileRunSummary {
  crm: string;
  read: number;
  applied: number;
  duplicates: number;
  /** The read started here (ms). */
  fromMs: number;
  /** Cursor after the run (ms). */
  cursorMs: number;
  durationMs: number;
}

export interface ReconcileObserver {
  /** After every run, successful or not. */
  run(outcome: 'success' | 'failure', summary: ReconcileRunSummary | null, at: Date): void;
  records(outcome: ApplyOutcome, n: number): void;
}

export interface ReconcilerOptions {
  connector: Pick<CrmConnector, 'source' | 'changedContactsSince'>;
  changes: Pick<ChangeHandler, 'apply'>;
  state: ReconcileStateStore;
  settings: Pick<ReconcileSettings, 'skewMarginMs'>;
  log: Logger;
  observer?: ReconcileObserver;
  now?: () => Date;
}

export class Reconciler {
  private readonly now: () => Date;

  constructor(private readonly options: ReconcilerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get source(): string {
    return this.options.connector.source;
  }

  async runOnce(): Promise<ReconcileRunSummary> {
    const { connector, changes, state, settings, log, observer } = this.options;
    const crm = connector.source;
    const started = this.now();
    try {
      // A first run starts from now: what changed before is the backfill's job (npm run audit).
      const initial = await state.load(crm, started.getTime());
      let cursor = initial.cursor;
      const fromMs = readStartMs(cursor, settings);
      let read = 0;
      let applied = 0;
      let duplicates = 0;
      for await (const page of connector.changedContactsSince(fromMs)) {
        const outcomes = await changes.apply(page.map(reconciledChangeEvent));
        let pageApplied = 0;
        outcomes.forEach((o) => (o === 'applied' ? pageApplied++ : duplicates++));
        for (const contact of page) cursor = advanceCursor(cursor, contact);
        await state.saveCursor(crm, cursor, pageApplied);
        read += page.length;
        applied += pageApplied;
        observer?.records('applied', pageApplied);
        observer?.records('duplicate', page.length - pageApplied);
      }
      const finished = this.now();
      await state.recordSuccess(crm, finished);
      const summary = {
        crm,
        read,
        applied,
        duplicates,
        fromMs,
        cursorMs: cursor.modifiedAtMs,
        durationMs: finished.getTime() - started.getTime(),
      };
      observer?.run('success', summary, finished);
      if (applied > 0) log.info(summary, 'CRM reconciliation applied missed changes');
      else log.debug(summary, 'CRM reconciliation run');
      return summary;
    } catch (error) {
      const code =
        error instanceof CrmCallError
          ? `${error.endpoint}:${error.kind}`
          : error instanceof Error
            ? error.name
            : 'error';
      await state.recordFailure(crm, this.now(), code).catch(() => undefined);
      observer?.run('failure', null, this.now());
      logError(log, error, 'CRM reconciliation run failed', { crm, code });
      throw error;
    }
  }

  /** Replays everything changed since `from` on the next run (after an incident). */
  async replayFrom(from: Date): Promise<void> {
    await this.options.state.rewind(this.options.connector.source, from.getTime());
    this.options.log.warn(
      { crm: this.options.connector.source, from: from.toISOString() },
      'CRM reconciliation rewound for a replay',
    );
  }
}
