import { hashString } from './prng.js';

/** The key(s) a record is found under; null/undefined/empty entries are ignored. */
export type KeyOf<T> = (record: T) => string | null | undefined | readonly (string | null | undefined)[];

/** What an index needs from its table. */
export interface IndexedRows<T> {
  readonly baseSize: number;
  generate(row: number): T;
  /** True when the row has been written (changed, inserted or deleted) since generation. */
  overlaid(row: number): boolean;
  getRow(row: number): T | undefined;
}

/**
 * Equality lookups without scanning: for a million generated rows, a hash-bucketed row list
 * (CSR layout: bucket offsets + row numbers, ~8 bytes per key, no strings kept) whose candidates
 * are confirmed by regenerating the row; for written rows, an ordinary Map kept current on
 * every write. Results come back in row order.
 */
export class EqualityIndex<T> {
  private bucketMask = 0;
  private bucketStart: Uint32Array | null = null;
  private bucketRows: Uint32Array | null = null;
  private readonly written = new Map<string, Set<number>>();

  constructor(
    private readonly rows: IndexedRows<T>,
    private readonly keyOf: KeyOf<T>,
  ) {}

  /** Indexes the generated rows now (otherwise done by the first lookup). Returns the key count. */
  build(): number {
    if (this.bucketStart) return this.bucketRows!.length;
    let hashes: Uint32Array = new Uint32Array(Math.max(16, this.rows.baseSize));
    let owners: Uint32Array = new Uint32Array(hashes.length);
    let count = 0;
    for (let row = 0; row < this.rows.baseSize; row++) {
      const keys = keysOf(this.keyOf(this.rows.generate(row)));
      for (const key of keys) {
        if (count === hashes.length) {
          hashes = grow(hashes);
          owners = grow(owners);
        }
        hashes[count] = hashString(key);
        owners[count] = row;
        count++;
      }
    }
    let buckets = 1;
    while (buckets < count) buckets *= 2;
    const mask = buckets - 1;
    const start = new Uint32Array(buckets + 1);
    for (let i = 0; i < count; i++) start[(hashes[i] & mask) + 1]++;
    for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
    const fill = start.slice(0, buckets);
    const bucketRows = new Uint32Array(count);
    for (let i = 0; i < count; i++) bucketRows[fill[hashes[i] & mask]++] = owners[i];
    this.bucketMask = mask;
    this.bucketStart = start;
    this.bucketRows = bucketRows;
    return count;
  }

  /** Records whose keys include `key`, in row order. */
  lookup(key: string): T[] {
    const out: T[] = [];
    for (const row of this.lookupRows(key)) {
      const record = this.rows.getRow(row);
      if (record) out.push(record);
    }
    return out;
  }

  /** Row numbers whose current record has `key`, ascending. */
  lookupRows(key: string): number[] {
    this.build();
    const found: number[] = [];
    const bucket = hashString(key) & this.bucketMask;
    const start = this.bucketStart!;
    const rows = this.bucketRows!;
    for (let i = start[bucket]; i < start[bucket + 1]; i++) {
      const row = rows[i];
      // Written rows are answered from the written map below, never from stale generated keys.
      if (this.rows.overlaid(row)) continue;
      if (keysOf(this.keyOf(this.rows.generate(row))).includes(key)) found.push(row);
    }
    const written = this.written.get(key);
    if (written) for (const row of written) found.push(row);
    found.sort((a, b) => a - b);
    return found.filter((row, i) => i === 0 || found[i - 1] !== row);
  }

  /** Called by the table on every write; `before`/`after` are overlay states (undefined = none). */
  onWrite(row: number, before: T | undefined, after: T | undefined): void {
    if (before) {
      for (const key of keysOf(this.keyOf(before))) {
        const set = this.written.get(key);
        if (set) {
          set.delete(row);
          if (set.size === 0) this.written.delete(key);
        }
      }
    }
    if (after) {
      for (const key of keysOf(this.keyOf(after))) {
        let set = this.written.get(key);
        if (!set) this.written.set(key, (set = new Set()));
        set.add(row);
      }
    }
  }

  onReset(): void {
    this.written.clear();
  }
}

function keysOf(value: ReturnType<KeyOf<unknown>>): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  const keys: string[] = [];
  for (const key of value) if (key && !keys.includes(key)) keys.push(key);
  return keys;
}

function grow(array: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
