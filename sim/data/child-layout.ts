/**
 * Which child rows (opportunities, tasks, deals, calls) belong to which parent row, as running
 * offsets: parent p owns children [start(p), start(p+1)). 4 bytes per parent, and child -> parent
 * is a binary search, so child tables stay lazy too.
 */
export class ChildLayout {
  private constructor(private readonly offsets: Uint32Array) {}

  static of(parentCount: number, countOf: (parent: number) => number): ChildLayout {
    return ChildLayout.several(parentCount, 1, (p) => [countOf(p)])[0];
  }

  /** `kinds` layouts from one pass over the parents (each parent's plan is computed once). */
  static several(parentCount: number, kinds: number, countsOf: (parent: number) => readonly number[]): ChildLayout[] {
    const offsets = Array.from({ length: kinds }, () => new Uint32Array(parentCount + 1));
    for (let p = 0; p < parentCount; p++) {
      const counts = countsOf(p);
      for (let k = 0; k < kinds; k++) offsets[k][p + 1] = offsets[k][p] + counts[k];
    }
    return offsets.map((o) => new ChildLayout(o));
  }

  get parentCount(): number {
    return this.offsets.length - 1;
  }

  get total(): number {
    return this.offsets[this.offsets.length - 1];
  }

  start(parent: number): number {
    return this.offsets[parent];
  }

  count(parent: number): number {
    return this.offsets[parent + 1] - this.offsets[parent];
  }

  /** The parent of child row `child` (must be < total). */
  parentOf(child: number): number {
    let lo = 0;
    let hi = this.offsets.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.offsets[mid] <= child) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
