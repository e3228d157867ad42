import { READ_ONLY_SQL } from '../../../shared/db-writes.js';
import { FACTS_STATEMENT, type StoredFacts } from './facts.js';

/**
 * The stored facts of a number (ledger, suppression lists, relationships, reassigned answers,
 * attempts), kept in memory between decisions (issue 17: the facts read was the larger part of
 * the consent subgraph's CPU per call-start). Only the database READ is shared: every decision is
 * still made, identified and audited on its own.
 *
 * Exact for every write this process makes, failing closed when unsure:
 * - every statement that is not known to leave the facts alone (a plain SELECT, the prepared facts
 *   read, an append to the audit log) counts as a write: it drops every snapshot when issued and
 *   again when it (and its transaction) settles, and a read that overlapped it is never kept
 *   (generation check) nor joined by a later decision;
 * - a revocation heard on the event bus or found by the revocation hub drops everything too;
 * - an answer is served for at most `maxAgeMs` after its read started, and only to a decision
 *   whose attempt window starts no earlier than the read's (a what-if in the past reads again).
 * Writes by another process are not seen, so the default is on only for the embedded database,
 * which has no other writer (server.ts); `maxAgeMs` 0 turns the snapshot off.
 */
export interface FactsSnapshotOptions {
  maxAgeMs: number;
  /** Most numbers kept (oldest dropped first). @default 10_000 */
  maxEntries?: number;
  now?: () => number;
}

interface Kept {
  facts: StoredFacts;
  /** The attempt window's start the facts were read with (ms). */
  since: number;
  /** When the read started (ms): the answer's age counts from here. */
  at: number;
}

interface InFlight extends Kept {
  generation: number;
  promise: Promise<StoredFacts>;
}

export class FactsSnapshot {
  private generation = 0;
  private readonly kept = new Map<string, Kept>();
  private readonly inFlight = new Map<string, Omit<InFlight, 'facts'>>();
  private readonly now: () => number;
  private readonly maxEntries: number;
  private reads = 0;

  constructor(private readonly options: FactsSnapshotOptions) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  get enabled(): boolean {
    return this.options.maxAgeMs > 0;
  }

  /** Database reads made through the snapshot so far (tests and metrics). */
  get databaseReads(): number {
    return this.reads;
  }

  get size(): number {
    return this.kept.size;
  }

  /** Something may have changed the facts: forget every answer and every read in flight. */
  changed(): void {
    this.generation++;
    this.kept.clear();
    this.inFlight.clear();
  }

  /** The facts of `e164` for a decision counting attempts after `since`, from memory when allowed, else through `load`. */
  async read(e164: string, since: Date, load: () => Promise<StoredFacts>): Promise<StoredFacts> {
    if (!this.enabled) {
      this.reads++;
      return load();
    }
    const startedAt = this.now();
    const wanted = since.getTime();
    const usable = (k: { since: number; at: number }) => startedAt - k.at < this.options.maxAgeMs && wanted >= k.since;
    const hit = this.kept.get(e164);
    if (hit && usable(hit)) return hit.facts;
    const flying = this.inFlight.get(e164);
    if (flying && flying.generation === this.generation && usable(flying)) return flying.promise;

    const generation = this.generation;
    this.reads++;
    const promise = load().then(deepFreeze);
    const entry = { generation, since: wanted, at: startedAt, promise };
    this.inFlight.set(e164, entry);
    try {
      const facts = await promise;
      if (generation === this.generation) {
        this.kept.delete(e164);
        this.kept.set(e164, { facts, since: wanted, at: startedAt });
        if (this.kept.size > this.maxEntries) this.kept.delete(this.kept.keys().next().value!);
      }
      return facts;
    } finally {
      if (this.inFlight.get(e164) === entry) this.inFlight.delete(e164);
    }
  }
}

/** The tables a decision reads (FACTS_SQL). */
const FACT_TABLES =
  /\b(consent_ledger|internal_dnc|dnc_registry|dnc_sync|ebr_relationships|reassigned_checks|call_attempts)\b/i;
/** An append to the audit log and nothing else (the batched audit writer, every few milliseconds). */
const AUDIT_APPEND = /^\s*INSERT\s+INTO\s+consent_audit\b/i;
const FACTS_EXECUTE = new RegExp(`^\\s*EXECUTE\\s+${FACTS_STATEMENT}\\(`, 'i');

/** True unless the statement is known to leave the stored facts alone. */
export function mayChangeFacts(sql: string): boolean {
  if (READ_ONLY_SQL.test(sql) || FACTS_EXECUTE.test(sql)) return false;
  if (AUDIT_APPEND.test(sql) && !FACT_TABLES.test(sql)) return false;
  return true;
}

/** Kept answers are shared by decisions: frozen, so a decision that tried to change one would fail (closed). */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
