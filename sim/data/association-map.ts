import type { ChildLayout } from './child-layout.js';

/**
 * HubSpot associations (contact id -> associated object ids) as a Map whose generated part is
 * computed from the child layout on demand, with writes in an overlay. A key is present when the
 * contact has at least one association. `get` returns a fresh array: write with `set`.
 */
export class AssociationMap implements Map<string, string[]> {
  private readonly overlay = new Map<string, string[] | null>();
  private baseCleared = false;
  private liveCount: number;

  constructor(
    private readonly layout: ChildLayout,
    private readonly parentIdAt: (row: number) => string,
    private readonly parentRowOf: (id: string) => number | undefined,
    private readonly childIdAt: (row: number) => string,
  ) {
    this.liveCount = this.baseLiveCount();
  }

  readonly [Symbol.toStringTag] = 'Map';

  get size(): number {
    return this.liveCount;
  }

  get(key: string): string[] | undefined {
    const written = this.overlay.get(key);
    if (written !== undefined) return written === null ? undefined : [...written];
    return this.baseGet(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: string[]): this {
    const had = this.has(key);
    this.overlay.set(key, value.length > 0 ? [...value] : null);
    this.liveCount += (value.length > 0 ? 1 : 0) - (had ? 1 : 0);
    return this;
  }

  delete(key: string): boolean {
    const had = this.has(key);
    if (had) {
      this.overlay.set(key, null);
      this.liveCount--;
    }
    return had;
  }

  clear(): void {
    this.overlay.clear();
    this.baseCleared = true;
    this.liveCount = 0;
  }

  /** Back to the generated associations. */
  reset(): void {
    this.overlay.clear();
    this.baseCleared = false;
    this.liveCount = this.baseLiveCount();
  }

  *entries(): MapIterator<[string, string[]]> {
    if (!this.baseCleared) {
      for (let row = 0; row < this.layout.parentCount; row++) {
        const key = this.parentIdAt(row);
        const value = this.get(key);
        if (value) yield [key, value];
      }
    }
    for (const [key, value] of this.overlay) {
      if (value === null) continue;
      const row = this.parentRowOf(key);
      // Generated parents were yielded above (with their overlay value).
      if (!this.baseCleared && row !== undefined && row < this.layout.parentCount) continue;
      yield [key, [...value]];
    }
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<string[]> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, string[]]> {
    return this.entries();
  }

  forEach(callback: (value: string[], key: string, map: Map<string, string[]>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  private baseGet(key: string): string[] | undefined {
    if (this.baseCleared) return undefined;
    const row = this.parentRowOf(key);
    if (row === undefined || row >= this.layout.parentCount) return undefined;
    const count = this.layout.count(row);
    if (count === 0) return undefined;
    const start = this.layout.start(row);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(this.childIdAt(start + i));
    return ids;
  }

  private baseLiveCount(): number {
    let n = 0;
    for (let row = 0; row < this.layout.parentCount; row++) if (this.layout.count(row) > 0) n++;
    return n;
  }
}
