import { EqualityIndex, type KeyOf } from './equality-index.js';

/**
 * Where a table's generated rows come from. Rows 0..baseSize-1 are produced on demand by
 * `generate(row)` (deterministic, so a 1,000,000-row table costs no memory until written), and
 * ids map to rows by pure computation both ways.
 */
export interface RecordSource<T> {
  /** Object name, used in error messages ("Contact", "contacts"). */
  readonly name: string;
  /** The record's id field: "Id" for Salesforce, "id" for HubSpot. */
  readonly idKey: string;
  readonly baseSize: number;
  idAt(row: number): string;
  /** Row of an id, or undefined when the id is not of this table's format. */
  rowOf(id: string): number | undefined;
  generate(row: number): T;
}

/**
 * A table of CRM records: lazily generated base rows plus an overlay of writes (changed, inserted
 * and deleted rows). Records are immutable values: `get` returns a frozen object, so write with
 * `set`/`update` (a fresh copy is stored; nested plain objects such as HubSpot `properties` are
 * copied and frozen too). `reset()` drops every write, back to the generated state.
 */
export class RecordTable<T extends object> {
  private readonly overlay = new Map<number, T | null>();
  private readonly indexes: EqualityIndex<T>[] = [];
  private nextRow: number;
  private deletedBase = 0;
  private insertedCount = 0;

  constructor(private readonly source: RecordSource<T>) {
    this.nextRow = source.baseSize;
  }

  get name(): string {
    return this.source.name;
  }

  /** Number of live records (generated minus deleted plus inserted). */
  get size(): number {
    return this.source.baseSize - this.deletedBase + this.insertedCount;
  }

  get(id: string): T | undefined {
    const row = this.source.rowOf(id);
    return row === undefined ? undefined : this.getRow(row);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /**
   * Stores `record` under `id` (replacing or creating it). The stored copy's id field is `id` in
   * its canonical form. Throws RangeError for an id that is not of this table's format.
   */
  set(id: string, record: T): void {
    const row = this.rowOrThrow(id);
    this.writeRow(row, record);
  }

  /** Shallow-merges `patch` into the record; returns the stored result, or undefined if absent. */
  update(id: string, patch: Partial<T>): T | undefined {
    const row = this.source.rowOf(id);
    if (row === undefined) return undefined;
    const current = this.getRow(row);
    if (!current) return undefined;
    return this.writeRow(row, { ...current, ...patch });
  }

  /** Appends a record with the next free id (any id field in `record` is replaced); returns the id. */
  insert(record: Omit<T, 'id' | 'Id'> & Partial<T>): string {
    const row = this.nextRow;
    this.writeRow(row, record as T);
    return this.source.idAt(row);
  }

  delete(id: string): boolean {
    const row = this.source.rowOf(id);
    if (row === undefined) return false;
    const previous = this.getRow(row);
    if (!previous) return false;
    const previousOverlay = this.overlay.get(row);
    if (row < this.source.baseSize) {
      this.overlay.set(row, null);
      this.deletedBase++;
    } else {
      this.overlay.delete(row);
      this.insertedCount--;
    }
    for (const index of this.indexes) index.onWrite(row, previousOverlay ?? undefined, undefined);
    return true;
  }

  /** Every live record: generated rows in row order, then inserted ones in insertion order. */
  *values(): IterableIterator<T> {
    const base = this.source.baseSize;
    for (let row = 0; row < base; row++) {
      const record = this.getRow(row);
      if (record) yield record;
    }
    for (const row of this.insertedRows()) {
      const record = this.overlay.get(row);
      if (record) yield record;
    }
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.values();
  }

  /**
   * Records written (updated or inserted) since generation or the last reset. Generated records
   * all date from before the dataset epoch, so "modified since t" for t >= epoch needs only these.
   */
  *written(): IterableIterator<T> {
    for (const record of this.overlay.values()) if (record) yield record;
  }

  /** Drops every write: the table is again exactly what the generator produced. */
  reset(): void {
    this.overlay.clear();
    this.nextRow = this.source.baseSize;
    this.deletedBase = 0;
    this.insertedCount = 0;
    for (const index of this.indexes) index.onReset();
  }

  /**
   * An equality index over `keyOf(record)` (one key, several, or none per record), kept current
   * on every write. The generated rows are indexed on first lookup (or `index.build()`), into a
   * compact hash layout of about 8 bytes per key.
   */
  createIndex(keyOf: KeyOf<T>): EqualityIndex<T> {
    const index = new EqualityIndex<T>(
      {
        baseSize: this.source.baseSize,
        generate: (row) => this.source.generate(row),
        overlaid: (row) => this.overlay.has(row),
        getRow: (row) => this.getRow(row),
      },
      keyOf,
    );
    for (const [row, record] of this.overlay) if (record) index.onWrite(row, undefined, record);
    this.indexes.push(index);
    return index;
  }

  /** The id a record at `row` has (for callers that walk rows). */
  idAt(row: number): string {
    return this.source.idAt(row);
  }

  private getRow(row: number): T | undefined {
    const written = this.overlay.get(row);
    if (written !== undefined) return written ?? undefined;
    if (row < this.source.baseSize && row >= 0) return this.source.generate(row);
    return undefined;
  }

  private rowOrThrow(id: string): number {
    const row = this.source.rowOf(id);
    if (row === undefined) throw new RangeError(`"${id}" is not a ${this.source.name} id`);
    return row;
  }

  private writeRow(row: number, record: T): T {
    const previous = this.getRow(row);
    const previousOverlay = this.overlay.get(row);
    const stored = freezeRecord({ ...record, [this.source.idKey]: this.source.idAt(row) } as T);
    this.overlay.set(row, stored);
    if (row >= this.source.baseSize) {
      if (!previous) this.insertedCount++;
      if (row >= this.nextRow) this.nextRow = row + 1;
    } else if (previousOverlay === null) {
      this.deletedBase--; // a deleted generated row written again
    }
    for (const index of this.indexes) index.onWrite(row, previousOverlay ?? undefined, stored);
    return stored;
  }

  private insertedRows(): number[] {
    const rows: number[] = [];
    for (const row of this.overlay.keys()) if (row >= this.source.baseSize) rows.push(row);
    return rows.sort((a, b) => a - b);
  }
}

/** Freezes a record and copies+freezes its nested plain objects (HubSpot `properties`). */
export function freezeRecord<T extends object>(record: T): T {
  for (const key of Object.keys(record)) {
    const value = (record as Record<string, unknown>)[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !Object.isFrozen(value)) {
      (record as Record<string, unknown>)[key] = Object.freeze({ ...(value as object) });
    }
  }
  return Object.freeze(record);
}
