import { errorForLog, type Logger } from '../logger.js';
import type { CanonicalFieldPath, ContactLoadResult, CrmConnector, FieldDrift } from './connector.js';
import type { ContactStore } from './contact-store.js';

/**
 * Schema drift on the fields a call decision rests on fails closed within seconds (issue 11).
 * Drift alone already fails closed for a contact read after it (the field answers CRM_SCHEMA_DRIFT
 * and consent denies with COMPLIANCE_DATA_UNAVAILABLE), but a contact cached before the rename kept
 * its old do-not-call value until its entry expired. The watch learns the drift of the
 * consent-critical fields two ways:
 *
 * - every batch the CRM answers (a read of any contact shows the drift of the whole object), and
 * - a periodic check: one describe/properties call for the contact object every `intervalMs`,
 *   which also sees a field come back.
 *
 * Whenever the set of drifted critical fields changes (a field drifts, or comes back), every cached
 * contact of that CRM is evicted, so the next read of each contact sees the CRM as it is now.
 */

/** Canonical fields a call decision depends on: the CRM's do-not-call flag and the numbers. */
export const CONSENT_CRITICAL_FIELDS: readonly CanonicalFieldPath[] = [
  'suppression.doNotCall',
  'phones',
  'primaryPhone',
];

/** Runs `fn` every `ms` until the returned function is called. Injected so tests tick by hand. */
export type Ticker = (ms: number, fn: () => void) => () => void;

export const intervalTicker: Ticker = (ms, fn) => {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
};

export interface DriftWatchOptions {
  connector: CrmConnector;
  store: ContactStore;
  /** Period of the describe check; 0 turns the periodic check off (reads still count). */
  intervalMs: number;
  ticker?: Ticker;
  log: Logger;
  /** Called after each change of the drifted set (metrics, tests). */
  onChange?: (drifted: readonly FieldDrift[]) => void;
  /** True while the CRM is known to be down (breaker open): the periodic check skips its call. */
  paused?: () => boolean;
}

export class DriftWatch {
  /** Drifted critical fields, keyed `<crmField>→<canonical field>`. */
  private drifted = new Map<string, FieldDrift>();
  private stopTicker: (() => void) | undefined;
  private checking: Promise<void> | undefined;
  /** The last periodic check failed (logged once per outage, not every period). */
  private failing = false;
  /** Serialises evictions so two changes never interleave their clears. */
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly options: DriftWatchOptions) {}

  /** The critical fields currently known to have drifted. */
  get current(): FieldDrift[] {
    return [...this.drifted.values()];
  }

  start(): void {
    if (this.options.intervalMs <= 0 || !this.options.connector.checkCriticalFields || this.stopTicker) return;
    this.stopTicker = (this.options.ticker ?? intervalTicker)(this.options.intervalMs, () => void this.check());
  }

  stop(): void {
    this.stopTicker?.();
    this.stopTicker = undefined;
  }

  /** One periodic check (single flight). A CRM that cannot answer changes nothing: reads still report. */
  check(): Promise<void> {
    const { connector, log } = this.options;
    if (!connector.checkCriticalFields || this.options.paused?.()) return Promise.resolve();
    this.checking ??= connector
      .checkCriticalFields(CONSENT_CRITICAL_FIELDS)
      .then((drift) => {
        if (this.failing) log.info({ crm: connector.source }, 'drift check reads the CRM schema again');
        this.failing = false;
        return this.update(drift);
      })
      .catch((error: unknown) => {
        if (!this.failing)
          log.warn(
            { crm: connector.source, err: errorForLog(error) },
            'drift check could not read the CRM schema (reads still report drift)',
          );
        this.failing = true;
      })
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  /** The drift of a batch the CRM answered: found contacts show the object's critical drift as it is now. */
  async observe(results: readonly ContactLoadResult[]): Promise<void> {
    const found = results.filter((r) => r.kind === 'found');
    if (found.length === 0) return;
    const critical = found.flatMap((r) => r.drift.filter((d) => CONSENT_CRITICAL_FIELDS.includes(d.field)));
    await this.update(critical);
  }

  /**
   * Acts on missing fields only: absence is a property of the schema, the same for every record and
   * both sources. A wrong type shows per record on read (that contact's field answers drift) and
   * would make reads and checks disagree, evicting on every round.
   */
  private update(drift: readonly FieldDrift[]): Promise<void> {
    const next = new Map(drift.filter((d) => d.reason === 'missing').map((d) => [`${d.crmField}→${d.field}`, d]));
    if (next.size === this.drifted.size && [...next.keys()].every((k) => this.drifted.has(k))) return this.applying;
    const appeared = [...next.keys()].some((k) => !this.drifted.has(k));
    const fieldsOf = (m: Map<string, FieldDrift>) => new Set([...m.values()].map((d) => d.crmField));
    const [before, after] = [fieldsOf(this.drifted), fieldsOf(next)];
    this.drifted = next;
    const { connector, store, log } = this.options;
    if (appeared)
      log.error(
        { crm: connector.source, crmFields: [...after] },
        'consent-critical CRM field drifted: cached contacts evicted, decisions fail closed',
      );
    else
      log.warn(
        { crm: connector.source, crmFields: [...before].filter((f) => !after.has(f)), stillDrifted: [...after] },
        'consent-critical CRM fields came back: cached contacts evicted',
      );
    this.options.onChange?.(this.current);
    this.applying = this.applying.then(() => store.evictAll());
    return this.applying;
  }
}
